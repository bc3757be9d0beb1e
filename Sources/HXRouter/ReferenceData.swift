import Foundation
import HXCanonical
import HXKafka
import HXPolicy
import Logging
import Synchronization

/// The consent directives of `hx.consent.v1` and the identity facts of
/// `hx.identity.v1`, as the router decides with them. Read in full before
/// the router takes any input, then followed as they grow.
///
/// Decisions use the directives recorded up to the input's time (see
/// `ConsentState`), so a redone input is decided as before. Identity facts
/// are the latest per person. A directive or fact the router reads only
/// after deciding a message written later than it is the one case where a
/// redo can differ; the verifier would show it as a conflict, not hide it.
final class ReferenceData: Sendable {
    private struct State {
        var consent = ConsentState()
        var identities = IdentityIndex()
    }

    private let state = Mutex(State())
    private let consumer: KafkaConsumer
    private let logger: Logger
    static let topics = [HXTopic.consent, HXTopic.identity]

    init(client: KafkaClientConfiguration, groupID: String, logger: Logger) throws {
        var configuration = KafkaConsumerConfiguration.partitionReader(client: client, groupID: HXGroup.routerReference(groupID))
        // Followed for as long as the router runs: no need to ask the broker a hundred times a second.
        configuration.fetchMaxWait = .milliseconds(100)
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.logger = logger
    }

    var snapshot: (consent: ConsentState, identities: IdentityIndex) {
        state.withLock { ($0.consent, $0.identities) }
    }

    /// Reads both topics to their ends; returns where following continues.
    func load(cluster: KafkaClusterDescription) async throws -> [KafkaTopicPartitionOffset] {
        var ends: [KafkaTopicPartitionOffset] = []
        for topic in Self.topics {
            guard let description = cluster.topic(topic) else {
                throw KafkaError(code: .unknownTopicOrPartition, message: "topic \(topic) does not exist; run `hx topics apply`")
            }
            for p in description.partitions {
                let tp = KafkaTopicPartition(topic: topic, partition: p.id)
                let end = try await consumer.readToEnd(tp, from: KafkaConsumer.beginning) { apply($0) }
                ends.append(KafkaTopicPartitionOffset(topic: topic, partition: p.id, offset: end))
            }
        }
        let (people, known) = state.withLock { ($0.consent.people, $0.identities.count) }
        logger.info("reference data loaded", metadata: ["consent.people": "\(people)", "identity.people": "\(known)"])
        return ends
    }

    /// Applies what is added to both topics until cancelled.
    func follow(from positions: [KafkaTopicPartitionOffset]) async throws {
        try consumer.assign(positions)
        while !Task.isCancelled {
            for message in try await consumer.poll(timeout: .milliseconds(200)) { apply(message) }
        }
    }

    func close() async { await consumer.close() }

    private func apply(_ message: KafkaMessage) {
        let data = Data(message.value)
        switch message.topic {
        case HXTopic.consent:
            guard let directive = try? JSONDecoder().decode(ConsentDirective.self, from: data) else {
                logger.warning("unreadable consent directive skipped", metadata: ["kafka.partition": "\(message.partition)", "kafka.offset": "\(message.offset)"])
                return
            }
            state.withLock { $0.consent.add(directive) }
        case HXTopic.identity:
            guard let fact = try? JSONDecoder().decode(IdentityFact.self, from: data) else {
                logger.warning("unreadable identity fact skipped", metadata: ["kafka.partition": "\(message.partition)", "kafka.offset": "\(message.offset)"])
                return
            }
            state.withLock { $0.identities.replace(with: fact) }
        default:
            break
        }
    }
}
