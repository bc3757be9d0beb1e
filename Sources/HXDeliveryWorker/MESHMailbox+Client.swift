import HXMESH
import Logging

/// HXMESH's client as the worker's mailbox: MESH's errors sorted by what the worker does about them.
struct MESHClientMailbox: MESHMailbox {
    let client: MESHClient

    func handshake() async throws {
        do { try await client.handshake() } catch { throw Self.problem(error) }
    }

    func send(_ bytes: [UInt8], to: String, workflowId: String, localId: String, subject: String, fileName: String) async throws -> String {
        let message = MESHOutgoingMessage(to: to, workflowID: workflowId, localID: localId, subject: subject, fileName: fileName,
                                          contentType: "application/fhir+json", body: bytes)
        do { return try await client.send(message) } catch { throw Self.problem(error) }
    }

    func tracked(localId: String) async throws -> MESHTracked? {
        do {
            return try await client.tracking(localID: localId).map { MESHTracked(messageId: $0.messageID, status: $0.status ?? "") }
        } catch {
            throw Self.problem(error)
        }
    }

    func inbox() async throws -> [String] {
        do { return try await client.inbox() } catch { throw Self.problem(error) }
    }

    func download(_ messageId: String) async throws -> MESHInboxMessage {
        do {
            let m = try await client.download(messageId)
            let h = m.headers
            return MESHInboxMessage(messageId: h.messageID, messageType: h.messageType.rawValue, from: h.from, workflowId: h.workflowID,
                                    localId: h.localID, linkedMessageId: h.linkedMessageID, statusCode: h.statusCode, body: m.body)
        } catch {
            throw Self.problem(error)
        }
    }

    func acknowledge(_ messageId: String) async throws {
        do { try await client.acknowledge(messageId) } catch { throw Self.problem(error) }
    }

    func close() async { await client.shutdown() }

    static func problem(_ error: MESHError) -> MESHProblem {
        let kind: MESHProblem.Kind
        switch error.code {
        case .authRefused: kind = .authentication
        case .unreachable, .tlsRefused, .tlsFile: kind = .unavailable
        case .noAnswer: kind = .outcomeUnknown
        case .recipientUnknown, .sendRefused, .messageNotFound, .messageGone: kind = .refused
        case .unexpectedStatus, .badAnswer: kind = error.mayHaveArrived ? .outcomeUnknown : .refused
        }
        return MESHProblem(kind: kind, detail: error.description)
    }
}

extension MESHAccess {
    /// Whether this mailbox can be reached as the options stand (no network).
    func validate(mailbox: String) throws(DeliveryWorkerUnavailable) {
        guard passwords[mailbox] != nil else {
            throw DeliveryWorkerUnavailable(description: "no --mesh-password-file \(mailbox)=FILE for MESH mailbox \(mailbox)")
        }
    }

    /// The client for one sending mailbox; the TLS files are read now (a bad one is exit 78).
    func client(mailbox: String) throws(DeliveryWorkerUnavailable) -> any MESHMailbox {
        guard let configuration = configuration(mailbox: mailbox) else {
            throw DeliveryWorkerUnavailable(description: "no --mesh-password-file \(mailbox)=FILE for MESH mailbox \(mailbox)")
        }
        do {
            return MESHClientMailbox(client: try MESHClient(configuration))
        } catch {
            throw DeliveryWorkerUnavailable(description: error.description)
        }
    }
}
