import ArgumentParser
import Foundation
import HXAudit
import HXConfigFile
import HXPlace
import HXRouter
import HXService
import Logging
import Prometheus
import ServiceLifecycle

struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Apply the data sharing agreements to the canonical topics: deliveries, review, and the audit trail.",
        discussion: """
        Joins the consumer group hx-router over the canonical topics. For each batch it decides every \
        candidate recipient (hx route --explain shows the same decisions for one message) and writes, in one \
        Kafka transaction with the consumed offsets, the deliveries to hx.deliver.<recipient>, messages for \
        review to hx.review.v1, unreadable input to hx.dlq.v1, and one hash-chained audit record per decision \
        to hx.audit.ig.v1. Run several with different --instance names to share the work. SIGHUP reloads \
        --config (an invalid configuration is refused and the old one kept); SIGTERM or Ctrl-C stops after \
        the batch in hand. A bad configuration at start exits 78 with file, line and problem.
        """
    )

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var config: ConfigDirectoryOption

    @Option(help: "This router's name: unique among running routers and the same after a restart (env HX_ROUTER_INSTANCE; default the host name).")
    var instance: String = ProcessInfo.processInfo.environment["HX_ROUTER_INSTANCE"] ?? ProcessInfo.processInfo.hostName

    @Option(help: "File holding the key (at least 32 bytes) for audit record HMACs (env HX_AUDIT_KEY_FILE).")
    var auditKeyFile: String?

    @Option(help: "Most input records decided in one transaction.")
    var batchSize: Int = 500

    @Option(help: "Consumer group session timeout in seconds (librdkafka's default 45).")
    var sessionTimeout: Int?

    @Option(help: "Port for Prometheus /metrics and /health.")
    var metricsPort: Int = 9465

    @Option(help: "Address the metrics endpoint listens on.")
    var listen: String = "0.0.0.0"

    func run() async throws {
        LogSetup.bootstrap()
        let logger = Logger(label: "hx.router")
        let place = try Self.load(config.url)
        var client = try kafka.clientConfiguration(clientID: "hx-router-\(instance)")
        // librdkafka's statistics every 15 s give the input lag per partition on /metrics (hx_kafka_consumer_lag).
        client.statisticsInterval = .seconds(15)
        var settings = RouterSettings(client: client, instance: instance)
        settings.batchSize = batchSize
        settings.sessionTimeout = sessionTimeout.map { .seconds($0) }
        settings.auditKey = try loadAuditKey(auditKeyFile)
        let registry = PrometheusCollectorRegistry()
        let router = RouterService(settings: settings, configuration: place, logger: logger, metricsFactory: PrometheusMetricsFactory(registry: registry))
        let metrics = try await MetricsServer.bind(host: listen, port: metricsPort, registry: registry, component: "router-\(instance)", logger: logger)
        let reloader = ReloadOnHangup(directory: config.url, router: router, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: router, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: MetricsService(server: metrics)),
                .init(service: reloader),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The place configuration, or exit 78 with every problem named.
    static func load(_ directory: URL) throws -> PlaceConfiguration {
        do {
            return try PlaceConfiguration.load(directory: directory)
        } catch {
            report(error.issues)
            throw ExitCode(78)
        }
    }
}

/// The audit HMAC key from `--audit-key-file` or `HX_AUDIT_KEY_FILE`; nil when neither is given.
func loadAuditKey(_ option: String?) throws -> AuditKey? {
    guard let path = option ?? ProcessInfo.processInfo.environment["HX_AUDIT_KEY_FILE"] else { return nil }
    guard let bytes = FileManager.default.contents(atPath: path), bytes.count >= 32 else {
        throw ValidationError("--audit-key-file \(path): cannot be read or holds fewer than 32 bytes")
    }
    return AuditKey(bytes: Array(bytes))
}
