import HXCanonical
import HXKafka
import HXKafkaTestSupport
import HXTopics
import Testing

@Suite("Cluster administration on a real broker")
struct AdminTests {
    @Test("applying the topic catalogue creates every topic once and is safe to repeat")
    func applyCatalogue() async throws {
        try await withBroker { broker in
            let catalog = try TopicCatalog.load(configDirectory: repositoryRoot.appendingPathComponent("config"))
            let applier = TopicApplier(admin: try KafkaAdmin(configuration: clientConfiguration(broker)))
            let first = try await applier.apply(catalog.topics)
            #expect(first.map(\.outcome) == Array(repeating: .created, count: catalog.topics.count))
            let second = try await applier.apply(catalog.topics)
            #expect(second.map(\.outcome) == Array(repeating: .unchanged, count: catalog.topics.count))

            let cluster = try await KafkaAdmin(configuration: clientConfiguration(broker)).describeCluster()
            for topic in catalog.topics {
                #expect(cluster.topic(topic.name)?.partitions.count == topic.partitions, "\(topic.name)")
            }
            #expect(cluster.brokers.count == 1)
        }
    }

    @Test("a topic that exists with another partition count is reported, not changed")
    func partitionsDiffer() async throws {
        try await withBroker { broker in
            let name = try await createTopic(broker, partitions: 2)
            let declared = TopicCatalog.Topic(name: name, partitions: 4, replicationFactor: nil, cleanup: .delete, retentionHours: 24, purpose: nil)
            let results = try await TopicApplier(admin: try KafkaAdmin(configuration: clientConfiguration(broker))).apply([declared])
            #expect(results.first?.outcome == .partitionsDiffer(existing: 2, declared: 4))
        }
    }

    @Test("watermarks and a consumer group's lag per partition follow what was produced and committed")
    func watermarksAndLag() async throws {
        try await withBroker { broker in
            let topic = try await createTopic(broker, partitions: 2)
            let admin = try KafkaAdmin(configuration: clientConfiguration(broker))
            let producer = try KafkaProducer(configuration: producerConfiguration(broker))
            // One record per request: Tansu 0.6 answers ListOffsets(latest) with the base
            // offset + 1 of the last record batch, not the end of the log (measured: five
            // records in one batch at offsets 3-7 gave a high watermark of 4). Apache Kafka
            // reports the true end; with single-record batches both agree.
            for index in 0..<10 {
                try await producer.send(KafkaOutgoingMessage(topic: topic, partition: Int32(index % 2), key: nil, value: Array("m\(index)".utf8)))
            }
            let p0 = KafkaTopicPartition(topic: topic, partition: 0)
            #expect(try await admin.watermarks(p0) == KafkaWatermarks(low: 0, high: 5))

            let group = uniqueName("lag")
            let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: group))
            try consumer.subscribe([topic])
            _ = try await consume(consumer, count: 10)
            // Commit three records of partition 0 and nothing of partition 1.
            try await consumer.commit([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 3)])
            let lag = try await admin.lag(group: group, topics: [topic])
            #expect(lag.count == 2)
            #expect(lag.first { $0.topicPartition.partition == 0 }?.committed == 3)
            #expect(lag.first { $0.topicPartition.partition == 0 }?.lag == 2)
            #expect(lag.first { $0.topicPartition.partition == 1 }?.committed == nil)
            #expect(lag.first { $0.topicPartition.partition == 1 }?.lag == 5)
            await consumer.close()
            await producer.close()
        }
    }
}
