import Foundation
import HXAudit
import HXCanonical
import HXDelivery
import HXKafka
import HXOperations
import Testing
@testable import HXDeliveryWorker

/// What a delivery worker records, without Kafka: statuses, audit entries,
/// dead letters, and where a restarted worker starts.
@Suite struct DeliveryStatusTests {
    static func record(offset: Int64 = 7, headers: [KafkaHeader]? = nil) throws -> (KafkaMessage, CanonicalMessage) {
        let message = try sampleMessages().first { $0.name.hasPrefix("referral-gp-to-bridgewater") }!.message
        let decisionId = AuditIdentifiers.decisionId(messageId: message.id, recipient: "RY2")
        let record = KafkaMessage(
            topic: HXTopic.delivery("RY2"), partition: 1, offset: offset, key: Array(message.subject.nhsNumber!.digits.utf8),
            value: CanonicalJSON.bytes(message),
            headers: headers ?? [KafkaHeader(HXHeader.decisionID, decisionId), KafkaHeader(HXHeader.agreementID, "a-1")],
            timestampMilliseconds: 1_780_000_000_000)
        return (record, message)
    }

    static func event(_ status: DeliveryStatus.State, attempt: Int = 1, at ms: Int64 = 1_780_000_001_000, offset: Int64 = 7,
                      reason: String? = nil) throws -> DeliveryEvent {
        DeliveryEvent(job: DeliveryJob(try record(offset: offset).0), status: status, attempt: attempt,
                      time: Instant(millisecondsSinceEpoch: ms), reason: reason, detail: "AA for x")
    }

    @Test func aStatusIsStableJSONWithoutPatientIdentifiers() throws {
        let (_, message) = try Self.record()
        let status = try Self.event(.sent).statusRecord(recipient: "RY2", transport: "mllp", format: "hl7v2")
        let bytes = status.jsonBytes
        #expect(try DeliveryStatus(json: bytes) == status)
        #expect(bytes == status.jsonBytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains(message.subject.nhsNumber!.digits), "operators read hx.delivery.v1: no NHS number")
        #expect(text.contains("\"time\":\"2026-05-28T"))
        var other = status
        other.schema = "hx.delivery/9"
        #expect(throws: DecodingError.self) { try DeliveryStatus(json: other.jsonBytes) }
    }

    @Test func theAuditEntryNamesTheDecisionItClosesAndTheSubject() throws {
        let (_, message) = try Self.record()
        let e = try Self.event(.failed, attempt: 3, reason: "mllp-rejected")
        let entry = try e.auditEntry(recipient: "RY2", transport: "mllp", configurationDigest: "d")
        #expect(entry.kind == .deliveryStatus)
        #expect(entry.details["decision"] == e.job.decisionId && entry.details["status"] == "failed" && entry.details["attempt"] == "3")
        #expect(entry.nhsNumber == message.subject.nhsNumber!.digits, "a subject access search finds the delivery")
        #expect(entry.reasons == ["mllp-rejected"] && entry.agreementId == "a-1")
        #expect(entry.inputTopic == HXTopic.delivery("RY2") && entry.inputPartition == 1 && entry.inputOffset == 7)
        #expect(entry.decisionId != e.job.decisionId, "a status record has its own id")
        // The same event is the same id; another attempt or another moment is another record.
        #expect(try Self.event(.failed, attempt: 3, reason: "mllp-rejected").auditEntry(recipient: "RY2", transport: "mllp", configurationDigest: "d").decisionId == entry.decisionId)
        #expect(try Self.event(.failed, attempt: 4).auditEntry(recipient: "RY2", transport: "mllp", configurationDigest: "d").decisionId != entry.decisionId)
        #expect(try Self.event(.failed, attempt: 3, at: 1_780_000_002_000).auditEntry(recipient: "RY2", transport: "mllp", configurationDigest: "d").decisionId != entry.decisionId)
    }

    @Test func aFailedDeliveryBecomesADeadLetterOfTheRecordItself() throws {
        let (record, message) = try Self.record()
        let letter = try Self.event(.failed, reason: "mllp-rejected").deadLetter(recipient: "RY2", transport: "mllp")
        #expect(letter.topic == HXTopic.deadLetter && letter.value == record.value)
        func header(_ name: String) -> String? { letter.headers.first { $0.name == name }?.text }
        #expect(header(HXHeader.stage) == "deliver" && header(HXHeader.reasonCode) == "mllp-rejected")
        #expect(header(HXHeader.decisionID) == record.header(HXHeader.decisionID)?.text)
        #expect(header(HXHeader.inputTopic) == record.topic && header(HXHeader.inputOffset) == "7")
        #expect(!letter.headers.contains { ($0.text ?? "").contains(message.subject.nhsNumber!.digits) }, "headers hold codes and places only")
    }

    @Test func aRecordWithoutADecisionIdCannotBeDeliveredButStillHasAKey() throws {
        let job = DeliveryJob(try Self.record(headers: []).0)
        #expect(job.problem?.contains(HXHeader.decisionID) == true)
        #expect(UUID(uuidString: job.decisionId) != nil)
        let good = try Self.record().0
        let bad = KafkaMessage(topic: good.topic, partition: 1, offset: 8, key: good.key, value: Array("{}".utf8), headers: good.headers,
                               timestampMilliseconds: good.timestampMilliseconds)
        #expect(DeliveryJob(bad).problem?.hasPrefix("the value is not a canonical message") == true)
    }

    @Test func aRestartStartsAfterTheLastFinalStatusOfEachPartition() throws {
        var chain = AuditChain(id: AuditChain.deliveryChainId(recipient: "RY2"))
        var records: [AuditRecord] = []
        for (status, offset) in [(DeliveryStatus.State.sent, Int64(4)), (.failed, 5), (.retrying, 6), (.retrying, 6)] {
            records.append(chain.append(try Self.event(status, at: 1_780_000_000_000 + offset * 10 + Int64(records.count), offset: offset)
                .auditEntry(recipient: "RY2", transport: "mllp", configurationDigest: "d")))
        }
        let settled = DeliveryChainTail.settled(records)
        #expect(settled == [KafkaTopicPartition(topic: HXTopic.delivery("RY2"), partition: 1): 5], "a retrying record settles nothing")
    }

    @Test func aDeliveryDeadLetterIsReplayedOntoItsTopicAsTheRouterWroteIt() throws {
        let (record, message) = try Self.record()
        let outgoing = try Self.event(.failed, reason: "mllp-rejected").deadLetter(recipient: "RY2", transport: "mllp")
        let stored = KafkaMessage(topic: HXTopic.deadLetter, partition: 0, offset: 41, key: outgoing.key, value: outgoing.value,
                                  headers: outgoing.headers, timestampMilliseconds: 1_780_000_002_000)
        let letter = DeadLetter(message: stored)
        #expect(letter.stage == .deliver && letter.delivery?.topic == record.topic)
        let plan = ReplayPlanner(adapters: [:]).plan(letter, value: stored.value)
        #expect(plan.verdict == .ready(messageIDs: [message.id.lowerCaseString]))
        let replay = try #require(plan.records.first)
        #expect(replay.topic == record.topic && replay.value == record.value && replay.key == record.key)
        #expect(replay.headers.first { $0.name == HXHeader.decisionID }?.text == record.header(HXHeader.decisionID)?.text, "the same decision id: the same ids reach the recipient")
        #expect(replay.headers.first { $0.name == HXHeader.replayOf }?.text == "hx.dlq.v1:0:41")
    }

    @Test func aRecipientsRowSaysHowItStandsAndSinceWhenItsOldestDeliveryWaits() throws {
        func status(_ decision: String, _ state: DeliveryStatus.State, _ time: String, reason: String? = nil) -> DeliveryStatus {
            DeliveryStatus(decisionId: decision, recipient: "RY2", status: state, time: time, attempt: 1, transport: "mllp", format: "hl7v2",
                           reason: reason, messageId: nil, messageType: nil, agreementId: nil, deliveryTopic: HXTopic.delivery("RY2"), partition: 0, offset: 0)
        }
        // Latest status per decision: a sent, a failed, and one still retrying since its first attempt at 10:00.
        let latest = [
            status("a", .sent, "2026-12-05T09:00:00.000Z"),
            status("b", .failed, "2026-12-05T09:30:00.000Z", reason: "mllp-rejected"),
            status("c", .retrying, "2026-12-05T10:20:00.000Z", reason: "mllp-connect-failed"),
        ]
        let row = DeliveryBoard.row("RY2", records: 5, statuses: latest, firstTried: ["c": "2026-12-05T10:00:00.000Z"])
        #expect(row.state == .retrying && row.sent == 1 && row.failed == 1 && row.undelivered == 3)
        #expect(row.waitingSince == "2026-12-05T10:00:00.000Z")
        #expect(row.lastSent == "2026-12-05T09:00:00.000Z" && row.lastProblem?.reason == "mllp-connect-failed")
        let settled = DeliveryBoard.row("RY2", records: 2, statuses: Array(latest.prefix(2)))
        #expect(settled.state == .failing && settled.waitingSince == nil, "the last settled delivery failed; nothing waits")
    }

    @Test func aPracticesLateAcknowledgementsAreCountedAndItsDeliveriesStillSent() {
        func status(_ decision: String, _ state: DeliveryStatus.State, _ time: String, reason: String? = nil) -> DeliveryStatus {
            DeliveryStatus(decisionId: decision, recipient: "N81011", status: state, time: time, attempt: 1, transport: "mesh", format: "itk3",
                           reason: reason, messageId: nil, messageType: nil, agreementId: nil, deliveryTopic: HXTopic.delivery("N81011"),
                           partition: 0, offset: 0, meshMessageId: "M-\(decision)")
        }
        let latest = [
            status("a", .businessAcknowledged, "2026-12-05T09:00:00.000Z"),
            status("b", .infrastructureAcknowledged, "2026-12-05T09:10:00.000Z"),
            status("c", .overdue, "2026-12-05T10:20:00.000Z", reason: "infrastructure-acknowledgement-overdue"),
            status("d", .failed, "2026-12-05T10:30:00.000Z", reason: "mesh-non-delivery"),
        ]
        let row = DeliveryBoard.row("N81011", records: 4, statuses: latest)
        #expect(row.sent == 3 && row.failed == 1 && row.undelivered == 0 && row.overdue == 1)
        #expect(row.state == .failing && row.lastProblem?.reason == "mesh-non-delivery")
    }

    @Test func aPracticesDeliveryCountsAsAcknowledgedOnlyOnceBothITK3AcknowledgementsAreRecorded() {
        func status(_ decision: String, _ state: DeliveryStatus.State) -> DeliveryStatus {
            DeliveryStatus(decisionId: decision, recipient: "N81035", status: state, time: "2026-12-05T09:00:00.000Z", attempt: 1, transport: "mesh",
                           format: "itk3", messageId: nil, messageType: nil, agreementId: nil, deliveryTopic: HXTopic.delivery("N81035"),
                           partition: 0, offset: 0, meshMessageId: "M-\(decision)")
        }
        // Every status each decision has had, and the latest of each.
        let seen: [String: Set<DeliveryStatus.State>] = [
            "a": [.sent, .infrastructureAcknowledged, .businessAcknowledged],
            "b": [.sent, .infrastructureAcknowledged],
            "c": [.sent],
            "d": [.sent, .businessAcknowledged],
        ]
        let latest = [status("a", .businessAcknowledged), status("b", .infrastructureAcknowledged), status("c", .sent), status("d", .businessAcknowledged)]
        let row = DeliveryBoard.row("N81035", records: 4, statuses: latest, seen: seen)
        #expect(row.sent == 4 && row.acknowledged == 1, "only a has both")
        #expect(row.awaitingAcknowledgement == 3, "hx run waits for b, c and d")
        // Over MLLP, `sent` is the recipient's own acknowledgement: nothing more is awaited.
        var mllp = row
        mllp.transport = "mllp"
        #expect(mllp.awaitingAcknowledgement == 0)
        let done = DeliveryBoard.row("N81035", records: 1, statuses: [latest[0]], seen: seen)
        #expect(done.acknowledged == 1 && done.awaitingAcknowledgement == 0)
    }
}
