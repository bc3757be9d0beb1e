import ArgumentParser
import Foundation
import HXCanonical
import HXDevBroker
import HXDeliveryWorker
import HXDevStack
import HXKafka
import HXOperations
import HXPlace
import HXRouter
import HXService
import HXTopics
import Logging
import ServiceLifecycle

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the whole system on its embedded defaults: a local broker, the topics, every adapter fed its samples, two routers, delivery to stand-ins for the recipients' systems, the audit indexer and the console.",
        discussion: """
        Starts the development broker on 127.0.0.1 (unless --bootstrap-servers names a cluster to use), \
        creates the topics of config/topics.yaml and a delivery topic per organisation, and starts every adapter \
        under adapters/ on 127.0.0.1 (MLLP and HTTP on the ports of its adapter.yaml, or free ones with \
        --adapter-ports any; drop folders under --state-directory), two router instances, a delivery worker for \
        each organisation with a delivery block (delivering to a stand-in for its system on loopback: python-hl7's \
        MLLP receiver, a FHIR server, a folder under --state-directory/received, or for the GP practices NHS \
        Digital's MESH sandbox, its mailboxes under --state-directory/mesh, with NHS England's mesh-client \
        answering for each practice with ITK3 infrastructure and business acknowledgements), the audit indexer \
        (audit-index.sqlite under --state-directory, new each run) and the console (--console-port, with two demonstration \
        users whose passwords are printed). Each adapter is then sent its samples/ through its own source, as \
        the organisation's system would. Each decision the router records is printed as it reaches the audit \
        topic (message type, source, recipient, outcome, agreement and reasons; no patient identifiers). When \
        every input is accounted for (the check of `hx audit reconcile`) and every delivery has reached its \
        recipient's stand-in (over MESH: and been acknowledged by the practice), a summary says what flowed, what was \
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
        let running = try await usageProblem {
            try await RunAdapters.start(
                catalogue: catalogue, servers: servers, anyPorts: adapterPorts == .any, drops: state.appendingPathComponent("drop"), logger: quiet)
        }
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

        // Each recipient with a delivery block gets a worker, delivering to a stand-in for its system.
        let recipients = try await usageProblem { try await StandInRecipients.start(place: place, state: state) }
        services.append(.init(service: AtShutdown { recipients.stop() }))
        if let mesh = recipients.mesh {
            print("mesh:       \(mesh.description)")
            print("            a deployment's options for it (secret files written there): \(mesh.deliverOptions)")
        }
        for standIn in recipients.standIns {
            var workerLogger = Logger(label: "hx.deliver")
            workerLogger.logLevel = .warning
            var settings = DeliveryWorkerSettings(client: client, recipient: standIn.code)
            settings.endpointOverride = standIn.endpoint
            settings.mesh = standIn.mesh
            settings.sessionTimeout = sessionTimeout.map { .seconds($0) } ?? (bootstrapServers == nil ? .seconds(6) : nil)
            services.append(.init(service: DeliveryWorker(settings: settings, configuration: place, logger: workerLogger)))
            print("delivery:   \(standIn.code.padding(toLength: 14, withPad: " ", startingAt: 0)) \(standIn.description)")
        }

        if consolePort != 0 {
            let (consoleServices, close) = try await usageProblem {
                try await DemoConsole.services(
                    client: client, place: place, config: config.url, adapters: URL(fileURLWithPath: adapters, isDirectory: true),
                    port: consolePort, directory: state, logger: logger)
            }
            // Services stop in reverse order: the console's clients close after its server, while the broker still runs.
            services.append(.init(service: AtShutdown(action: close)))
            services += consoleServices
        }
        print("watch:      hx topics list --bootstrap-servers \(servers)")
        print("            hx tail hx.heartbeat.v1 --bootstrap-servers \(servers)")
        print("stop:       Ctrl-C")
        print("decisions:  printed below as the routers record them on \(HXTopic.audit)")

        let codes = recipients.standIns.map(\.code)
        // Each row knows its transport before any status says it (a MESH row waits for its acknowledgements).
        let transports = Dictionary(uniqueKeysWithValues: place.organisations.compactMap { o in o.delivery.map { (o.code, $0.transport.rawValue) } })
        let board: @Sendable () async throws -> [DeliveryBoard.Row] = {
            try await DeliveryBoard.read(client: client, recipients: codes).map { row in
                var row = row
                row.transport = row.transport ?? transports[row.recipient]
                return row
            }
        }
        let traffic = SampleTraffic(
            adapters: running.map { ($0.name, $0.endpoint, $0.samples) }, reconciler: LogReconciler(client: client, place: place),
            settleTimeout: .seconds(settleTimeout), consolePort: consolePort, servers: servers, exitWhenSettled: exitWhenSettled,
            deliveries: recipients.standIns.isEmpty ? nil : board)
        services.append(.init(service: traffic, successTerminationBehavior: .gracefullyShutdownGroup))
        let roundTrip = try HeartbeatRoundTrip(client: client, limit: heartbeats, logger: logger)
        services.append(.init(service: roundTrip, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        print("stopped cleanly")
        if exitWhenSettled && traffic.settled != true { throw ExitCode(1) }
    }
}

/// What the development stack cannot start with, as ArgumentParser's usage error.
private func usageProblem<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let problem as DevStackProblem {
        throw ValidationError(problem.description)
    }
}
