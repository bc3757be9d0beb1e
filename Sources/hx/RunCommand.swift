import HXCanonical
import ArgumentParser
import Foundation
import HXDevBroker
import HXKafka
import HXTopics
import Logging
import ServiceLifecycle

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the system on its embedded defaults: a local broker, the topics, and a heartbeat round trip to watch.",
        discussion: """
        Starts the development broker on 127.0.0.1 (unless --bootstrap-servers names a cluster to use), \
        creates the topics of config/topics.yaml, then every second sends a heartbeat and reads it back, \
        printing how long the broker took to confirm it and how long until a consumer saw it. \
        Ctrl-C stops everything cleanly.
        """
    )

    @OptionGroup var config: ConfigDirectoryOption

    @Option(help: "Port for the embedded development broker.")
    var port: Int = 9092

    @Option(help: "Use this Kafka cluster instead of starting the embedded broker.")
    var bootstrapServers: String?

    @Option(help: "Stop after this many heartbeats (default: run until Ctrl-C).")
    var heartbeats: Int?

    func run() async throws {
        LogSetup.bootstrap()
        let logger = Logger(label: "hx.run")
        let topics = try declaredTopics(config.url)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let servers: String
        if let bootstrapServers {
            servers = bootstrapServers
        } else {
            if DevBroker.canConnect(port: port) {
                throw ValidationError("something already listens on 127.0.0.1:\(port); stop it, choose another --port, or pass --bootstrap-servers to use it")
            }
            let broker = try await DevBroker.start(port: port)
            services.append(.init(service: DevBrokerService(broker: .started(broker))))
            servers = broker.bootstrapServers
            print("broker:     development broker (Tansu, in memory) on \(servers); log \(broker.logFile.path)")
        }
        let client = KafkaClientConfiguration(bootstrapServers: [servers])

        let applied = try await TopicApplier(admin: KafkaAdmin(configuration: client)).apply(topics)
        let created = applied.filter { $0.outcome == .created }.count
        print("topics:     \(applied.count) declared in \(config.config)/topics.yaml and organisations.yaml, \(created) created now")
        print("watch:      hx topics list --bootstrap-servers \(servers)")
        print("            hx tail hx.heartbeat.v1 --bootstrap-servers \(servers)")
        print("stop:       Ctrl-C")

        let roundTrip = try HeartbeatRoundTrip(client: client, limit: heartbeats, logger: logger)
        services.append(.init(service: roundTrip, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        print("stopped cleanly")
    }
}

/// The development broker as a service: stopped when the group shuts down; if
/// the broker process dies on its own, the service ends and so does the group.
struct DevBrokerService: Service {
    enum Broker: Sendable {
        /// Already started (`hx run` needs it before the group runs).
        case started(DevBroker)
        /// Started by the service itself, so that a signal arriving while it
        /// starts is already the group's to handle (`hx dev broker`).
        case onPort(Int, announce: @Sendable (DevBroker) -> Void)
    }

    let broker: Broker

    func run() async throws {
        let running: DevBroker
        switch broker {
        case .started(let started):
            running = started
        case .onPort(let port, let announce):
            running = try await DevBroker.start(port: port)
            announce(running)
        }
        while running.isRunning && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .milliseconds(200))
        }
        running.stop()
    }
}

/// Sends a heartbeat every second and reads it back, printing both delays:
/// the simplest proof that the producer, the broker and a consumer work.
struct HeartbeatRoundTrip: Service {
    let producer: KafkaProducer
    let consumer: KafkaConsumer
    let limit: Int?
    let logger: Logger
    static let topic = "hx.heartbeat.v1"

    init(client: KafkaClientConfiguration, limit: Int?, logger: Logger) throws {
        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.linger = .zero
        producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupID: "hx-run-watch")
        consumerConfiguration.fetchMaxWait = .milliseconds(10)
        consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        self.limit = limit
        self.logger = logger
    }

    func run() async throws {
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
