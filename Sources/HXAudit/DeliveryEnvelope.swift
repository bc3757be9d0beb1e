import Foundation
import HXCanonical
import HXPolicy

/// One record for `hx.deliver.<recipient>` (docs/design.md "Topics"): key NHS
/// number, value the minimised canonical message, headers decision id and
/// agreement id. Built from the same decision as its audit record, so the
/// recipient can de-duplicate by the decision id the audit holds.
package struct DeliveryEnvelope: Sendable, Equatable {
    package struct Header: Sendable, Equatable {
        package var name: String
        package var value: String
        package init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    package static let decisionIdHeader = HXHeader.decisionID
    package static let agreementIdHeader = HXHeader.agreementID

    package var topic: String
    /// Ten-digit NHS number.
    package var key: String
    /// HXCanonical's stable JSON of the message as the decision minimised it.
    package var value: [UInt8]
    /// In a fixed order: decision id, agreement id.
    package var headers: [Header]
    package var decisionId: String

    package init(topic: String, key: String, value: [UInt8], headers: [Header], decisionId: String) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.decisionId = decisionId
    }

    /// One envelope per deliver and deliver-redacted decision, in decision order.
    /// A deliver decision that lacks what a delivery needs is an error, never
    /// skipped: the audit would otherwise show a delivery that did not happen.
    package static func envelopes(for result: RoutingResult) throws(AuditBuildError) -> [DeliveryEnvelope] {
        try envelopes(for: result, decisionIds: AuditRecordBuilder.decisionIds(result))
    }

    /// As `envelopes(for:)`, with the decisions' ids (in decision order) already made.
    static func envelopes(for result: RoutingResult, decisionIds: [String]) throws(AuditBuildError) -> [DeliveryEnvelope] {
        var out: [DeliveryEnvelope] = []
        // Recipients under one agreement usually get the same minimised message
        // (a practice and its hub): encode each distinct one once.
        var encoded: [(message: CanonicalMessage, bytes: [UInt8])] = []
        // By index: a for-in or zip over the decisions would copy each one, message and all.
        for i in result.decisions.indices where result.decisions[i].outcome == .deliver || result.decisions[i].outcome == .deliverRedacted {
            let d = result.decisions[i], id = decisionIds[i]
            guard let message = d.delivery, let nhsNumber = message.subject.nhsNumber, let agreement = d.agreement else {
                throw .deliveryIncomplete(recipient: d.recipient)
            }
            let bytes: [UInt8]
            if let known = encoded.first(where: { $0.message == message }) {
                bytes = known.bytes
            } else {
                bytes = CanonicalJSON.bytes(message)
                encoded.append((message, bytes))
            }
            out.append(DeliveryEnvelope(
                topic: d.deliveryTopic,
                key: nhsNumber.digits,
                value: bytes,
                headers: [Header(name: decisionIdHeader, value: id), Header(name: agreementIdHeader, value: agreement.id)],
                decisionId: id))
        }
        return out
    }
}
