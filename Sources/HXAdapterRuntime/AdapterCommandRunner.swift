import Foundation
import HXKafka
import HXMESH
import HXService
import HXTranslate
import Logging
import Prometheus
import ServiceLifecycle

/// `hx adapter run NAME`: loads `adapters/NAME/adapter.yaml`, builds the
/// adapter's components and runs them until SIGTERM or SIGINT.
package enum AdapterCommandRunner {
    package struct Settings: Sendable {
        /// Where the source and the metrics endpoint listen.
        package var listenHost = "0.0.0.0"
        /// Overrides adapter.yaml's MLLP port (0: any free port, for tests).
        package var mllpPort: Int?
        /// Overrides adapter.yaml's HTTP (FHIR) port (0: any free port, for tests).
        package var httpPort: Int?
        /// Overrides adapter.yaml's drop folder.
        package var dropFolder: String?
        /// How long Kafka may take to confirm an input before the sender is told to retry.
        package var messageTimeout: Duration = .seconds(15)
        package var heartbeatInterval: Duration = .seconds(10)
        package var folderPollInterval: Duration = .milliseconds(500)
        /// Where MESH is, our mailboxes' secrets (read from the command line's files, never from
        /// adapter.yaml) and how often to poll, for a `mesh` source.
        package var mesh: MESHAccess?
        package var security: KafkaSecurity = .plaintext
        /// How long shutdown waits for librdkafka to hand over what it holds.
        package var flushTimeoutOnClose: Duration = .seconds(10)

        package init() {}
    }

    package struct Unsupported: Error, CustomStringConvertible {
        package var description: String
    }

    /// Runs the adapter in `adapterDirectory` until the process is asked to stop.
    /// Metrics go to a registry of its own (served on `metricsPort`), so the
    /// process-wide `MetricsSystem` is left to the caller.
    package static func run(adapterDirectory: URL, bootstrapServers: String, metricsPort: Int,
                           settings: Settings = Settings(), logger: Logger = Logger(label: "hx.adapter")) async throws {
        let configuration = try AdapterConfiguration.load(directory: adapterDirectory).get()
        let service = try await makeService(configuration: configuration, adapterDirectory: adapterDirectory,
                                            bootstrapServers: bootstrapServers, metricsPort: metricsPort,
                                            registry: PrometheusCollectorRegistry(), settings: settings, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The drop folder an adapter watches. A relative path in adapter.yaml is read from the adapter's
    /// folder, where its README and samples are; one given on the command line, from the working directory.
    package static func dropFolder(configured: String, adapterDirectory: URL, override: String?) -> URL {
        if let override { return URL(fileURLWithPath: override, isDirectory: true) }
        return configured.hasPrefix("/") ? URL(fileURLWithPath: configured, isDirectory: true) : adapterDirectory.appendingPathComponent(configured, isDirectory: true)
    }

    /// Builds (and binds) everything `run` starts; tests call this with port 0 and their own registry.
    package static func makeService(configuration: AdapterConfiguration, adapterDirectory: URL, bootstrapServers: String,
                                   metricsPort: Int?, registry: PrometheusCollectorRegistry, settings: Settings,
                                   logger: Logger) async throws -> AdapterService {
        var client = KafkaClientConfiguration(bootstrapServers: bootstrapServers.split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) })
        client.clientID = "hx-adapter-\(configuration.name)"
        client.security = settings.security
        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.messageTimeout = settings.messageTimeout
        producerConfiguration.flushTimeoutOnClose = settings.flushTimeoutOnClose
        let factory = PrometheusMetricsFactory(registry: registry)
        let producerSettings = producerConfiguration
        let producer = try AdapterProducer(logger: logger) {
            try KafkaProducer(configuration: producerSettings, logger: logger, metricsFactory: factory)
        }
        let telemetry = AdapterTelemetry(adapter: configuration.name, factory: factory)
        let intake = AdapterIntake(publisher: AdapterPublisher(configuration: configuration, producer: producer, telemetry: telemetry, logger: logger),
                                   telemetry: telemetry, logger: logger)
        // Closes a bound source's port again when a later step fails.
        var releaseSource: (() -> Void)?
        do {
            let source: any Service
            switch configuration.source {
            case .mllp(let port):
                let listener = try await MLLPListener.bind(host: settings.listenHost, port: settings.mllpPort ?? port, intake: intake, logger: logger)
                releaseSource = listener.stopAccepting
                source = listener
            case .folder(let configured):
                let folder = dropFolder(configured: configured, adapterDirectory: adapterDirectory, override: settings.dropFolder)
                source = DropFolderSource(folder: folder, intake: intake, pollInterval: settings.folderPollInterval, logger: logger)
            case .http(let port, let path):
                let listener = try await FHIRHTTPListener.bind(host: settings.listenHost, port: settings.httpPort ?? port, path: path, intake: intake, logger: logger)
                releaseSource = listener.stopAccepting
                source = listener
            case .mesh(let mailbox, let answerAs):
                guard let access = settings.mesh, let mesh = access.configuration(mailbox: mailbox) else {
                    throw Unsupported(description: "adapter \(configuration.name) reads MESH mailbox \(mailbox): give --mesh-url, --mesh-password-file \(mailbox)=FILE and --mesh-shared-key-file")
                }
                let client = try MESHClient(mesh, logger: logger)
                // MESH's handshake at start: a wrong password or shared key stops here, not at the first poll.
                do {
                    try await client.handshake()
                } catch {
                    await client.shutdown()
                    throw error
                }
                source = MESHSource(client: client, mailbox: mailbox, answerAs: answerAs, intake: intake, pollInterval: access.pollInterval, logger: logger)
            }
            var metrics: MetricsServer?
            if let metricsPort {
                metrics = try await MetricsServer.bind(host: settings.listenHost, port: metricsPort, registry: registry,
                                                       component: "adapter:\(configuration.name)", logger: logger)
            }
            let heartbeat = Heartbeat(adapter: configuration.name, interval: settings.heartbeatInterval, producer: producer, telemetry: telemetry, logger: logger)
            return AdapterService(name: configuration.name, source: source, producer: producer, heartbeat: heartbeat, metricsServer: metrics, logger: logger)
        } catch {
            // Nothing half-built stays open: the source's port is released, the producer closed.
            releaseSource?()
            await producer.close()
            throw error
        }
    }
}
