import Foundation

/// The health beacon on `hx.heartbeat.v1` (compacted: the latest per component is kept).
/// Counts only: no message content, no identifiers of people.
package struct HeartbeatBeacon: Codable, Sendable, Equatable {
    package static let schemaIdentifier = "hx.heartbeat/1"
    package var schema: String = HeartbeatBeacon.schemaIdentifier
    /// The component, e.g. `adapter:<name>`: the record key too.
    package var component: String
    package var kind: String
    /// `running`, or `stopping` in the last beacon of a graceful shutdown.
    package var state: String
    package var startedAt: String
    package var sentAt: String
    package var counts: Counts

    package init(component: String, kind: String, state: String, startedAt: String, sentAt: String, counts: Counts) {
        self.component = component
        self.kind = kind
        self.state = state
        self.startedAt = startedAt
        self.sentAt = sentAt
        self.counts = counts
    }

    /// What the component has done since it started (an adapter's inputs and records).
    package struct Counts: Codable, Sendable, Equatable {
        package var received: Int
        package var published: Int
        package var rejected: Int
        package var kafkaFailures: Int

        package init(received: Int, published: Int, rejected: Int, kafkaFailures: Int) {
            self.received = received
            self.published = published
            self.rejected = rejected
            self.kafkaFailures = kafkaFailures
        }
    }

    package var jsonBytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { [UInt8]($0) } ?? Array("{}".utf8)
    }
}
