import HXKafka
import HXService
import Logging
import ServiceLifecycle

/// One adapter process: its source, heartbeat and metrics endpoint running
/// together over one producer.
///
/// Graceful shutdown: every component stops on its own signal (the source
/// stops accepting and finishes the input in hand, the heartbeat sends a
/// last `stopping` beacon, the endpoint closes); once all have returned the
/// producer is flushed and closed. Components run as child tasks of `run`,
/// so nothing outlives it.
package final class AdapterService: Service, Sendable {
    package let name: String
    /// The `MLLPListener`, `FHIRHTTPListener` or `DropFolderSource` (tests read the bound port from it).
    package let source: any Service
    package let metricsServer: MetricsServer?
    let components: [any Service]
    let producer: AdapterProducer
    let logger: Logger

    package struct ComponentStopped: Error, CustomStringConvertible {
        package var description: String { "an adapter component stopped before shutdown was requested" }
    }

    /// - Parameters:
    ///   - source: an `MLLPListener`, a `FHIRHTTPListener` or a `DropFolderSource`.
    package init(name: String, source: any Service, producer: AdapterProducer, heartbeat: Heartbeat?, metricsServer: MetricsServer?,
                logger: Logger = Logger(label: "hx.adapter")) {
        self.name = name
        self.source = source
        self.metricsServer = metricsServer
        var components: [any Service] = [source]
        if let heartbeat { components.append(heartbeat) }
        if let metricsServer { components.append(metricsServer) }
        self.components = components
        self.producer = producer
        self.logger = logger
    }

    package func run() async throws {
        logger.info("adapter running", metadata: ["hx.adapter": "\(name)"])
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for component in components {
                    group.addTask { try await component.run() }
                }
                while try await group.next() != nil {
                    // A component that ends on its own would leave the adapter half working:
                    // fail, so that the others are cancelled and the process restarts.
                    if !Task.isShuttingDownGracefully && !Task.isCancelled { throw ComponentStopped() }
                }
            }
        } catch {
            await producer.close()
            logger.error("adapter stopped on an error", metadata: ["hx.adapter": "\(name)", "error.type": "\(type(of: error))"])
            throw error
        }
        // Every input was answered; what librdkafka still holds (heartbeats) is flushed, bounded.
        await producer.close()
        logger.info("adapter stopped", metadata: ["hx.adapter": "\(name)"])
    }
}

extension MLLPListener: Service {}
extension FHIRHTTPListener: Service {}
