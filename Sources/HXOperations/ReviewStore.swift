import Foundation
import HXCanonical
import HXIdentityMatch
import HXKafka
import HXReview
import HXSerial
import Logging

/// The review queue as Kafka holds it: every record of `hx.review.v1`, every
/// resolution on `hx.review-resolution.v1` and the latest identity fact of each
/// person (for the candidates shown beside a held message), read incrementally
/// (each call reads only what arrived since the last). Nothing here is the
/// queue's state: `ReviewQueue` works it out from the two topics each time.
package actor ReviewStore {
    let client: KafkaClientConfiguration
    let groupID: String
    let logger: Logger
    private var held: [ReviewPlace: HeldMessage] = [:]
    private var resolutions: [ReviewResolution] = []
    private var facts: [String: IdentityFact] = [:]
    private var next: [String: [Int32: Int64]] = [:]
    private var reader: KafkaConsumer?
    private let gate = SerialGate()

    package init(client: KafkaClientConfiguration, groupID: String = HXGroup.review, logger: Logger = Logger(label: "hx.operations.review")) {
        self.client = client
        self.groupID = groupID
        self.logger = logger
    }

    /// What the queue is made of, after one read of what is new.
    package func snapshot(withFacts: Bool = false) async throws -> ReviewSnapshot {
        try await gate.run { try await refresh(withFacts: withFacts) }
        return ReviewSnapshot(
            held: held.values.sorted { $0.place < $1.place }, resolutions: resolutions,
            identities: withFacts ? CandidateIndex(facts: Array(facts.values)) : CandidateIndex())
    }

    package func close() async {
        await gate.run {
            await reader?.close()
            reader = nil
        }
    }

    private func refresh(withFacts: Bool) async throws {
        let cluster = try await KafkaAdmin(configuration: client).describeCluster()
        let reader = try consumer()
        for topic in [HXTopic.review, HXTopic.reviewResolution] + (withFacts ? [HXTopic.identity] : []) {
            guard let description = cluster.topic(topic) else {
                throw KafkaError(code: .unknownTopicOrPartition, message: "topic \(topic) does not exist; run `hx topics apply`")
            }
            for partition in description.partitions.map(\.id).sorted() {
                var seen: [KafkaMessage] = []
                let end = try await reader.readToEnd(KafkaTopicPartition(topic: topic, partition: partition), from: next[topic]?[partition] ?? 0) { m in
                    seen.append(m)
                }
                for m in seen { take(m) }
                next[topic, default: [:]][partition] = end
            }
        }
    }

    private func take(_ m: KafkaMessage) {
        switch m.topic {
        case HXTopic.review:
            func header(_ name: String) -> String? { m.header(name)?.text.flatMap { $0.isEmpty ? nil : $0 } }
            let input = header(HXHeader.inputTopic).map { "\($0):\(header(HXHeader.inputPartition) ?? "?"):\(header(HXHeader.inputOffset) ?? "?")" }
            let place = ReviewPlace(partition: m.partition, offset: m.offset)
            held[place] = HeldMessage(
                place: place, item: header(HXHeader.decisionID) ?? place.logPosition,
                reasonCode: header(HXHeader.reasonCode) ?? "unknown",
                heldAt: m.timestampMilliseconds.map { Instant(millisecondsSinceEpoch: $0) }, input: input, value: m.value)
        case HXTopic.reviewResolution:
            do { resolutions.append(try ReviewResolution(wire: m.value)) } catch {
                // The router dead-letters it too; it resolves nothing.
                logger.warning("unreadable review resolution skipped", metadata: [
                    "kafka.partition": "\(m.partition)", "kafka.offset": "\(m.offset)", "error.code": "\(error.code)"])
            }
        case HXTopic.identity:
            if let fact = try? JSONDecoder().decode(IdentityFact.self, from: Data(m.value)) { facts[fact.nhsNumber.digits] = fact }
        default:
            break
        }
    }

    private func consumer() throws -> KafkaConsumer {
        if let reader { return reader }
        let made = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: groupID), logger: logger)
        reader = made
        return made
    }
}

/// Both topics as read at one moment, with the identity facts when asked for.
package struct ReviewSnapshot: Sendable {
    package var held: [HeldMessage]
    package var resolutions: [ReviewResolution]
    package var identities: CandidateIndex

    package var open: [HeldMessage] { ReviewQueue.open(held: held, resolutions: resolutions) }
}
