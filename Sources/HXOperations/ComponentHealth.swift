import Foundation
import HXService

/// Whether a component is alive, from its last heartbeat. Pure.
package struct ComponentHealth: Sendable, Equatable {
    package init(component: String, kind: String, state: State, lastBeat: Date?, startedAt: Date?, received: Int, published: Int, rejected: Int) {
        self.component = component
        self.kind = kind
        self.state = state
        self.lastBeat = lastBeat
        self.startedAt = startedAt
        self.received = received
        self.published = published
        self.rejected = rejected
    }

    package enum State: String, Sendable {
        /// Beating on time.
        case up
        /// Missed a few beats: worth a look.
        case late
        /// Silent for long: its feed is not being taken in.
        case down
        /// Said goodbye in a graceful shutdown.
        case stopped
    }

    package var component: String
    package var kind: String
    package var state: State
    package var lastBeat: Date?
    package var startedAt: Date?
    package var received: Int
    package var published: Int
    package var rejected: Int

    /// Late after three missed beats, down after ten: one slow beat on a busy
    /// broker is not an alarm on a wall screen.
    package static func judge(_ beacon: HeartbeatBeacon, now: Date, interval: TimeInterval) -> ComponentHealth {
        let sent = Self.parse(beacon.sentAt)
        let state: State
        if beacon.state == "stopping" {
            state = .stopped
        } else if let sent {
            let age = now.timeIntervalSince(sent)
            state = age <= 3 * interval ? .up : age <= 10 * interval ? .late : .down
        } else {
            state = .down
        }
        return ComponentHealth(
            component: beacon.component, kind: beacon.kind, state: state, lastBeat: sent, startedAt: parse(beacon.startedAt),
            received: beacon.counts.received, published: beacon.counts.published, rejected: beacon.counts.rejected)
    }

    static func parse(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }
}
