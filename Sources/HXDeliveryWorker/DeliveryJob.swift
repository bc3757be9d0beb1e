import Foundation
import HXAudit
import HXCanonical
import HXKafka

/// One record of `hx.deliver.<code>` as the worker needs it: the decision it
/// carries out and the minimised canonical message (docs/design.md "Topics").
struct DeliveryJob: Sendable {
    /// From the `hx-decision-id` header; for a record without one (never written
    /// by the router), an id derived from its place, so its statuses still have a key.
    var decisionId: String
    var agreementId: String?
    var message: CanonicalMessage?
    /// Why the record cannot be delivered at all (no retry could mend it); nil when it can.
    var problem: String?
    /// The record exactly as read: a failed delivery's dead letter keeps it.
    var record: KafkaMessage

    var topic: String { record.topic }
    var partition: Int32 { record.partition }
    var offset: Int64 { record.offset }
    var position: (topic: String, partition: Int, offset: Int) { (record.topic, Int(record.partition), Int(record.offset)) }

    init(_ record: KafkaMessage) {
        self.record = record
        agreementId = record.header(HXHeader.agreementID)?.text
        if let id = record.header(HXHeader.decisionID)?.text, UUID(uuidString: id) != nil {
            decisionId = id.lowercased()
        } else {
            decisionId = AuditIdentifiers.deadLetterId(topic: record.topic, partition: Int(record.partition), offset: Int(record.offset))
            problem = "no \(HXHeader.decisionID) header holding a UUID"
        }
        do {
            message = try CanonicalJSON.decode(Data(record.value))
        } catch {
            problem = problem ?? "the value is not a canonical message: \(error.code) at \(error.path)"
        }
    }
}
