import Foundation
import HXAudit
import HXCanonical
import HXDelivery
import HXKafka

/// One thing that happened to one delivery, and the records that say so:
/// its status on `hx.delivery.v1`, its audit entry for the recipient's chain,
/// and, for a failed delivery, its dead letter (stage `deliver`).
struct DeliveryEvent: Sendable {
    var job: DeliveryJob
    var status: DeliveryStatus.State
    var attempt: Int
    var time: Instant
    var reason: String?
    var detail: String?
    var nextAttemptAt: Instant?
    /// MESH's id for the message it took: on `sent` over MESH and every status after it.
    var meshMessageId: String? = nil

    func statusRecord(recipient: String, transport: String, format: String) -> DeliveryStatus {
        DeliveryStatus(
            decisionId: job.decisionId, recipient: recipient, status: status, time: AuditTime.rfc3339(time) ?? "",
            attempt: attempt, transport: transport, format: format, reason: reason, detail: detail,
            nextAttemptAt: nextAttemptAt.flatMap(AuditTime.rfc3339), messageId: job.message?.id.lowerCaseString,
            messageType: job.message?.type.rawValue, agreementId: job.agreementId,
            deliveryTopic: job.topic, partition: Int(job.partition), offset: Int(job.offset), meshMessageId: meshMessageId)
    }

    func auditEntry(recipient: String, transport: String, configurationDigest: String) throws(AuditBuildError) -> AuditEntry {
        var extra: [String: String] = [:]
        if let nextAttemptAt, let text = AuditTime.rfc3339(nextAttemptAt) { extra["nextAttemptAt"] = text }
        if let meshMessageId { extra["meshMessageId"] = meshMessageId }
        return try AuditRecordBuilder.deliveryStatus(
            decisionId: job.decisionId, status: status.rawValue, attempt: attempt, time: time, recipient: recipient,
            transport: transport, reasonCode: reason, detail: detail, messageId: job.message?.id.lowerCaseString,
            messageType: job.message?.type.rawValue, nhsNumber: job.message?.subject.nhsNumber?.digits,
            agreementId: job.agreementId, input: job.position, configurationDigest: configurationDigest, extra: extra)
    }

    /// The dead letter of a failed delivery: the delivery record's own bytes and
    /// ids, so a replay puts back exactly what the router wrote. Headers carry
    /// codes and places, never values.
    func deadLetter(recipient: String, transport: String) -> KafkaOutgoingMessage {
        var headers = [
            KafkaHeader(HXHeader.stage, "deliver"),
            KafkaHeader(HXHeader.reasonCode, reason ?? "unknown"),
            KafkaHeader(HXHeader.location, "\(job.topic):\(job.partition):\(job.offset)"),
            KafkaHeader(HXHeader.error, "\(reason ?? "unknown") from \(recipient)'s system (\(transport)), attempt \(attempt)"),
            KafkaHeader(HXHeader.decisionID, job.decisionId),
            KafkaHeader(HXHeader.inputTopic, job.topic),
            KafkaHeader(HXHeader.inputPartition, String(job.partition)),
            KafkaHeader(HXHeader.inputOffset, String(job.offset)),
        ]
        if let agreementId = job.agreementId { headers.append(KafkaHeader(HXHeader.agreementID, agreementId)) }
        if let message = job.message {
            headers.append(KafkaHeader(HXHeader.messageID, message.id.lowerCaseString))
            headers.append(KafkaHeader(HXHeader.messageType, message.type.rawValue))
        }
        return KafkaOutgoingMessage(topic: HXTopic.deadLetter, key: Array(job.decisionId.utf8), value: job.record.value, headers: headers)
    }
}
