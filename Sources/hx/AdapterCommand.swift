import Foundation
import ArgumentParser
import HXAdapterRuntime
import HXConfigFile
import HXMESH
import HXTranslate
import Logging

struct AdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter",
        abstract: "Run an organisation's feed adapter.",
        subcommands: [Run.self, Send.self]
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

        @Option(help: "Drop folder, overriding adapter.yaml.")
        var dropFolder: String?

        @OptionGroup var meshOptions: MESHOptions

        func run() async throws {
            LogSetup.bootstrap()
            let directory = AdapterCommand.directory(adapter)
            var settings = AdapterCommandRunner.Settings()
            settings.listenHost = listen
            settings.mllpPort = mllpPort
            settings.httpPort = httpPort
            settings.dropFolder = dropFolder
            settings.security = try kafka.clientConfiguration(clientID: "hx-adapter").security
            settings.mesh = try meshOptions.access(command: "hx adapter run")
            do {
                try await AdapterCommandRunner.run(
                    adapterDirectory: directory, bootstrapServers: kafka.bootstrapServers, metricsPort: metricsPort,
                    settings: settings, logger: Logger(label: "hx.adapter"))
            } catch let errors as ConfigErrors {
                report(errors.issues)
                throw ExitCode(78)
            } catch let error as AdapterCommandRunner.Unsupported {
                SecretFiles(command: "hx adapter run").refuse(error.description)
            } catch let error as MESHError {
                // A refused handshake (wrong password or shared key), a certificate file unreadable: configuration.
                SecretFiles(command: "hx adapter run").refuse(error.description)
            }
        }
    }

    /// An adapter named on the command line: its name under adapters/, or a folder holding adapter.yaml.
    static func directory(_ adapter: String) -> URL {
        let direct = URL(fileURLWithPath: adapter, isDirectory: true)
        return FileManager.default.fileExists(atPath: direct.appendingPathComponent("adapter.yaml").path)
            ? direct : URL(fileURLWithPath: "adapters/\(adapter)", isDirectory: true)
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send files to a running adapter through its source, as the organisation's system would, and print its answers.",
            discussion: """
            Each file goes as one MLLP frame (waiting for the ACK), one HTTP POST (waiting for the status), or a \
            file written into the drop folder's incoming/ (waiting until it moves to done/ or rejected/), as the \
            adapter's adapter.yaml says; --port and --drop-folder override where. For checking a deployed adapter \
            end to end. Exit status 0 when every file was accepted, 65 when any was refused (a dead letter was \
            written), 75 when any was not taken (send it again later).
            """
        )

        @Argument(help: ArgumentHelp("The adapter: its name under adapters/, or a folder holding adapter.yaml.", valueName: "NAME"))
        var adapter: String

        @Argument(help: "The files to send, in order.")
        var files: [String]

        @Option(help: "Host the adapter listens on.")
        var host: String = "127.0.0.1"

        @Option(help: "MLLP or HTTP port, overriding adapter.yaml.")
        var port: Int?

        @Option(help: "Drop folder, overriding adapter.yaml.")
        var dropFolder: String?

        @Option(help: "Seconds to wait for each answer.")
        var timeout: Int = 30

        func run() async throws {
            let directory = AdapterCommand.directory(adapter)
            let configuration: AdapterConfiguration
            switch AdapterConfiguration.load(directory: directory) {
            case .success(let loaded): configuration = loaded
            case .failure(let errors):
                report(errors.issues)
                throw ExitCode(78)
            }
            let endpoint: SourceFeeder.Endpoint
            switch configuration.source {
            case .mllp(let configured): endpoint = .mllp(host: host, port: port ?? configured)
            case .http(let configured, let path): endpoint = .http(host: host, port: port ?? configured, path: path)
            case .folder(let configured):
                endpoint = .folder(AdapterCommandRunner.dropFolder(configured: configured, adapterDirectory: directory, override: dropFolder))
            case .mesh(let mailbox, _):
                throw ValidationError("\(configuration.name) reads MESH mailbox \(mailbox): send to it through MESH, not with hx adapter send")
            }
            var status: Int32 = 0
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("\(file): cannot be read")
                }
                let name = URL(fileURLWithPath: file).lastPathComponent
                let answer: SourceFeeder.Answer
                do {
                    answer = try await SourceFeeder.send(Array(data), name: name, to: endpoint, timeout: .seconds(timeout))
                } catch {
                    answer = .notTaken("\(error)")
                }
                print("\(name): \(answer) (\(endpoint))")
                switch answer {
                case .accepted: break
                case .refused: status = max(status, 65)
                case .notTaken: status = max(status, 75)
                }
            }
            if status != 0 { throw ExitCode(status) }
        }
    }
}
