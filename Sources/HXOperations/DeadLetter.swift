import Foundation
import HXCanonical
import HXKafka

/// Where a dead letter sits on `hx.dlq.v1`: what links a replay to its original.
package struct DeadLetterRef: Sendable, Hashable, Comparable, CustomStringConvertible {
    package var partition: Int32
    package var offset: Int64

    package init(partition: Int32, offset: Int64) {
        self.partition = partition
        self.offset = offset
    }

    /// `P-O`, as the console's addresses and forms spell it.
    package init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let p = Int32(parts[0]), let o = Int64(parts[1]), p >= 0, o >= 0 else { return nil }
        self.init(partition: p, offset: o)
    }

    /// `hx.dlq.v1:P:O`, as audit records name it (`logPosition`).
    package init?(logPosition text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 3, parts[0] == HXTopic.deadLetter else { return nil }
        self.init("\(parts[1])-\(parts[2])")
    }

    package var description: String { "\(partition)-\(offset)" }
    /// `hx.dlq.v1:P:O`, as audit records name it.
    package var logPosition: String { "\(HXTopic.deadLetter):\(partition):\(offset)" }

    package static func < (a: Self, b: Self) -> Bool { (a.partition, a.offset) < (b.partition, b.offset) }
}

/// One record of the dead-letter topic as its headers describe it. The value
/// (the rejected input, which may hold patient data) is not kept here: it is
/// read again, by position, only for those allowed to see it.
package struct DeadLetter: Sendable, Equatable {
    package enum Stage: String, Sendable {
        /// An adapter could not translate its feed's input.
        case translate
        /// The router met a record on a canonical topic that is not a canonical message.
        case router
        /// A delivery worker: the recipient's system refused it, or retries were given up.
        case deliver
        case unknown
    }

    package var ref: DeadLetterRef
    /// The record key: the dead letter's id (adapters) or the router's decision id.
    package var id: String
    package var writtenAt: Date?
    package var stage: Stage
    package var reasonCode: String
    package var location: String
    package var adapter: String?
    package var sourceOrganisation: String?
    /// Code and place only, never values (see `AdapterRecords.safeErrorText`).
    package var error: String?
    /// Set when the input was too large for a record and the value is empty.
    package var valueOmitted: String?
    package var valueBytes: Int
    /// For a `deliver` dead letter: the delivery it was.
    package var delivery: Delivery?

    package struct Delivery: Sendable, Equatable {
        package var decisionId: String
        package var agreementId: String?
        /// The recipient's `hx.deliver.<code>`, where a replay puts the record back.
        package var topic: String
    }

    package init(
        ref: DeadLetterRef, id: String, writtenAt: Date?, stage: Stage, reasonCode: String, location: String,
        adapter: String?, sourceOrganisation: String?, error: String?, valueOmitted: String?, valueBytes: Int
    ) {
        self.ref = ref
        self.id = id
        self.writtenAt = writtenAt
        self.stage = stage
        self.reasonCode = reasonCode
        self.location = location
        self.adapter = adapter
        self.sourceOrganisation = sourceOrganisation
        self.error = error
        self.valueOmitted = valueOmitted
        self.valueBytes = valueBytes
    }

    /// Reads what the adapters and the router put in a dead letter's headers
    /// (`AdapterRecords`, `RouterStep`). A header that is missing is
    /// shown as unknown rather than hiding the record.
    package init(message: KafkaMessage) {
        func header(_ name: String) -> String? { message.header(name)?.text.flatMap { $0.isEmpty ? nil : $0 } }
        self.init(
            ref: DeadLetterRef(partition: message.partition, offset: message.offset),
            id: message.keyString ?? header(HXHeader.messageID) ?? "",
            writtenAt: message.timestampMilliseconds.map { Date(timeIntervalSince1970: Double($0) / 1000) },
            stage: header(HXHeader.stage).flatMap(Stage.init(rawValue:)) ?? .unknown,
            reasonCode: header(HXHeader.reasonCode) ?? "unknown",
            location: header(HXHeader.location) ?? "",
            adapter: header(HXHeader.adapter),
            sourceOrganisation: header(HXHeader.sourceOrganisation),
            error: header(HXHeader.error),
            valueOmitted: header(HXHeader.valueOmitted),
            valueBytes: message.value.count)
        if stage == .deliver, let decisionId = header(HXHeader.decisionID), let topic = header(HXHeader.inputTopic) {
            delivery = Delivery(decisionId: decisionId, agreementId: header(HXHeader.agreementID), topic: topic)
        }
    }

    /// Age in whole seconds at `now`; nil when the record carries no time.
    package func age(at now: Date) -> TimeInterval? { writtenAt.map { max(0, now.timeIntervalSince($0)) } }
}
