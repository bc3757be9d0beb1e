import Foundation
import ArgumentParser
import HXAudit
import HXCanonical
import HXDelivery
import HXDeliveryWorker
import HXPlace
import HXService
import Logging
import Prometheus
import ServiceLifecycle

struct DeliverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Delivery to recipients' own systems (docs/design.md \"Delivery to recipients' systems\").",
        subcommands: [DeliverRunCommand.self, DeliverRenderCommand.self]
    )
}

struct DeliverRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print what a recipient's system would receive for a canonical message, without any network.",
        discussion: """
        Renders in the format of the recipient's delivery block (organisations.yaml). The ids inside (HL7 MSH-10 and \
        TXA-12, FHIR Bundle and resource ids) derive from the decision id: by default the one the router gives this \
        message and recipient. On a terminal HL7 v2 segments are shown one per line; piped, the bytes are exactly \
        those sent (segments end in a carriage return). Exit status 65 with a reason code when the message cannot \
        be rendered for that recipient, 78 when the configuration is wrong.
        """
    )

    @Option(help: "The place's configuration folder.")
    var config: String = "config"

    @Option(help: "The receiving organisation's code.")
    var recipient: String

    @Option(help: "The decision id to render for (default: the router's for this message and recipient).")
    var decisionId: String?

    @Argument(help: "A canonical message (hx.canonical/1 JSON), e.g. one of config/tests/messages.")
    var message: String

    func run() throws {
        let place = try loadPlace(config)
        let canonical: CanonicalMessage
        do {
            canonical = try CanonicalJSON.decode(Data(contentsOf: URL(fileURLWithPath: message)))
        } catch let error as CanonicalDecodingError {
            FileHandle.standardError.write(Data("\(message): \(error)\n".utf8))
            throw ExitCode(65)
        } catch {
            throw ValidationError("cannot read \(message): \(error.localizedDescription)")
        }
        let decision = decisionId ?? AuditIdentifiers.decisionId(messageId: canonical.id, recipient: recipient)
        do {
            let rendered = try DeliveryRenderer.render(canonical, decisionId: decision, recipient: recipient, configuration: place)
            var bytes = rendered.bytes
            if isatty(STDOUT_FILENO) == 1 {
                if rendered.fileExtension == "hl7" { bytes = bytes.map { $0 == 0x0D ? 0x0A : $0 } }
                if bytes.last != 0x0A { bytes.append(0x0A) }
            }
            FileHandle.standardOutput.write(Data(bytes))
        } catch {
            FileHandle.standardError.write(Data("hx deliver render: \(error.code.rawValue): \(error.message)\n".utf8))
            throw ExitCode(65)
        }
    }
}

struct DeliverRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Deliver what the router shares to each recipient's own system, and record what that system said.",
        discussion: """
        One worker per recipient with a delivery block in organisations.yaml (or per --recipient): it reads \
        hx.deliver.<code> in the consumer group hx-deliver-<code>, renders each record in the recipient's format and \
        hands it to the recipient's system (MLLP, FHIR over HTTP, a folder), one at a time and in topic order. Each \
        outcome goes to hx.delivery.v1 and into the recipient's audit chain delivery:<code> before the offset moves; \
        a failed delivery also becomes a dead letter (stage deliver), which hx dlq replay or the console can send \
        again with the same ids. /metrics and /health on --metrics-port. Exit status 78 when the configuration, \
        a recipient or a secret file is wrong.
        """
    )

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var config: ConfigDirectoryOption

    @Option(help: "A recipient to deliver to (repeatable; default every organisation with a delivery block).")
    var recipient: [String] = []

    @Option(help: "CODE=FILE: the bearer token for a fhir-http recipient, read from FILE (repeatable).")
    var bearerTokenFile: [String] = []

    @Option(help: "File holding the key (at least 32 bytes) for audit record HMACs (env HX_AUDIT_KEY_FILE).")
    var auditKeyFile: String?

    @OptionGroup var meshOptions: MESHOptions

    @Option(help: "Most settled deliveries recorded in one Kafka transaction.")
    var batchSize: Int = 100

    @Option(help: "Consumer group session timeout in seconds (librdkafka's default 45).")
    var sessionTimeout: Int?

    @Option(help: "Port for Prometheus /metrics and /health.")
    var metricsPort: Int = 9467

    @Option(help: "Address the metrics endpoint listens on.")
    var listen: String = "0.0.0.0"

    func run() async throws {
        LogSetup.bootstrap()
        let logger = Logger(label: "hx.deliver")
        let place = try RouterCommand.load(config.url)
        let codes = recipient.isEmpty ? place.organisations.filter { $0.delivery != nil }.map(\.code) : recipient
        guard !codes.isEmpty else {
            FileHandle.standardError.write(Data("hx deliver run: no organisation in \(config.config)/organisations.yaml has a delivery block\n".utf8))
            throw ExitCode(78)
        }
        let tokens = try SecretFiles(command: "hx deliver run").pairs(bearerTokenFile, option: "--bearer-token-file")
        let mesh = try meshOptions.access(command: "hx deliver run")
        var problems: [String] = []
        for code in codes {
            do { try DeliveryWorker.check(recipient: code, configuration: place, bearerToken: tokens[code], mesh: mesh) } catch { problems.append(error.description) }
        }
        guard problems.isEmpty else {
            for problem in problems { FileHandle.standardError.write(Data("hx deliver run: \(problem)\n".utf8)) }
            throw ExitCode(78)
        }
        if let mesh {
            // MESH's handshake at start: a wrong password or shared key stops here, not at the first send.
            do {
                for warning in try await DeliveryWorker.handshake(recipients: codes, configuration: place, mesh: mesh) {
                    logger.warning("\(warning)")
                }
            } catch {
                FileHandle.standardError.write(Data("hx deliver run: \(error.description)\n".utf8))
                throw ExitCode(78)
            }
        }
        let client = try kafka.clientConfiguration(clientID: "hx-deliver")
        let auditKey = try loadAuditKey(auditKeyFile)
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for code in codes {
            var settings = DeliveryWorkerSettings(client: client, recipient: place.organisation(code)!.code)
            settings.auditKey = auditKey
            settings.bearerToken = tokens[code]
            settings.mesh = mesh
            settings.batchSize = batchSize
            settings.sessionTimeout = sessionTimeout.map { .seconds($0) }
            let worker = DeliveryWorker(settings: settings, configuration: place, logger: logger, metricsFactory: factory)
            services.append(.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        let metrics = try await MetricsServer.bind(host: listen, port: metricsPort, registry: registry, component: "deliver", logger: logger)
        services.append(.init(service: MetricsService(server: metrics)))
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }
}
