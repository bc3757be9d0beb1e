import Foundation
import HXAdapterRecords
import HXCanonical
import HXITK3
import HXMESH
import HXTranslate
import Logging
import ServiceLifecycle

/// Polls the exchange's MESH mailbox for the documents trusts send it (ITK3
/// STU3 messages, FHIR R4 messages carrying a DocumentReference) and hands
/// each to the intake. For every downloaded message, in this order:
///
/// 1. publish (the canonical message, or a dead letter with its reason code);
/// 2. answer the sender with an ITK3 infrastructure acknowledgement on the
///    workflow's `_ACK` workflow: positive when asked for, negative (with the
///    ITK3 response code) whenever a document is refused;
/// 3. acknowledge the download, which takes it out of the inbox.
///
/// A crash between the steps repeats them for that message on the next poll:
/// the same document gives the same canonical message id (the router drops
/// the repeat), and the answer's local id derives from MESH's message id, so
/// `sendUnlessTracked` finds the first answer instead of sending a second.
/// A message Kafka did not confirm is left in the inbox for the next poll.
package final class MESHSource: Service, Sendable {
    let client: MESHClient
    let mailbox: String
    /// ODS code the exchange answers as.
    let answerAs: String
    let intake: AdapterIntake
    let pollInterval: Duration
    let logger: Logger

    package init(client: MESHClient, mailbox: String, answerAs: String, intake: AdapterIntake, pollInterval: Duration,
                 logger: Logger = Logger(label: "hx.adapter.mesh")) {
        self.client = client
        self.mailbox = mailbox
        self.answerAs = answerAs
        self.intake = intake
        self.pollInterval = pollInterval
        self.logger = logger
    }

    package func run() async throws {
        logger.info("MESH mailbox polled", metadata: ["hx.adapter": "\(intake.configuration.name)", "mesh.mailbox": "\(mailbox)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await client.handshakeIfDue()
            } catch {
                logger.warning("MESH handshake failed; polling goes on", metadata: ["mesh.code": "\(error.code.rawValue)"])
            }
            // A poll is never interrupted half-way: the message in hand finishes before shutdown completes.
            _ = await pollOnce()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.pollInterval) }
        }
        await client.shutdown()
        logger.info("MESH mailbox no longer polled", metadata: ["hx.adapter": "\(intake.configuration.name)"])
    }

    package struct PollSummary: Sendable, Equatable {
        package var accepted = 0
        package var rejected = 0
        /// MESH's own reports (non-delivery of one of our answers), acknowledged and counted.
        package var reports = 0
        /// Left in the inbox for the next poll: Kafka or MESH did not confirm a step.
        package var retryLater = 0
    }

    /// Every message now in the inbox, in MESH's order.
    package func pollOnce() async -> PollSummary {
        var summary = PollSummary()
        let ids: [String]
        do {
            ids = try await client.inbox()
        } catch {
            logger.warning("MESH inbox not listed; will retry", metadata: ["mesh.code": "\(error.code.rawValue)"])
            return summary
        }
        for id in ids {
            if Task.isShuttingDownGracefully { break }
            switch await handle(id) {
            case .accepted: summary.accepted += 1
            case .rejected: summary.rejected += 1
            case .report: summary.reports += 1
            case .retryLater: summary.retryLater += 1
            }
        }
        return summary
    }

    enum Outcome { case accepted, rejected, report, retryLater }

    func handle(_ id: String) async -> Outcome {
        let message: MESHReceivedMessage
        do {
            message = try await client.download(id)
        } catch {
            // Gone: another poller acknowledged it, or it expired; nothing to do.
            logger.log(level: error.code == .messageGone ? .info : .warning, "MESH message not downloaded",
                       metadata: ["mesh.code": "\(error.code.rawValue)", "mesh.message-id": "\(id)"])
            return .retryLater
        }
        if message.headers.messageType == .report {
            // A report about an answer of ours (e.g. the trust's mailbox gone): there is nothing to publish.
            logger.notice("MESH report received and acknowledged", metadata: [
                "mesh.message-id": "\(id)", "mesh.status-code": "\(message.headers.statusCode ?? "-")",
                "mesh.linked-message-id": "\(message.headers.linkedMessageID ?? "-")",
            ])
            return await acknowledge(id) ? .report : .retryLater
        }
        let result = await intake.handle(message.body, receivedAt: .now)
        let outcome: Outcome
        let answer: ITK3ResponseCode?
        let header = ITK3Inbound.header(message.body)
        switch result {
        case .retryLater:
            return .retryLater
        case .accepted:
            outcome = .accepted
            answer = header?.infrastructureAckRequested == true ? .success : nil
        case .rejected(let receipt):
            outcome = .rejected
            // The sender must hear of a refusal even if it asked for no acknowledgement.
            answer = receipt.rejections.first.map { ITK3Inbound.responseCode(for: TranslationError(code: $0.code, message: "", location: $0.location)) }
                ?? .payloadValidationFailure
        }
        if let answer, let header {
            let rejectionCodes: String? = if case .rejected(let receipt) = result { Set(receipt.rejections.map(\.code)).sorted().joined(separator: ", ") } else { nil }
            guard await send(answer, respondingTo: header, of: message, reasons: rejectionCodes) else { return .retryLater }
        }
        return await acknowledge(id) ? outcome : .retryLater
    }

    /// The ITK3 infrastructure acknowledgement, sent at most once per received message.
    func send(_ code: ITK3ResponseCode, respondingTo header: ITK3Inbound.Header, of message: MESHReceivedMessage, reasons: String?) async -> Bool {
        guard let from = message.headers.from, let workflow = message.headers.workflowID else {
            logger.warning("MESH message without sender or workflow: no ITK3 answer possible", metadata: ["mesh.message-id": "\(message.headers.messageID)"])
            return true
        }
        let bytes = ITK3ResponseBuilder.build(
            respondingTo: header.id, code: code, text: reasons.map { "refused by One Halton Exchange: \($0)" },
            from: answerAs, to: header.sender ?? intake.configuration.organisation, sourceEndpoint: mailbox,
            timestamp: RFC3339Timestamp(Date().ISO8601Format()) ?? RFC3339Timestamp("1970-01-01T00:00:00Z")!)
        let outgoing = MESHOutgoingMessage(
            to: from, workflowID: ITK3.Workflow.acknowledgement(of: workflow), localID: Self.answerLocalID(message.headers.messageID),
            subject: "ITK3 response \(code.rawValue)", fileName: "itk3-response-\(message.headers.messageID).json",
            contentType: "application/fhir+json", body: bytes)
        do {
            let sent = try await client.sendUnlessTracked(outgoing)
            logger.info("ITK3 answer sent", metadata: [
                "mesh.message-id": "\(message.headers.messageID)", "itk3.code": "\(code.rawValue)",
                "mesh.answer-id": "\(sent.messageID)", "mesh.already-sent": "\(sent != .posted(messageID: sent.messageID))",
            ])
            return true
        } catch {
            logger.warning("ITK3 answer not sent; the message stays in the inbox", metadata: [
                "mesh.message-id": "\(message.headers.messageID)", "mesh.code": "\(error.code.rawValue)",
            ])
            return false
        }
    }

    func acknowledge(_ id: String) async -> Bool {
        do {
            try await client.acknowledge(id)
            return true
        } catch {
            logger.warning("MESH message not acknowledged; it will be handled again", metadata: ["mesh.message-id": "\(id)", "mesh.code": "\(error.code.rawValue)"])
            return false
        }
    }

    /// Our answer's local id, from the answered message's MESH id: the same after a restart.
    package static func answerLocalID(_ meshMessageID: String) -> String { "itk3-ack-\(meshMessageID)" }
}
