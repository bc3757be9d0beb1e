import HXDelivery
import HXDeliveryTransport

/// What a delivery worker asks of its MESH mailbox (HXMESH's client answers it,
/// see MESHMailbox+Client.swift). Every call carries the NHSMESH authorisation;
/// failures are `MESHProblem`s.
protocol MESHMailbox: Sendable {
    func handshake() async throws
    /// MESH's message id on 202.
    func send(_ bytes: [UInt8], to: String, workflowId: String, localId: String, subject: String, fileName: String) async throws -> String
    /// The message this mailbox sent with this local id, nil when there is none.
    func tracked(localId: String) async throws -> MESHTracked?
    /// Every message id in the inbox (all pages).
    func inbox() async throws -> [String]
    func download(_ messageId: String) async throws -> MESHInboxMessage
    func acknowledge(_ messageId: String) async throws
    /// Lets go of its connections; once, when the worker stops.
    func close() async
}

/// Why a MESH call did not succeed, as the worker must act on it.
struct MESHProblem: Error, CustomStringConvertible {
    enum Kind: Sendable {
        /// A 4xx other than authentication: asking again is refused again.
        case refused
        /// 401/403: the mailbox's password or the environment's shared key is wrong.
        case authentication
        /// Nothing was taken: MESH away, 5xx, connection refused.
        case unavailable
        /// The request went and its answer was lost (timeout, connection dropped).
        case outcomeUnknown
    }

    var kind: Kind
    /// HTTP status and MESH's error code, never message content.
    var detail: String

    var description: String { detail }
}

/// A sent message as MESH's tracking shows it.
struct MESHTracked: Sendable, Equatable {
    var messageId: String
    /// MESH's status (`accepted`, `acknowledged`, `undeliverable`, ...).
    var status: String

    /// MESH gave up on it (a non-delivery report follows): a replay sends it again.
    var undeliverable: Bool { ["undeliverable", "error", "expired"].contains(status.lowercased()) }
}

/// A downloaded inbox message with the headers the worker correlates on.
struct MESHInboxMessage: Sendable {
    var messageId: String
    /// `DATA` or `REPORT`.
    var messageType: String
    var from: String?
    var workflowId: String?
    var localId: String?
    /// A REPORT's: the message it reports on.
    var linkedMessageId: String?
    /// A REPORT's MESH status code (`14`: undelivered).
    var statusCode: String?
    var body: [UInt8]

    var isReport: Bool { messageType.uppercased() == "REPORT" }
}

/// MESH as a delivery channel (docs/design.md "NHS MESH and ITK3"): the
/// recipient's mailbox (`to`) gets the rendered ITK3 message with the decision
/// id as `mex-localid`, and subject and file name that name the workflow and
/// the decision, never the patient.
struct MESHChannel: Sendable {
    let mailbox: any MESHMailbox
    let to: String

    /// A lost answer to a send is never simply sent again: every attempt asks
    /// MESH's tracking for the local id first, since a worker cannot tell a first
    /// attempt from one after a crash between send and record (or a retry after
    /// a timeout). What MESH holds already is `sent`, with MESH's message id.
    func send(_ rendered: RenderedDelivery, decisionId: String, workflowId: String) async -> (DeliveryAttempt, meshMessageId: String?) {
        do {
            if let held = try await mailbox.tracked(localId: decisionId), !held.undeliverable {
                return (.sent(detail: "MESH already holds it (tracking by local id: \(held.status)); not sent again"), held.messageId)
            }
        } catch {
            return (Self.attempt(error, doing: "tracking"), nil)
        }
        do {
            let id = try await mailbox.send(rendered.bytes, to: to, workflowId: workflowId, localId: decisionId,
                                            subject: "\(workflowId) \(decisionId)", fileName: "\(decisionId).\(rendered.fileExtension)")
            return (.sent(detail: "MESH 202"), id)
        } catch {
            return (Self.attempt(error, doing: "send"), nil)
        }
    }

    static func attempt(_ error: any Error, doing what: String) -> DeliveryAttempt {
        guard let problem = error as? MESHProblem else {
            return .retry(reason: .meshOutcomeUnknown, detail: "MESH \(what): \(type(of: error))", after: nil)
        }
        let detail = "MESH \(what): \(problem.detail)"
        switch problem.kind {
        case .refused: return .failed(reason: .meshRefused, detail: detail)
        // A password or key mended while the worker runs: worth trying until retries give up.
        case .authentication: return .retry(reason: .meshAuthenticationFailed, detail: detail, after: nil)
        case .unavailable: return .retry(reason: .meshUnavailable, detail: detail, after: nil)
        case .outcomeUnknown: return .retry(reason: .meshOutcomeUnknown, detail: detail, after: nil)
        }
    }
}
