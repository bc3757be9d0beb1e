import Foundation
import HXCanonical
import HXKafka
import Logging
import ServiceLifecycle

/// Sends a heartbeat every second and reads it back, printing both delays:
/// the simplest proof that the producer, the broker and a consumer work.
package struct HeartbeatRoundTrip: Service {
    let producer: KafkaProducer
    let consumer: KafkaConsumer
    let limit: Int?
    let logger: Logger
    static let topic = "hx.heartbeat.v1"

    package init(client: KafkaClientConfiguration, limit: Int?, logger: Logger) throws {
        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.linger = .zero
        producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupID: HXGroup.runWatch)
        consumerConfiguration.fetchMaxWait = .milliseconds(10)
        consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        self.limit = limit
        self.logger = logger
    }

    package func run() async throws {
        let clock = ContinuousClock()
        let component = "hx-run-\(ProcessInfo.processInfo.processIdentifier)"
        try? await cancelWhenGracefulShutdown {
            var sequence = 0
            while limit.map({ sequence < $0 }) ?? true {
                sequence += 1
                let started = clock.now
                let beacon = #"{"component":"\#(component)","sequence":\#(sequence),"state":"up"}"#
                let report = try await producer.send(KafkaOutgoingMessage(
                    topic: Self.topic, key: component, value: beacon,
                    headers: [KafkaHeader("hx-component", component)]))
                let acked = clock.now
                if sequence == 1 {
                    // Read from the first beacon on: "end" resolved now could already be past it.
                    try consumer.assign([KafkaTopicPartitionOffset(topic: Self.topic, partition: report.partition, offset: report.offset)])
                }
                var readBack: ContinuousClock.Instant?
                let deadline = acked + .seconds(5)
                while readBack == nil && clock.now < deadline {
                    for message in try await consumer.poll() where message.valueString == beacon { readBack = clock.now }
                }
                let ackMs = Self.milliseconds(acked - started)
                let readText = readBack.map { "read back after \(Self.milliseconds($0 - started)) ms" } ?? "NOT read back within 5 s"
                print("heartbeat \(sequence): broker confirmed \(Self.topic)[\(report.partition)]@\(report.offset) in \(ackMs) ms, \(readText)")
                try await Task.sleep(for: .seconds(1))
            }
        }
        await consumer.close()
        await producer.close()
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)
    }
}
