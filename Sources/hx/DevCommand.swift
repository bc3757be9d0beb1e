import ArgumentParser
import Foundation
import HXDevBroker
import HXDevStack
import Logging
import ServiceLifecycle

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Tools for developing on one machine.",
        subcommands: [Broker.self]
    )

    struct Broker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the local development broker (Tansu, in memory) in the foreground until Ctrl-C.",
            discussion: "Everything it holds is lost when it stops. Production runs on Apache Kafka (deploy/)."
        )

        @Option(help: "Port on 127.0.0.1 to listen on.")
        var port: Int = 9092

        func run() async throws {
            LogSetup.bootstrap()
            if DevBroker.canConnect(port: port) {
                throw ValidationError("something already listens on 127.0.0.1:\(port); choose another --port")
            }
            let logger = Logger(label: "hx.dev.broker")
            let service = DevBrokerService(broker: .onPort(port) { broker in
                let line = "development broker listening on \(broker.bootstrapServers) (log: \(broker.logFile.path)); Ctrl-C stops it\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            })
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
