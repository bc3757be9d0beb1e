import HXKafka
import HXKafkaTestSupport
import Testing

@Suite("Producing and consuming on a real broker")
struct ProduceConsumeTests {
    @Test("10,000 keyed messages arrive once each, in order per key, with every delivery report")
    func keyedOrder() async throws {
        try await withBroker { broker in
            let topic = try await createTopic(broker, partitions: 6)
            let producer = try KafkaProducer(configuration: producerConfiguration(broker))
            let keys = 50, perKey = 200
            // Interleave keys so that order per key is not an accident of sending one key at a time.
            let messages = (0..<perKey).flatMap { sequence in
                (0..<keys).map { key in
                    KafkaOutgoingMessage(topic: topic, key: "patient-\(key)", value: "\(key):\(sequence)")
                }
            }
            var reports: [KafkaDeliveryReport] = []
            for start in stride(from: 0, to: messages.count, by: 2500) {
                reports += try await producer.send(batch: Array(messages[start..<min(start + 2500, messages.count)]))
            }
            #expect(reports.count == 10_000)
            #expect(reports.allSatisfy { $0.succeeded })
            // One key, one partition: every report for a key names the same partition.
            var partitionOfKey: [String: Set<Int32>] = [:]
            for (message, report) in zip(messages, reports) { partitionOfKey[message.key.map { String(decoding: $0, as: UTF8.self) }!, default: []].insert(report.partition) }
            #expect(partitionOfKey.values.allSatisfy { $0.count == 1 })
            #expect(Set(reports.map(\.partition)).count > 1, "keys spread over partitions")
            await producer.close()

            let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: uniqueName("order")))
            try consumer.subscribe([topic])
            let received = try await consume(consumer, count: 10_000)
            #expect(received.count == 10_000)
            var lastSequence: [Int: Int] = [:]
            var outOfOrder = 0
            for message in received {
                let parts = message.valueString.split(separator: ":").map { Int($0)! }
                if let last = lastSequence[parts[0]], parts[1] != last + 1 { outOfOrder += 1 }
                if lastSequence[parts[0]] == nil, parts[1] != 0 { outOfOrder += 1 }
                lastSequence[parts[0]] = parts[1]
                #expect(message.keyString == "patient-\(parts[0])")
            }
            #expect(outOfOrder == 0)
            #expect(lastSequence.count == keys && lastSequence.values.allSatisfy { $0 == perKey - 1 })
            await consumer.close()
        }
    }

    @Test("headers, keys and timestamps round-trip; the AsyncSequence yields records in order")
    func headersRoundTrip() async throws {
        try await withBroker { broker in
            let topic = try await createTopic(broker, partitions: 1)
            let producer = try KafkaProducer(configuration: producerConfiguration(broker))
            let headers = [
                KafkaHeader("hx-message-id", "6f1c2a4e-0000-4000-8000-000000000001"),
                KafkaHeader(name: "hx-binary", value: [0, 1, 2, 255]),
                KafkaHeader(name: "hx-empty", value: nil),
                KafkaHeader("hx-message-id", "second value, same name"),
            ]
            let sent = try await producer.send(KafkaOutgoingMessage(
                topic: topic, key: Array("9434765919".utf8), value: Array("{\"a\":1}".utf8),
                headers: headers, timestampMilliseconds: 1_767_225_600_000))
            try await producer.send(KafkaOutgoingMessage(topic: topic, key: nil, value: "second"))
            #expect(sent.offset == 0)
            await producer.close()

            let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: uniqueName("headers")))
            try consumer.subscribe([topic])
            var received: [KafkaMessage] = []
            for try await message in consumer.messages {
                received.append(message)
                if received.count == 2 { break }
            }
            #expect(received[0].headers == headers)
            #expect(received[0].keyString == "9434765919")
            #expect(received[0].valueString == "{\"a\":1}")
            #expect(received[0].timestampMilliseconds == 1_767_225_600_000)
            #expect(received[1].key == nil)
            #expect(received[1].valueString == "second")
            #expect(received.map(\.offset) == [0, 1])
            await consumer.close()
        }
    }

    @Test("readToEnd reads topics the reader has not seen yet to their ends, and again once known")
    func readToEndOnNewTopics() async throws {
        // The speed of this (librdkafka waited a second per new topic for its leader before
        // readToEnd asked for the topic's metadata first) is not asserted: a timed test decides
        // on how busy the machine is. `hx audit reconcile` over ~30 delivery topics showed it.
        try await withBroker { broker in
            var topics: [String] = []
            for _ in 0..<6 { topics.append(try await createTopic(broker, partitions: 1)) }
            let producer = try KafkaProducer(configuration: producerConfiguration(broker))
            #expect(try await producer.send(batch: topics.map { KafkaOutgoingMessage(topic: $0, key: "k", value: "v") }).allSucceeded)
            await producer.close()
            let reader = try KafkaConsumer(configuration: .partitionReader(client: clientConfiguration(broker), groupID: uniqueName("reader")))
            var ends: [Int64] = []
            var values: [String] = []
            for topic in topics {
                for _ in 0..<2 {
                    ends.append(try await reader.readToEnd(KafkaTopicPartition(topic: topic, partition: 0), from: KafkaConsumer.beginning) { values.append($0.valueString) })
                }
            }
            await reader.close()
            #expect(ends == Array(repeating: 1, count: 12))
            #expect(values == Array(repeating: "v", count: 12))
        }
    }
}
