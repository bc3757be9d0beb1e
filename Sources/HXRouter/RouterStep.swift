import Foundation
import HXAudit
import HXCanonical
import HXKafka
import HXPlace
import HXPolicy
import HXReview

/// One record read from a canonical topic, copied out of the consumer's buffer.
package struct RouterInput: Sendable {
    package var topic: String
    package var partition: Int
    package var offset: Int
    /// The record's timestamp (ms since 1970); nil when it has none.
    package var timestampMilliseconds: Int64?
    package var value: [UInt8]

    package init(topic: String, partition: Int, offset: Int, timestampMilliseconds: Int64?, value: [UInt8]) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestampMilliseconds = timestampMilliseconds
        self.value = value
    }
}

/// A chain as the router continues it: the chain itself, the configuration
/// digest of its last record (nil for a chain with no record yet), which
/// decides when a `configuration-reloaded` record is due, and the message ids
/// of its last records, which recognise a message sent again.
package struct RouterChainState: Sendable {
    package var chain: AuditChain
    package var lastDigest: String?
    package var recent: RecentMessages

    package init(chain: AuditChain, lastDigest: String?, recent: RecentMessages = RecentMessages()) {
        self.chain = chain
        self.lastDigest = lastDigest
        self.recent = recent
    }

    mutating func remember(_ records: [AuditRecord]) {
        // By index: a for-in would copy each record to read one field.
        for i in records.indices { recent.append(records[i].messageId) }
    }
}

/// What one decision step reads besides the input: the configuration in force
/// and the consent and identity state as the router knows it.
package struct RouterContext: Sendable {
    package var configuration: PlaceConfiguration
    package var consent: ConsentState
    package var identities: IdentityIndex
    /// Partitions of the audit topic (where each chain's records go).
    package var auditPartitions: Int32
    /// This instance's name, put in a header of each audit record (outside the hashed bytes).
    package var instance: String

    package init(configuration: PlaceConfiguration, consent: ConsentState, identities: IdentityIndex, auditPartitions: Int32, instance: String) {
        self.configuration = configuration
        self.consent = consent
        self.identities = identities
        self.auditPartitions = auditPartitions
        self.instance = instance
    }
}

/// What a batch writes, in two groups: `outputs` (deliveries, review and
/// dead letters) are confirmed by the broker before `audit` is sent, so an
/// audit record is never visible without the writes it accounts for, even
/// on a broker that shows an aborted transaction's records.
package struct RouterWrites: Sendable {
    package var outputs: [KafkaOutgoingMessage] = []
    package var audit: [KafkaOutgoingMessage] = []
    /// Decisions and dead letters by outcome and deciding reason, for metrics.
    package var tally: [RouterTally: Int] = [:]

    package init() {}

    /// Adds another partition's writes (the order within each partition is what matters).
    package mutating func merge(_ other: RouterWrites) {
        outputs += other.outputs
        audit += other.audit
        tally.merge(other.tally, uniquingKeysWith: +)
    }
}

package struct RouterTally: Hashable, Sendable {
    /// `deliver`, `deliver-redacted`, `deny`, `review`, `dead-letter` or `repeat`.
    package var outcome: String
    /// The deciding reason code (`none` for a delivery without one).
    package var reason: String
}

/// Reason codes of records the router itself cannot route.
package enum RouterReasonCode {
    /// The record on a canonical topic has no timestamp an audit record can carry (decisions are timed by it).
    package static let timestampMissing = "router-input-timestamp-missing"
    /// A canonical message on the topic of another message type.
    package static let wrongTopic = "canonical-wrong-topic"
    /// A message this chain has already decided (metrics only: nothing is written for it).
    package static let repeatedMessage = "message-repeated"
    /// A review resolution whose held message is not the message it names.
    package static let resolutionMismatch = "review-resolution-mismatch"
}

/// The router's work for one input record, without I/O: the same input,
/// context and chain state always give the same bytes (record timestamps
/// included), so a redone batch writes exactly what the first attempt did.
package enum RouterStep {
    package static func route(_ input: RouterInput, chain state: inout RouterChainState, context: RouterContext, into writes: inout RouterWrites) {
        let digest = context.configuration.configurationDigest
        // A record without a timestamp the audit can carry (none, before 1970, after 9999)
        // is dead-lettered, timed at 0 so that its record is still deterministic.
        let timestamp = input.timestampMilliseconds.flatMap {
            AuditTime.rfc3339(Instant(millisecondsSinceEpoch: $0)) == nil ? nil : $0
        }
        let auditInput = AuditInput(
            topic: input.topic, partition: input.partition, offset: input.offset,
            timestamp: Instant(millisecondsSinceEpoch: timestamp ?? 0))
        let message: CanonicalMessage
        // A reviewer's resolution: the held message it carries is decided afresh with it applied.
        var resolution: ReviewResolution?
        do {
            if input.topic == HXTopic.reviewResolution {
                let read = try readResolution(input, timestamp: timestamp)
                message = read.message
                resolution = read.resolution
            } else {
                message = try read(input, timestamp: timestamp)
            }
        } catch {
            deadLetter(input, auditInput, error, state: &state, context: context, into: &writes)
            return
        }
        let messageId = message.id.lowerCaseString
        guard !state.recent.contains(messageId) else {
            // Already decided in this chain: the sender sent it again, or a second resolution of
            // the same held message (keyed alike, so in this partition) came after the first.
            // Nothing is shared twice.
            writes.tally[RouterTally(outcome: "repeat", reason: RouterReasonCode.repeatedMessage), default: 0] += 1
            return
        }
        let result = resolution.map {
            PolicyEngine.route(message, resolvedAs: $0.verdict, configuration: context.configuration, consent: context.consent, at: auditInput.timestamp)
        } ?? PolicyEngine.route(
            message, configuration: context.configuration, consent: context.consent, identities: context.identities, at: auditInput.timestamp)
        var chain = state.chain
        var records: [AuditRecord] = []
        let output: RouterOutput
        do {
            // A reload record goes before the first decision made under the new digest.
            if let reload = try reloadEntry(auditInput, state: state, digest: digest) { records.append(chain.append(reload)) }
            output = try AuditRecordBuilder.output(
                for: result, message: message, input: auditInput, configurationDigest: digest, chain: &chain, resolution: resolution?.id)
        } catch {
            deadLetter(input, auditInput, Rejection(code: error.code, location: "$", messageId: messageId), state: &state, context: context, into: &writes)
            return
        }
        state.chain = chain
        state.lastDigest = digest
        state.remember(records)
        state.remember(output.records)
        for delivery in output.deliveries {
            writes.outputs.append(KafkaOutgoingMessage(
                topic: delivery.topic, key: Array(delivery.key.utf8), value: delivery.value,
                headers: delivery.headers.map { KafkaHeader($0.name, $0.value) }, timestampMilliseconds: timestamp))
        }
        // By index: a for-in or zip over decisions and records would copy each one.
        for i in result.decisions.indices where result.decisions[i].outcome == .review {
            // The message as received, for a person to resolve; only the review team reads this topic.
            writes.outputs.append(KafkaOutgoingMessage(
                topic: HXTopic.review, key: Array(messageId.utf8), value: input.value,
                headers: [
                    KafkaHeader(HXHeader.decisionID, output.records[i].decisionId),
                    KafkaHeader(HXHeader.reasonCode, result.decisions[i].reasons.first ?? ReasonCode.identityUnresolved),
                ] + inputHeaders(input), timestampMilliseconds: timestamp))
        }
        for i in result.decisions.indices {
            let tally = RouterTally(outcome: result.decisions[i].outcome.rawValue, reason: result.decisions[i].reasons.first ?? "none")
            writes.tally[tally, default: 0] += 1
        }
        // One chain, so one audit partition, key and header list for all of this input's records.
        let destination = AuditDestination(chainId: chain.id, context: context)
        for record in records { writes.audit.append(destination.message(record.wireBytes, timestamp: timestamp)) }
        for wire in output.wire { writes.audit.append(destination.message(wire, timestamp: timestamp)) }
    }

    static func read(_ input: RouterInput, timestamp: Int64?) throws(Rejection) -> CanonicalMessage {
        guard timestamp != nil else { throw Rejection(code: RouterReasonCode.timestampMissing, location: "record timestamp", messageId: nil) }
        let message: CanonicalMessage
        do {
            message = try CanonicalJSON.decode(input.value)
        } catch {
            throw Rejection(code: error.code, location: error.path, messageId: nil)
        }
        guard message.type.topic == input.topic else {
            throw Rejection(code: RouterReasonCode.wrongTopic, location: "type", messageId: message.id.lowerCaseString)
        }
        return message
    }

    /// A record of `hx.review-resolution.v1`: the resolution and the held message it carries.
    static func readResolution(_ input: RouterInput, timestamp: Int64?) throws(Rejection) -> (message: CanonicalMessage, resolution: ReviewResolution) {
        guard timestamp != nil else { throw Rejection(code: RouterReasonCode.timestampMissing, location: "record timestamp", messageId: nil) }
        let resolution: ReviewResolution
        do {
            resolution = try ReviewResolution(wire: input.value)
        } catch {
            throw Rejection(code: error.code, location: "$", messageId: nil)
        }
        let message: CanonicalMessage
        do {
            message = try CanonicalJSON.decode(resolution.message)
        } catch {
            throw Rejection(code: error.code, location: "message" + error.path.dropFirst(), messageId: nil)
        }
        guard message.id.lowerCaseString == resolution.messageId else {
            throw Rejection(code: RouterReasonCode.resolutionMismatch, location: "messageId", messageId: resolution.messageId)
        }
        return (message, resolution)
    }

    /// Why an input could not be routed: where it goes on the dead-letter topic.
    struct Rejection: Error {
        var code: String
        var location: String
        var messageId: String?
    }

    static func reloadEntry(_ input: AuditInput, state: RouterChainState, digest: String) throws(AuditBuildError) -> AuditEntry? {
        guard let previous = state.lastDigest, previous != digest else { return nil }
        return try AuditRecordBuilder.configurationReloaded(input: input, previousDigest: previous, newDigest: digest)
    }

    /// The input goes to `hx.dlq.v1` as it was, and its audit record keeps only
    /// the SHA-256 of its bytes (they may hold patient data that failed to parse).
    static func deadLetter(
        _ input: RouterInput, _ auditInput: AuditInput, _ rejection: Rejection,
        state: inout RouterChainState, context: RouterContext, into writes: inout RouterWrites
    ) {
        let digest = context.configuration.configurationDigest
        var chain = state.chain
        let entries: [AuditEntry]
        do {
            // The input's time was checked (or replaced by 0) in `route`, so these cannot fail
            // short of an offset past 2^53.
            entries = [try reloadEntry(auditInput, state: state, digest: digest)].compactMap { $0 } + [
                try AuditRecordBuilder.deadLetter(
                    input: auditInput, reasonCode: rejection.code, value: input.value, configurationDigest: digest, messageId: rejection.messageId),
            ]
        } catch {
            preconditionFailure("no audit record can be made for \(input.topic)[\(input.partition)]@\(input.offset): \(error)")
        }
        let records = chain.append(entries)
        state.chain = chain
        state.lastDigest = digest
        state.remember(records)
        let id = entries[entries.count - 1].decisionId
        let time = auditInput.timestamp.millisecondsSinceEpoch
        writes.outputs.append(KafkaOutgoingMessage(
            topic: HXTopic.deadLetter, key: Array(id.utf8), value: input.value,
            headers: [
                KafkaHeader(HXHeader.stage, "router"),
                KafkaHeader(HXHeader.reasonCode, rejection.code),
                KafkaHeader(HXHeader.location, rejection.location),
                KafkaHeader(HXHeader.decisionID, id),
            ] + inputHeaders(input), timestampMilliseconds: time))
        for record in records { writes.audit.append(auditRecord(record, context: context, timestamp: time)) }
        writes.tally[RouterTally(outcome: "dead-letter", reason: rejection.code), default: 0] += 1
    }

    static func inputHeaders(_ input: RouterInput) -> [KafkaHeader] {
        [
            KafkaHeader(HXHeader.inputTopic, input.topic),
            KafkaHeader(HXHeader.inputPartition, String(input.partition)),
            KafkaHeader(HXHeader.inputOffset, String(input.offset)),
        ]
    }

    static func auditRecord(_ record: AuditRecord, context: RouterContext, timestamp: Int64?) -> KafkaOutgoingMessage {
        AuditDestination(chainId: record.chainId, context: context).message(record.wireBytes, timestamp: timestamp)
    }

    /// Where a chain's records go on the audit topic, with the header naming this instance.
    struct AuditDestination {
        let partition: Int32
        let key: [UInt8]
        let headers: [KafkaHeader]

        init(chainId: String, context: RouterContext) {
            partition = AuditPlacement.partition(chainId: chainId, partitions: context.auditPartitions)
            key = Array(chainId.utf8)
            headers = [KafkaHeader(HXHeader.routerInstance, context.instance)]
        }

        func message(_ wire: [UInt8], timestamp: Int64?) -> KafkaOutgoingMessage {
            KafkaOutgoingMessage(topic: HXTopic.audit, partition: partition, key: key, value: wire, headers: headers, timestampMilliseconds: timestamp)
        }
    }
}
