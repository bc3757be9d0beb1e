import HXCanonical
import HXPolicy

/// The consent directives and identity facts in the order they were written
/// (their record timestamps), so an input is decided with the state the router
/// had when the input arrived: a directive or fact written later is not yet
/// known. `ConsentState` also judges each directive by its own `recordedAt`.
package struct ReferenceTimeline: Sendable {
    package enum Event: Sendable {
        case consent(ConsentDirective)
        case identity(IdentityFact)
    }

    private var events: [(time: Int64, sequence: Int, event: Event)] = []
    private var sorted = true
    /// How many of `events` the state below holds.
    private var applied = 0
    package private(set) var consent = ConsentState()
    package private(set) var identities = IdentityIndex()

    package init() {}

    package var count: Int { events.count }

    /// Adds an event written at `time` (ms since 1970); one without a timestamp counts as known from the start.
    package mutating func add(_ event: Event, at time: Int64?) {
        events.append((time ?? Int64.min, events.count, event))
        sorted = false
    }

    /// Brings the state to what was written up to and including `time`. Inputs
    /// mostly come in time order, so this moves forward; an input earlier than
    /// the last event applied starts the state again from the beginning.
    package mutating func advance(to time: Int64) {
        if !sorted {
            events.sort { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
            sorted = true
            reset()
        }
        if applied > 0 && events[applied - 1].time > time { reset() }
        while applied < events.count && events[applied].time <= time {
            switch events[applied].event {
            case .consent(let directive): consent.add(directive)
            case .identity(let entry): identities.replace(with: entry)
            }
            applied += 1
        }
    }

    private mutating func reset() {
        applied = 0
        consent = ConsentState()
        identities = IdentityIndex()
    }
}
