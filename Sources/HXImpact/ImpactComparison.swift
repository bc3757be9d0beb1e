import HXCanonical
import HXPolicy

/// The difference between two decisions for the same message: pure, so the
/// report is tested without Kafka and a message decides the same way here as in
/// the router.
package enum ImpactComparison {
    /// What changes for each recipient either configuration considers, in the
    /// current result's recipient order, then the proposal's new ones.
    package static func compare(current: RoutingResult, proposed: RoutingResult) -> [(ImpactKey, ImpactCount)] {
        var out: [(ImpactKey, ImpactCount)] = []
        // By index: a Decision copy retains its many arrays and strings.
        func index(_ recipient: String, in result: RoutingResult) -> Int? {
            result.decisions.indices.first { result.decisions[$0].recipient == recipient }
        }
        for i in current.decisions.indices {
            let recipient = current.decisions[i].recipient
            let j = index(recipient, in: proposed)
            // Delivered under neither: no flow either way, whatever the reasons.
            guard flows(current.decisions[i].outcome) || flows(j.map { proposed.decisions[$0].outcome }) else { continue }
            if let found = compare(current.decisions[i], j.map { proposed.decisions[$0] }, recipient: recipient) { out.append(found) }
        }
        for j in proposed.decisions.indices where flows(proposed.decisions[j].outcome) && index(proposed.decisions[j].recipient, in: current) == nil {
            if let found = compare(nil, proposed.decisions[j], recipient: proposed.decisions[j].recipient) { out.append(found) }
        }
        return out
    }

    static func flows(_ outcome: Decision.Outcome?) -> Bool {
        outcome == .deliver || outcome == .deliverRedacted
    }

    static func compare(_ now: Decision?, _ then: Decision?, recipient: String) -> (ImpactKey, ImpactCount)? {
        switch (flows(now?.outcome), flows(then?.outcome)) {
        case (false, false):
            return nil
        case (true, false):
            let reason = then?.reasons.first ?? ImpactReason.notCandidate
            return (ImpactKey(change: .stop, agreement: now?.agreement?.id, recipient: recipient, reason: reason), ImpactCount(messages: 1))
        case (false, true):
            let reason = now?.reasons.first ?? ImpactReason.notCandidate
            return (ImpactKey(change: .start, agreement: then?.agreement?.id, recipient: recipient, reason: reason), ImpactCount(messages: 1))
        case (true, true):
            guard let now, let then, now.outcome != then.outcome || now.removedFields != then.removedFields else { return nil }
            let before = fieldCounts(now.removedFields), after = fieldCounts(then.removedFields)
            var count = ImpactCount(messages: 1)
            for (field, n) in after where n > before[field, default: 0] { count.fieldsRemoved[field] = 1 }
            for (field, n) in before where n > after[field, default: 0] { count.fieldsRestored[field] = 1 }
            let key = ImpactKey(change: .changeForm, agreement: then.agreement?.id, recipient: recipient, reason: formReason(now, then))
            return (key, count)
        }
    }

    /// The redaction the proposal adds, else the one it drops, else a change of minimisation alone.
    static func formReason(_ now: Decision, _ then: Decision) -> String {
        func redactions(_ d: Decision) -> [String] { d.reasons.filter(redactionCodes.contains) }
        let before = redactions(now), after = redactions(then)
        return after.first { !before.contains($0) } ?? before.first { !after.contains($0) } ?? ImpactReason.minimisationChanged
    }

    static let redactionCodes = Set(SensitivityLabel.allCases.map(ReasonCode.sensitivityRedacted))

    /// Removed paths counted by field, list items by list: `payload.diagnoses[2]` is
    /// `payload.diagnoses[]`, so lines add up across messages of different lengths.
    static func fieldCounts(_ paths: [String]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for path in paths {
            if let open = path.firstIndex(of: "["), path.hasSuffix("]") {
                counts[path[..<open] + "[]", default: 0] += 1
            } else {
                counts[path, default: 0] += 1
            }
        }
        return counts
    }
}
