import Foundation
import HL7v2
import HXCanonical
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXTranslate
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing
@testable import HXAdapterRuntime

/// Every suite that starts brokers runs inside this one, one test at a time: two
/// cores are shared, and the outage test's timing must not depend on other tests' load.
@Suite("Adapter runtime against a real broker", .serialized)
struct BrokerTests {}

// MARK: Broker (withBroker, clientConfiguration, createTopic... come from HXKafkaTestSupport)

/// The adapter's topics on a fresh broker.
func createAdapterTopics(_ broker: DevBroker, canonical: String = MessageType.dischargeSummary.topic) async throws {
    try await createTopic(broker, name: canonical, partitions: 3)
    try await createTopic(broker, name: HXTopic.deadLetter, partitions: 1)
    try await createTopic(broker, name: HXTopic.identity, partitions: 1)
    try await createTopic(broker, name: HXTopic.heartbeat, partitions: 1)
}

/// Reads a whole topic from the beginning (no group, so no join delay) until
/// `count` records arrived or `timeout` passed.
func readTopic(_ broker: DevBroker, _ topic: String, partitions: Int32, atLeast count: Int, timeout: Duration = .seconds(30)) async throws -> [KafkaMessage] {
    let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: uniqueName("reader")))
    try consumer.assign((0..<partitions).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaConsumer.beginning) })
    var messages: [KafkaMessage] = []
    let deadline = ContinuousClock.now + timeout
    while messages.count < count && ContinuousClock.now < deadline {
        // Owned copies: a polled record borrows librdkafka's buffer, and destroying the
        // consumer while one is still alive blocks in rd_kafka_destroy (measured).
        messages += try await consumer.poll().map {
            KafkaMessage(topic: $0.topic, partition: $0.partition, offset: $0.offset, key: $0.key, value: $0.value,
                         headers: $0.headers, timestampMilliseconds: $0.timestampMilliseconds)
        }
    }
    await consumer.close()
    return messages
}

// MARK: Adapter under test

let quietLogger: Logger = {
    var logger = Logger(label: "hx.test.adapter")
    logger.logLevel = .warning
    return logger
}()

func testConfiguration(name: String = "test-mllp", source: AdapterConfiguration.SourceKind = .mllp(port: 2575)) -> AdapterConfiguration {
    AdapterConfiguration(name: name, organisation: "RWW", system: "test PAS", format: .hl7v2, source: source, maxInputBytes: 65536)
}

struct RunningAdapter: Sendable {
    let service: AdapterService
    let registry: PrometheusCollectorRegistry
    var mllpPort: Int { (service.source as! MLLPListener).port }
    var httpPort: Int { (service.source as! FHIRHTTPListener).port }
    var metricsPort: Int? { service.metricsServer?.port }
}

/// Runs an adapter for the body's length, then shuts it down gracefully and waits for it.
func withAdapter<T: Sendable>(
    _ broker: DevBroker, configuration: AdapterConfiguration = testConfiguration(),
    settings: AdapterCommandRunner.Settings = testSettings(), metrics: Bool = false,
    _ body: @Sendable (RunningAdapter) async throws -> T
) async throws -> T {
    let registry = PrometheusCollectorRegistry()
    let service = try await AdapterCommandRunner.makeService(
        configuration: configuration, adapterDirectory: URL(fileURLWithPath: NSTemporaryDirectory()),
        bootstrapServers: broker.bootstrapServers, metricsPort: metrics ? 0 : nil, registry: registry,
        settings: settings, logger: quietLogger)
    let group = ServiceGroup(services: [service], logger: quietLogger)
    let running = RunningAdapter(service: service, registry: registry)
    return try await withThrowingTaskGroup(of: T?.self) { tasks in
        tasks.addTask {
            try await group.run()
            return nil
        }
        do {
            let result = try await body(running)
            await group.triggerGracefulShutdown()
            while try await tasks.next() != nil {}
            return result
        } catch {
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            throw error
        }
    }
}

func testSettings(messageTimeout: Duration = .seconds(10), heartbeat: Duration = .seconds(60)) -> AdapterCommandRunner.Settings {
    var settings = AdapterCommandRunner.Settings()
    settings.listenHost = "127.0.0.1"
    settings.mllpPort = 0
    settings.httpPort = 0
    settings.messageTimeout = messageTimeout
    settings.heartbeatInterval = heartbeat
    settings.folderPollInterval = .milliseconds(100)
    settings.flushTimeoutOnClose = .seconds(5)
    return settings
}

// MARK: Synthetic HL7 v2 and the MLLP sender (testNHSNumbers, adtA03, MLLPTestClient, Tally) are in HXNetworkTestSupport

// MARK: HTTP

/// One plain HTTP/1.1 GET against 127.0.0.1; returns the whole response as text.
func httpGet(port: Int, path: String) async throws -> String {
    let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
    return try await connection.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
        var text = ""
        for try await chunk in inbound { text += String(buffer: chunk) }
        return text
    }
}

func header(_ message: KafkaMessage, _ name: String) -> String? { message.header(name)?.text }
