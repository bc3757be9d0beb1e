import HXCanonical
import Foundation
import HXKafka
import Logging
import ServiceLifecycle

/// The health beacon on `hx.heartbeat.v1` (compacted: the latest per component is kept).
/// Counts only: no message content, no identifiers of people.
package struct HeartbeatBeacon: Codable, Sendable, Equatable {
    package static let schemaIdentifier = "hx.heartbeat/1"
    package var schema: String = HeartbeatBeacon.schemaIdentifier
    /// `adapter:<name>`: the record key too.
    package var component: String
    package var kind: String
    /// `running`, or `stopping` in the last beacon of a graceful shutdown.
    package var state: String
    package var startedAt: String
    package var sentAt: String
    package var counts: AdapterTelemetry.Counts

    package init(component: String, kind: String, state: String, startedAt: String, sentAt: String, counts: AdapterTelemetry.Counts) {
        self.component = component
        self.kind = kind
        self.state = state
        self.startedAt = startedAt
        self.sentAt = sentAt
        self.counts = counts
    }

    package var jsonBytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { [UInt8]($0) } ?? Array("{}".utf8)
    }
}

/// Sends a beacon every `interval` until graceful shutdown, then a last one saying `stopping`.
package final class Heartbeat: Service, Sendable {
    package let componentID: String
    let interval: Duration
    let producer: AdapterProducer
    let telemetry: AdapterTelemetry
    let startedAt: Date
    let logger: Logger

    package init(adapter: String, interval: Duration, producer: AdapterProducer, telemetry: AdapterTelemetry,
                startedAt: Date = Date(), logger: Logger = Logger(label: "hx.adapter.heartbeat")) {
        self.componentID = "adapter:\(adapter)"
        self.interval = interval
        self.producer = producer
        self.telemetry = telemetry
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
        HeartbeatBeacon(component: componentID, kind: "adapter", state: state,
                        startedAt: startedAt.formatted(.iso8601), sentAt: now.formatted(.iso8601), counts: telemetry.counts)
    }

    /// One beacon, waited for (bounded by the producer's message timeout) so beacons never pile up.
    func beat(state: String) async {
        let record = KafkaOutgoingMessage(topic: HXTopic.heartbeat, key: Array(componentID.utf8), value: beacon(state: state).jsonBytes,
                                          headers: [KafkaHeader(HXHeader.adapter, telemetry.adapter)])
        do {
            let report = try await producer.send(batch: [record])[0]
            if let error = report.error {
                logger.warning("heartbeat not confirmed by Kafka", metadata: ["kafka.code": "\(error.code)"])
            }
        } catch {
            logger.debug("heartbeat skipped: producer closed")
        }
    }
}
