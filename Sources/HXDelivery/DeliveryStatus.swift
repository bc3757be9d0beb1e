import Foundation
import HXCanonical

/// One record of `hx.delivery.v1` (docs/design.md "Delivery to recipients'
/// systems", Status): what happened to one delivery, keyed by its decision id.
/// Operators read this topic, so it carries no patient identifier: the
/// decision id leads an auditor to the patient through the audit trail.
package struct DeliveryStatus: Codable, Sendable, Equatable {
    package static let schemaIdentifier = "hx.delivery/1"

    package enum State: String, Codable, Sendable, CaseIterable {
        /// The recipient's system took it: MLLP AA, HTTP 2xx, the file in place.
        case sent
        case infrastructureAcknowledged = "infrastructure-acknowledged"
        case businessAcknowledged = "business-acknowledged"
        /// Not taken yet; another attempt follows (`reason`, `attempt`, `nextAttemptAt`).
        case retrying
        /// A final refusal, or retries given up: the delivery is also a dead letter.
        case failed
        /// An acknowledgement is later than the delivery block allows.
        case overdue

        /// Whether the delivery record is done with (its offset may move).
        package var isFinal: Bool { self == .sent || self == .failed }
    }

    package var schema = DeliveryStatus.schemaIdentifier
    package var decisionId: String
    package var recipient: String
    package var status: State
    /// RFC 3339 UTC with milliseconds.
    package var time: String
    /// Attempts made so far for this delivery, counting from 1.
    package var attempt: Int
    package var transport: String
    package var format: String
    /// A stable reason code for `retrying` and `failed`.
    package var reason: String?
    /// The transport's own words (`AA for …`, `HTTP 503`), never patient data of ours.
    package var detail: String?
    package var nextAttemptAt: String?
    /// The canonical message's id.
    package var messageId: String?
    /// MESH's id for the message it took (`sent` over MESH and the statuses after it); absent for other transports.
    package var meshMessageId: String?
    package var messageType: String?
    package var agreementId: String?
    /// Where the delivery record was read: `hx.deliver.<code>`, partition, offset.
    package var deliveryTopic: String
    package var partition: Int
    package var offset: Int

    package init(decisionId: String, recipient: String, status: State, time: String, attempt: Int, transport: String, format: String,
                 reason: String? = nil, detail: String? = nil, nextAttemptAt: String? = nil, messageId: String?, messageType: String?,
                 agreementId: String?, deliveryTopic: String, partition: Int, offset: Int, meshMessageId: String? = nil) {
        self.decisionId = decisionId
        self.recipient = recipient
        self.status = status
        self.time = time
        self.attempt = attempt
        self.transport = transport
        self.format = format
        self.reason = reason
        self.detail = detail
        self.nextAttemptAt = nextAttemptAt
        self.messageId = messageId
        self.meshMessageId = meshMessageId
        self.messageType = messageType
        self.agreementId = agreementId
        self.deliveryTopic = deliveryTopic
        self.partition = partition
        self.offset = offset
    }

    /// Sorted keys, so one status is always the same bytes.
    package var jsonBytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    package init(json: [UInt8]) throws {
        self = try JSONDecoder().decode(DeliveryStatus.self, from: Data(json))
        guard schema == Self.schemaIdentifier else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "schema \(schema) is not \(Self.schemaIdentifier)"))
        }
    }
}

/// Reason codes of deliveries that no transport gives (the transports' own are
/// `DeliveryAttempt.Reason`; rendering's are `RenderError.Code`).
package enum DeliveryReason {
    /// `giveUpAfter` passed with the recipient's system still not taking it.
    package static let retriesExhausted = "retries-exhausted"
    /// The record on `hx.deliver.<code>` lacks what a delivery needs (the decision id header, a canonical value).
    package static let recordUnreadable = "delivery-record-unreadable"
}
