import ArgumentParser
import Foundation
import HXAdapterRuntime
import HXConfigFile
import Logging

struct AdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter",
        abstract: "Run an organisation's feed adapter.",
        subcommands: [Run.self]
    )

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Receive an organisation's feed (MLLP, HTTP or drop folder), translate it and publish it to Kafka.",
            discussion: """
            The sender gets its ACK, or the file moves to done/, only after Kafka has confirmed the \
            messages; rejected input goes to hx.dlq.v1 with its reason code and location, the sender gets \
            a NAK AE / HTTP 400 with an OperationOutcome / the file moves to rejected/. Heartbeats go to hx.heartbeat.v1; Prometheus metrics \
            and /health are served on --metrics-port. SIGTERM or Ctrl-C stops it after in-flight messages.
            """
        )

        @OptionGroup var kafka: KafkaOptions

        @Argument(help: ArgumentHelp("The adapter: its name under adapters/, or a folder holding adapter.yaml.", valueName: "NAME"))
        var adapter: String

        @Option(help: "Port for Prometheus /metrics and /health.")
        var metricsPort: Int = 9464

        @Option(help: "Address the source and metrics listen on.")
        var listen: String = "0.0.0.0"

        @Option(help: "MLLP port, overriding adapter.yaml.")
        var mllpPort: Int?

        @Option(help: "HTTP (FHIR) port, overriding adapter.yaml.")
        var httpPort: Int?

        func run() async throws {
            LogSetup.bootstrap()
            let direct = URL(fileURLWithPath: adapter, isDirectory: true)
            let directory = FileManager.default.fileExists(atPath: direct.appendingPathComponent("adapter.yaml").path)
                ? direct : URL(fileURLWithPath: "adapters/\(adapter)", isDirectory: true)
            var settings = AdapterCommandRunner.Settings()
            settings.listenHost = listen
            settings.mllpPort = mllpPort
            settings.httpPort = httpPort
            settings.security = try kafka.clientConfiguration(clientID: "hx-adapter").security
            do {
                try await AdapterCommandRunner.run(
                    adapterDirectory: directory, bootstrapServers: kafka.bootstrapServers, metricsPort: metricsPort,
                    settings: settings, logger: Logger(label: "hx.adapter"))
            } catch let errors as ConfigErrors {
                report(errors.issues)
                throw ExitCode(78)
            }
        }
    }
}
