import ArgumentParser
import Foundation
import HXDevBroker

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
            if DevBroker.canConnect(port: port) {
                throw ValidationError("something already listens on 127.0.0.1:\(port); choose another --port")
            }
            let broker = try await DevBroker.start(port: port)
            print("development broker listening on \(broker.bootstrapServers) (log: \(broker.logFile.path)); Ctrl-C stops it")
            // Ctrl-C reaches the broker too (same process group), so it ends with us.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    broker.waitUntilExit()
                    continuation.resume()
                }
            }
        }
    }
}
