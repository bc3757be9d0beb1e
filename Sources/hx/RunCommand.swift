import ArgumentParser
import Foundation
import HXAdapterRuntime
import HXAudit
import HXCanonical
import HXDevBroker
import HXKafka
import HXOperations
import HXPlace
import HXRouter
import HXService
import HXTopics
import HXTranslate
import Logging
import ServiceLifecycle

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the whole system on its embedded defaults: a local broker, the topics, every adapter fed its samples, two routers, the audit indexer and the console.",
        discussion: """
        Starts the development broker on 127.0.0.1 (unless --bootstrap-servers names a cluster to use), \
        creates the topics of config/topics.yaml and a delivery topic per organisation, and starts every adapter \
        under adapters/ on 127.0.0.1 (MLLP and HTTP on the ports of its adapter.yaml, or free ones with \
        --adapter-ports any; drop folders under --state-directory), two router instances, the audit indexer \
        (audit-index.sqlite under --state-directory, new each run) and the console (--console-port, with two demonstration \
        users whose passwords are printed). Each adapter is then sent its samples/ through its own source, as \
        the organisation's system would. Each decision the router records is printed as it reaches the audit \
        topic (message type, source, recipient, outcome, agreement and reasons; no patient identifiers). When \
        every input is accounted for (the check of `hx audit reconcile`), a summary says what flowed, what was \
        withheld and why. Every second a heartbeat is sent and read back, with how long the broker took. \
        Ctrl-C stops everything cleanly.
        """
    )

    enum AdapterPorts: String, ExpressibleByArgument, CaseIterable {
        /// The ports of each adapter.yaml, as the adapters' READMEs give them.
        case configured
        /// Free ports chosen at start (printed), for a machine where those are taken.
        case any
    }

    @OptionGroup var config: ConfigDirectoryOption

    @Option(help: "Port for the embedded development broker.")
    var port: Int = 9092

    @Option(help: "Use this Kafka cluster instead of starting the embedded broker.")
    var bootstrapServers: String?

    @Option(help: "Stop after this many heartbeats (default: run until Ctrl-C).")
    var heartbeats: Int?

    @Option(help: "Folder of the adapters to run; each is sent its samples/ at start.")
    var adapters: String = "adapters"

    @Option(help: "MLLP and HTTP ports of the adapters: configured (adapter.yaml) or any (free ones).")
    var adapterPorts: AdapterPorts = .configured

    @Option(help: "Port for the console on 127.0.0.1 (0: none).")
    var consolePort: Int = 8090

    @Option(help: "Folder for what the run keeps: the audit index, the console's users file, the drop folders (emptied at start).")
    var stateDirectory: String = "var/run"

    @Flag(help: "Stop once the sample feeds are accounted for and the summary is printed; exit 1 if they are not within --settle-timeout.")
    var exitWhenSettled = false

    @Option(help: "Seconds to wait for every input to be accounted for before the summary says what is missing.")
    var settleTimeout: Int = 120

    @Option(help: "The routers' consumer group session timeout in seconds (default: 6 on the embedded broker, librdkafka's 45 on --bootstrap-servers). The development broker answers a join after half of it.")
    var sessionTimeout: Int?

    func run() async throws {
        LogSetup.bootstrap()
        let logger = Logger(label: "hx.run")
        let topics = try declaredTopics(config.url)
        let place = try RouterCommand.load(config.url)
        let catalogue = try AdapterCatalogue.checked(adapters: adapters, config: config.url)
        let state = URL(fileURLWithPath: stateDirectory, isDirectory: true).standardizedFileURL

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

        var quiet = logger
        quiet.logLevel = .warning
        let running = try await RunAdapters.start(
            catalogue: catalogue, servers: servers, anyPorts: adapterPorts == .any, drops: state.appendingPathComponent("drop"), logger: quiet)
        print("adapters:   \(running.count), fed their samples once everything has started:")
        for adapter in running {
            print("            \(adapter.name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(adapter.endpoint)")
        }
        services += running.map { .init(service: $0.service) }

        // Two instances share the canonical topics' partitions, as in production.
        for instance in ["local-1", "local-2"] {
            var routerLogger = Logger(label: "hx.router")
            routerLogger.logLevel = .warning
            var routerSettings = RouterSettings(client: client, instance: instance)
            // The development broker answers JoinGroup after half the session timeout: keep it short there.
            routerSettings.sessionTimeout = sessionTimeout.map { .seconds($0) } ?? (bootstrapServers == nil ? .seconds(6) : nil)
            services.append(.init(service: RouterService(settings: routerSettings, configuration: place, logger: routerLogger)))
        }
        print("routers:    2 instances (local-1, local-2) in the consumer group hx-router")
        services.append(.init(service: try AuditWatch(client: client, logger: logger)))

        if consolePort != 0 {
            let (consoleServices, close) = try await DemoConsole.services(
                client: client, config: config.url, adapters: URL(fileURLWithPath: adapters, isDirectory: true), port: consolePort, directory: state, logger: logger)
            // Services stop in reverse order: the console's clients close after its server, while the broker still runs.
            services.append(.init(service: AtShutdown(action: close)))
            services += consoleServices
        }
        print("watch:      hx topics list --bootstrap-servers \(servers)")
        print("            hx tail hx.heartbeat.v1 --bootstrap-servers \(servers)")
        print("stop:       Ctrl-C")
        print("decisions:  printed below as the routers record them on \(HXTopic.audit)")

        let traffic = SampleTraffic(
            adapters: running.map { ($0.name, $0.endpoint, $0.samples) }, reconciler: LogReconciler(client: client, place: place),
            settleTimeout: .seconds(settleTimeout), consolePort: consolePort, servers: servers, exitWhenSettled: exitWhenSettled)
        services.append(.init(service: traffic, successTerminationBehavior: .gracefullyShutdownGroup))
        let roundTrip = try HeartbeatRoundTrip(client: client, limit: heartbeats, logger: logger)
        services.append(.init(service: roundTrip, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        print("stopped cleanly")
        if exitWhenSettled && traffic.settled != true { throw ExitCode(1) }
    }
}

/// Prints each record the router writes to the audit topic, one line each,
/// without patient identifiers: what an operator watching the demo needs.
struct AuditWatch: Service {
    let consumer: KafkaConsumer
    let client: KafkaClientConfiguration

    init(client: KafkaClientConfiguration, logger: Logger) throws {
        var configuration = KafkaConsumerConfiguration(client: client, groupID: HXGroup.runAuditWatch)
        configuration.fetchMaxWait = .milliseconds(50)
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.client = client
    }

    func run() async throws {
        let partitions = try await KafkaAdmin(configuration: client).describeCluster().topic(HXTopic.audit)?.partitions ?? []
        try consumer.assign(partitions.map { KafkaTopicPartitionOffset(topic: HXTopic.audit, partition: $0.id, offset: KafkaConsumer.beginning) })
        var seen: Set<String> = []
        while !Task.isShuttingDownGracefully {
            for message in try await consumer.poll() {
                guard let record = try? AuditRecord(wire: message.value), seen.insert(record.decisionId).inserted else { continue }
                print(Self.line(record))
            }
        }
        await consumer.close()
    }

    static func line(_ r: AuditRecord) -> String {
        let reasons = r.reasons.isEmpty ? "" : "  [" + r.reasons.joined(separator: ", ") + "]"
        switch r.kind {
        case .decision:
            let agreement = r.agreementId.map { "  \($0) v\(r.agreementVersion ?? 0)" } ?? ""
            let what = "\(r.messageType ?? "?") from \(r.source?.organisation ?? "?") to \(r.recipient ?? "?")"
            return "decision:   " + what.padding(toLength: 72, withPad: " ", startingAt: 0) + " " + (r.outcome?.rawValue ?? "?") + agreement + reasons
        case .deadLetter:
            return "decision:   input \(r.inputTopic ?? "?")[\(r.inputPartition ?? -1)]@\(r.inputOffset ?? -1) dead-lettered" + reasons
        case .configurationReloaded:
            return "decision:   configuration \(r.configurationDigest.prefix(12)) in force for \(r.chainId)"
        case .auditorAccess:
            return "decision:   auditor access"
        case .deadLetterReplay:
            return "decision:   dead letter \(r.details["deadLetter"] ?? "?") replayed"
        }
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
        var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupID: HXGroup.runWatch)
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
