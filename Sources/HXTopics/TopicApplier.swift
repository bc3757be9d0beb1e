import HXKafka

/// Brings a cluster in line with the catalogue, idempotently: creates what is
/// missing, leaves what exists, and says where an existing topic differs.
package struct TopicApplier: Sendable {
    package enum Outcome: Sendable, Equatable {
        case created
        case unchanged
        /// The topic exists with another partition count; Kafka can add
        /// partitions but that moves keys, so it is left for an operator.
        case partitionsDiffer(existing: Int, declared: Int)
        case failed(String)
    }

    package struct Result: Sendable {
        package var topic: String
        package var outcome: Outcome
    }

    let admin: KafkaAdmin

    package init(admin: KafkaAdmin) {
        self.admin = admin
    }

    package func apply(_ topics: [TopicCatalog.Topic]) async throws -> [Result] {
        let cluster = try await admin.describeCluster()
        var results: [String: Outcome] = [:]
        var missing: [TopicCatalog.Topic] = []
        for topic in topics {
            if let existing = cluster.topic(topic.name) {
                results[topic.name] = existing.partitions.count == topic.partitions
                    ? .unchanged : .partitionsDiffer(existing: existing.partitions.count, declared: topic.partitions)
            } else {
                missing.append(topic)
            }
        }
        for created in try await admin.createTopics(missing.map(\.spec)) {
            switch created.outcome {
            case .created: results[created.name] = .created
            case .alreadyExists: results[created.name] = .unchanged  // created by someone else meanwhile
            case .failed(let error): results[created.name] = .failed(error.description)
            }
        }
        return topics.map { Result(topic: $0.name, outcome: results[$0.name] ?? .failed("no answer from the cluster")) }
    }
}
