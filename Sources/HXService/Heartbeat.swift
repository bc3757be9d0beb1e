import HXCanonical
import Foundation
import HXKafka
import Logging
import ServiceLifecycle

/// Sends a beacon every `interval` until graceful shutdown, then a last one saying `stopping`.
package final class Heartbeat: Service, Sendable {
    /// The beacon's component and record key, e.g. `adapter:<name>`.
    package let componentID: String
    let kind: String
    let interval: Duration
    /// Headers on every beacon record (an adapter's `hx-adapter`).
    let headers: [KafkaHeader]
    let counts: @Sendable () -> HeartbeatBeacon.Counts
    let send: @Sendable ([KafkaOutgoingMessage]) async throws -> KafkaDeliveryReports
    let startedAt: Date
    let logger: Logger

    /// - Parameters:
    ///   - counts: the component's counts as of each beacon.
    ///   - send: sends a batch and returns Kafka's reports (the component's own producer).
    package init(component: String, kind: String, interval: Duration, headers: [KafkaHeader] = [], startedAt: Date = Date(),
                 logger: Logger = Logger(label: "hx.heartbeat"),
                 counts: @escaping @Sendable () -> HeartbeatBeacon.Counts,
                 send: @escaping @Sendable ([KafkaOutgoingMessage]) async throws -> KafkaDeliveryReports) {
        self.componentID = component
        self.kind = kind
        self.interval = interval
        self.headers = headers
        self.counts = counts
        self.send = send
        self.startedAt = startedAt
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await beat(state: "running")
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        if !Task.isCancelled { await beat(state: "stopping") }
    }

    func beacon(state: String, at now: Date = Date()) -> HeartbeatBeacon {
        HeartbeatBeacon(component: componentID, kind: kind, state: state,
                        startedAt: startedAt.formatted(.iso8601), sentAt: now.formatted(.iso8601), counts: counts())
    }

    /// One beacon, waited for (bounded by the producer's message timeout) so beacons never pile up.
    func beat(state: String) async {
        let record = KafkaOutgoingMessage(topic: HXTopic.heartbeat, key: Array(componentID.utf8), value: beacon(state: state).jsonBytes,
                                          headers: headers)
        do {
            let report = try await send([record])[0]
            if let error = report.error {
                logger.warning("heartbeat not confirmed by Kafka", metadata: ["kafka.code": "\(error.code)"])
            }
        } catch {
            logger.debug("heartbeat skipped: producer closed")
        }
    }
}
