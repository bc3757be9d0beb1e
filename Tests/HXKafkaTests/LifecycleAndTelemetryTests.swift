import HXKafka
import HXKafkaTestSupport
import Logging
import MetricsTestKit
import ServiceLifecycle
import Synchronization
import Testing

/// A service that returns once the producer holds `count` records not yet delivered.
final class WaitForQueued: Service, Sendable {
    let producer: KafkaProducer
    let count: Int
    let finishedAt = Mutex<ContinuousClock.Instant?>(nil)

    init(producer: KafkaProducer, count: Int) {
        self.producer = producer
        self.count = count
    }

    func run() async throws {
        while producer.outstandingMessages < count { try await Task.sleep(for: .milliseconds(10)) }
        finishedAt.withLock { $0 = .now }
    }
}

@Suite("Service lifecycle and telemetry")
struct LifecycleAndTelemetryTests {
    @Test("graceful shutdown of a producer service delivers what was still queued")
    func gracefulShutdownFlushes() async throws {
        try await withBroker { broker in
            let topic = try await createTopic(broker, partitions: 2)
            var configuration = producerConfiguration(broker)
            // Records wait 3 s to fill a batch, so they are surely still queued when
            // the shutdown begins; the close must flush them (within its 10 s bound), not drop them.
            configuration.linger = .seconds(3)
            let producer = try KafkaProducer(configuration: configuration)
            let messages = (0..<1000).map { KafkaOutgoingMessage(topic: topic, key: "k\($0 % 10)", value: "queued \($0)") }
            // Ends once all 1000 are queued, which shuts the group down gracefully:
            // from inside the group, so the producer service is surely running.
            let queued = WaitForQueued(producer: producer, count: 1000)
            let group = ServiceGroup(configuration: .init(services: [
                .init(service: producer),
                .init(service: queued, successTerminationBehavior: .gracefullyShutdownGroup),
            ], logger: Logger(label: "hx.test")))

            async let delivered = producer.send(batch: messages)
            try await group.run()
            let reports = try await delivered
            #expect(queued.finishedAt.withLock { $0 } != nil)
            #expect(reports.count == 1000 && reports.allSatisfy { $0.succeeded })
            #expect(producer.outstandingMessages == 0)

            let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: uniqueName("flushed")))
            try consumer.subscribe([topic])
            #expect(try await consume(consumer, count: 1000).count == 1000)
            await consumer.close()
        }
    }

    @Test("librdkafka's statistics reach swift-metrics as gauges labelled by client")
    func statisticsGauges() async throws {
        try await withBroker { broker in
            let topic = try await createTopic(broker, partitions: 1)
            let metrics = TestMetrics()
            var configuration = producerConfiguration(broker)
            configuration.client.statisticsInterval = .milliseconds(100)
            let producer = try KafkaProducer(configuration: configuration, metricsLabel: "adapter-under-test", metricsFactory: metrics)
            #expect(try await producer.send(batch: (0..<25).map { KafkaOutgoingMessage(topic: topic, key: nil, value: "m\($0)") }).allSatisfy { $0.succeeded })
            var sent: Double?
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline {
                sent = try? metrics.expectGauge("hx_kafka_sent_messages", [("client", "adapter-under-test")]).lastValue
                if let sent, sent >= 25 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect((sent ?? 0) >= 25)
            await producer.close()
        }
    }
}
