import HXCanonical

/// One record of a canonical topic, as read.
package struct ImpactInput: Sendable {
    package var topic: String
    /// The record's timestamp (ms since 1970): the time the router judged it at.
    package var timestampMilliseconds: Int64?
    package var value: [UInt8]

    package init(topic: String, timestampMilliseconds: Int64?, value: [UInt8]) {
        self.topic = topic
        self.timestampMilliseconds = timestampMilliseconds
        self.value = value
    }
}

/// What the impact report adds up: every input decided under both
/// configurations, with the consent and identity state of its time.
package struct ImpactReport: Sendable, Equatable {
    /// Records read in the window.
    package var inputs = 0
    /// Inputs decided under both configurations.
    package var decided = 0
    /// Messages already decided earlier in the window (the router decides a message once).
    package var repeats = 0
    /// Records the router dead-letters under either configuration (unreadable, on the wrong
    /// topic, without a timestamp): not decided, so no flow changes.
    package var notDecidable = 0
    /// Inputs with at least one flow that starts, stops or changes form.
    package var changedInputs = 0
    /// Deliveries under each configuration.
    package var flowsCurrent = 0
    package var flowsProposed = 0
    package var lines: [ImpactKey: ImpactCount] = [:]

    package init() {}

    /// Lines in a stable order: stops, starts, changes of form; then agreement, recipient, reason.
    package var sortedLines: [(key: ImpactKey, count: ImpactCount)] {
        lines.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Adds another part of the same window (another worker's partitions).
    package mutating func merge(_ other: ImpactReport) {
        inputs += other.inputs
        decided += other.decided
        repeats += other.repeats
        notDecidable += other.notDecidable
        changedInputs += other.changedInputs
        flowsCurrent += other.flowsCurrent
        flowsProposed += other.flowsProposed
        lines.merge(other.lines) { a, b in
            var sum = a
            sum.merge(b)
            return sum
        }
    }

    package func total(_ change: ImpactChange) -> Int {
        lines.filter { $0.key.change == change }.reduce(0) { $0 + $1.value.messages }
    }
}
