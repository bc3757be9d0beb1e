import Foundation
import HXCanonical
import HXDelivery
import HXITK3
import HXKafka
import Logging
import ServiceLifecycle

/// A MESH delivery worker's own mailbox, polled for what comes back about its
/// deliveries (docs/design.md "NHS MESH and ITK3"): the practice's ITK3
/// responses on the `_ACK` workflows and MESH's non-delivery reports. Each poll
/// correlates them to decisions (AcknowledgementTracker), checks what is
/// overdue, records the statuses in one transaction (DeliveryRecorder) and only
/// then acknowledges the downloads in MESH: a crash in between downloads them
/// again, and the tracker decides nothing new the second time.
///
/// One sending mailbox may serve many practices' workers (in other processes
/// too), so a worker takes only what concerns its own recipient: data messages
/// from the practice's mailbox and REPORTs for its own decisions. Everything
/// else stays in the inbox for the worker it concerns.
struct MESHMailboxPoller: Sendable {
    let worker: DeliveryWorker
    let mailbox: any MESHMailbox
    let recipient: String
    /// The practice's MESH mailbox (the delivery block's `mesh.to`).
    let practiceMailbox: String
    /// The workflows ITK3 responses come back on.
    let ackWorkflows: Set<String>
    let interval: Duration
    let recorder: DeliveryRecorder
    let telemetry: DeliveryTelemetry

    var logger: Logger { worker.logger }

    /// What one poll did (counts only: no message content, no identifiers of patients).
    struct Summary: Sendable, Equatable {
        var downloaded = 0
        var recorded = 0
        var overdue = 0
        /// The practice's, but for no delivery this worker waits on (acknowledged all the same).
        var uncorrelated = 0
        /// Another recipient's worker's, or a response to a send not yet recorded: left in the inbox.
        var leftInInbox = 0
    }

    func run() async throws {
        while !(Task.isCancelled || Task.isShuttingDownGracefully) {
            do {
                let summary = try await pollOnce()
                logger.info("mailbox polled", metadata: [
                    "delivery.recipient": "\(recipient)", "mesh.downloaded": "\(summary.downloaded)", "mesh.recorded": "\(summary.recorded)",
                    "mesh.overdue": "\(summary.overdue)", "mesh.uncorrelated": "\(summary.uncorrelated)", "mesh.left": "\(summary.leftInInbox)"])
            } catch let error as KafkaError where error.isFatal || error.code == .fenced {
                throw error
            } catch {
                logger.warning("mailbox poll failed; polling again at the next interval", metadata: [
                    "delivery.recipient": "\(recipient)", "error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    func pollOnce() async throws -> Summary {
        // One reader for the delivery records this poll's statuses close (made when the first is
        // needed), rather than a Kafka client started for each.
        var reader: KafkaConsumer?
        do {
            let summary = try await pollOnce(reader: &reader)
            await reader?.close()
            return summary
        } catch {
            await reader?.close()
            throw error
        }
    }

    private func pollOnce(reader: inout KafkaConsumer?) async throws -> Summary {
        var summary = Summary()
        // This poll's own copy: what it decides is noted at once, so one arrival seen twice decides once.
        var tracker = worker.acknowledgements.withLock { $0 }
        var events: [DeliveryEvent] = []
        var downloads: [String] = []
        for id in try await mailbox.inbox() {
            let message: MESHInboxMessage
            do {
                message = try await mailbox.download(id)
            } catch {
                logger.warning("MESH download failed; tried again at the next poll", metadata: ["delivery.recipient": "\(recipient)", "error": "\(error)"])
                continue
            }
            summary.downloaded += 1
            let arrival: AcknowledgementTracker.Arrival?
            if message.isReport {
                arrival = .report(localId: message.localId, meshMessageId: message.linkedMessageId, code: message.statusCode)
            } else if let from = message.from, from.caseInsensitiveCompare(practiceMailbox) != .orderedSame {
                summary.leftInInbox += 1
                continue
            } else if let workflow = message.workflowId, ackWorkflows.contains(workflow), let response = try? ITK3Response.parse(message.body) {
                arrival = .itk3Response(respondsTo: response.respondsTo, kind: response.kind == .business ? .business : .infrastructure,
                                        positive: response.isPositive, code: response.itkResponseCode)
            } else {
                arrival = nil
            }
            guard let arrival else {
                summary.uncorrelated += 1
                downloads.append(id)
                continue
            }
            switch tracker.correlate(arrival) {
            case .step(let step):
                guard let event = try await event(step, tracker: tracker, reader: &reader) else { continue }
                tracker.note(event.statusRecord(recipient: recipient, transport: recorder.transport, format: recorder.format))
                events.append(event)
                downloads.append(id)
            case .alreadyRecorded:
                downloads.append(id)
            case .unknown:
                // This poll's copy of the tracker may predate a `sent` recorded since: the send loop notes
                // it in the worker's tracker before it stops awaiting the record, so asking in this order
                // never misses it. Such a response waits for the next poll rather than being dropped.
                if message.isReport || worker.awaitingRecord(matches: arrival)
                    || worker.acknowledgements.withLock({ $0.correlate(arrival) }) != .unknown {
                    summary.leftInInbox += 1
                } else {
                    summary.uncorrelated += 1
                    downloads.append(id)
                }
            }
        }
        let overdue = tracker.overdue(now: Instant(Date()).millisecondsSinceEpoch)
        for step in overdue {
            guard let event = try await event(step, tracker: tracker, reader: &reader) else { continue }
            tracker.note(event.statusRecord(recipient: recipient, transport: recorder.transport, format: recorder.format))
            events.append(event)
        }
        summary.overdue = overdue.count
        summary.recorded = events.count
        try await recorder.record(events)
        for event in events {
            telemetry.outcome(event.status.rawValue, reason: event.reason)
            if event.status == .infrastructureAcknowledged || event.status == .businessAcknowledged || event.reason == AcknowledgementTracker.Reason.itk3NegativeResponse {
                telemetry.acknowledgement(event.status == .failed ? "negative" : event.status.rawValue)
            }
        }
        telemetry.overdue.record(worker.acknowledgements.withLock { $0.overdueCount })
        for id in downloads {
            do {
                try await mailbox.acknowledge(id)
            } catch {
                logger.warning("MESH acknowledgement of a download failed; it comes again at the next poll", metadata: [
                    "delivery.recipient": "\(recipient)", "error": "\(error)"])
            }
        }
        return summary
    }

    /// The event for a step: the delivery record it closes, read back from the delivery topic.
    private func event(_ step: AcknowledgementTracker.Step, tracker: AcknowledgementTracker, reader: inout KafkaConsumer?) async throws -> DeliveryEvent? {
        guard let sent = tracker.outstanding[step.decisionId]?.sent else { return nil }
        if reader == nil { reader = try KafkaConsumer(configuration: .partitionReader(client: worker.settings.client, groupID: HXGroup.deliverRecovery)) }
        var record = try await DeliveryHistory.record(reader: reader!, topic: sent.deliveryTopic, partition: sent.partition, offset: sent.offset)
        if record == nil {
            // Gone with retention: the status and audit record still say what happened, without the message's own ids.
            logger.warning("the delivery record of an acknowledged delivery is no longer on its topic", metadata: [
                "delivery.recipient": "\(recipient)", "delivery.decision_id": "\(step.decisionId)"])
            record = KafkaMessage(topic: sent.deliveryTopic, partition: Int32(sent.partition), offset: Int64(sent.offset), key: nil, value: [],
                                  headers: [KafkaHeader(HXHeader.decisionID, sent.decisionId)] + (sent.agreementId.map { [KafkaHeader(HXHeader.agreementID, $0)] } ?? []),
                                  timestampMilliseconds: nil)
        }
        return DeliveryEvent(job: DeliveryJob(record!), status: step.status, attempt: sent.attempt, time: Instant(Date()),
                             reason: step.reason, detail: step.detail, nextAttemptAt: nil, meshMessageId: sent.meshMessageId)
    }
}
