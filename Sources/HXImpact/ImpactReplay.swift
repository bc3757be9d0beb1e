import Foundation
import HXCanonical
import HXPlace
import HXPolicy

/// Decides inputs under both configurations and adds up the differences.
/// Feed it the reference data first (`timeline`), then the inputs.
package struct ImpactReplay: Sendable {
    package let current: PlaceConfiguration
    package let proposed: PlaceConfiguration
    package var timeline: ReferenceTimeline
    package private(set) var report = ImpactReport()
    /// The latest record time of this partition so far: what the reference state is brought to.
    private var latest: Int64?
    /// Message ids decided so far in this partition: a message sent again is not shared twice.
    private var seen: Set<UUID> = []

    /// Message types the proposal can decide differently; the others are decided once.
    package let affectedTypes: Set<MessageType>

    package init(current: PlaceConfiguration, proposed: PlaceConfiguration, timeline: ReferenceTimeline = ReferenceTimeline()) {
        self.current = current
        self.proposed = proposed
        self.timeline = timeline
        affectedTypes = Self.affectedTypes(current, proposed)
    }

    /// Every decision about a message of type T reads the organisations and groups and,
    /// of the agreements, only those whose `messageTypes` hold T (PolicyEngine filters
    /// every lookup by type). Where those are equal, in order, the decisions are equal.
    static func affectedTypes(_ a: PlaceConfiguration, _ b: PlaceConfiguration) -> Set<MessageType> {
        guard a.organisations == b.organisations, a.groups == b.groups else { return Set(MessageType.allCases) }
        return Set(MessageType.allCases.filter { type in
            a.agreements.filter { $0.messageTypes.contains(type) } != b.agreements.filter { $0.messageTypes.contains(type) }
        })
    }

    /// Each type's topic, made once (`MessageType.topic` builds the string each time).
    static let topics = Dictionary(uniqueKeysWithValues: MessageType.allCases.map { ($0, $0.topic) })

    /// The inputs that follow are another partition's. The router remembers the messages
    /// decided per chain, one chain per input partition, so repeats are recognised per partition too.
    package mutating func beginPartition() {
        seen.removeAll(keepingCapacity: true)
        latest = nil
    }

    package mutating func add(_ input: ImpactInput) {
        report.inputs += 1
        // As the router reads it (RouterStep.read): without a timestamp, unreadable or on the
        // wrong topic, it is dead-lettered whatever the agreements say.
        guard let time = input.timestampMilliseconds, let message = try? CanonicalJSON.decode(input.value),
              Self.topics[message.type] == input.topic else {
            report.notDecidable += 1
            return
        }
        guard seen.insert(message.id).inserted else {
            report.repeats += 1
            return
        }
        // The router reads a partition in order, knowing by each input what was written
        // before it or any earlier input: record times need not rise with offsets (senders'
        // clocks differ), and the reference state never goes back within a partition.
        let known = max(time, latest ?? time)
        latest = known
        timeline.advance(to: known)
        add(message, at: Instant(millisecondsSinceEpoch: time), consent: timeline.consent, identities: timeline.identities)
    }

    /// One message decided under both configurations with this consent and identity state.
    package mutating func add(_ message: CanonicalMessage, at: Instant, consent: ConsentState, identities: IdentityIndex) {
        let now = PolicyEngine.route(message, configuration: current, consent: consent, identities: identities, at: at)
        report.decided += 1
        guard affectedTypes.contains(message.type) else {
            // The proposal decides it exactly as today: nothing changes.
            var flows = 0
            for i in now.decisions.indices where ImpactComparison.flows(now.decisions[i].outcome) { flows += 1 }
            report.flowsCurrent += flows
            report.flowsProposed += flows
            return
        }
        let then = PolicyEngine.route(message, configuration: proposed, consent: consent, identities: identities, at: at)
        for i in now.decisions.indices where ImpactComparison.flows(now.decisions[i].outcome) { report.flowsCurrent += 1 }
        for i in then.decisions.indices where ImpactComparison.flows(then.decisions[i].outcome) { report.flowsProposed += 1 }
        let changes = ImpactComparison.compare(current: now, proposed: then)
        if !changes.isEmpty { report.changedInputs += 1 }
        for (key, count) in changes {
            // In place, and the field counts only when there are any: this runs for most inputs of a large change.
            if count.fieldsRemoved.isEmpty && count.fieldsRestored.isEmpty {
                report.lines[key, default: ImpactCount()].messages += count.messages
            } else {
                report.lines[key, default: ImpactCount()].merge(count)
            }
        }
    }
}
