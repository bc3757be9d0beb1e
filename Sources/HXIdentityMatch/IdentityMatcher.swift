import HXCanonical

package enum MatchOutcome: String, Sendable, Equatable {
    /// One candidate is far enough ahead to be this person.
    case linked
    /// Candidates worth a person's look, none of which may be linked.
    case review
    /// Nobody comes close.
    case none
}

/// What matching made of one subject.
package struct MatchResult: Sendable, Equatable {
    package var outcome: MatchOutcome
    /// Why: `linked`, `no-candidate`, `below-threshold`, `within-margin` or `household` (a twin,
    /// or a parent and child of one name, at the same address as the best candidate).
    package var reason: String
    /// The candidates considered, best first (ties by NHS number): those at or above the review
    /// threshold and any household rival of the best.
    package var candidates: [MatchScore]
    /// The runner-up's score, whether considered or not; nil with fewer than two candidates.
    package var runnerUp: Double?

    /// The linked candidate's score, when linked.
    package var linked: MatchScore? { outcome == .linked ? candidates.first : nil }
}

/// Scores a subject against its blocked candidates and applies the place's
/// link rule (pure). Precision first: a wrong link sends one person's record
/// to another person's GP, so anything short of one clear candidate is
/// left to a person.
package enum IdentityMatcher {
    package static func resolve(_ subject: Demographics, in index: CandidateIndex, rule: LinkRule) -> MatchResult {
        let s = PreparedPerson(subject)
        let found = index.candidates(s)
        var scored = found.map { MatchScorer.score(s, nhsNumber: $0.0.nhsNumber, $0.1) }
        scored.sort { $0.total != $1.total ? $0.total > $1.total : $0.nhsNumber.digits < $1.nhsNumber.digits }
        var considered = scored.filter { $0.total >= rule.reviewThreshold }
        let runnerUp = scored.count > 1 ? scored[1].total : nil
        guard let best = considered.first else {
            return MatchResult(outcome: .none, reason: "no-candidate", candidates: [], runnerUp: runnerUp)
        }
        // Rivals in the best candidate's household, looked up from its own details.
        let bestPerson = found.first { $0.0.nhsNumber == best.nhsNumber }!.1
        let rivals = index.household(bestPerson).filter { $0.0.nhsNumber != best.nhsNumber && household(bestPerson, $0.1) }
        for rival in rivals where !considered.contains(where: { $0.nhsNumber == rival.0.nhsNumber }) {
            considered.append(MatchScorer.score(s, nhsNumber: rival.0.nhsNumber, rival.1))
        }
        considered.sort { $0.total != $1.total ? $0.total > $1.total : $0.nhsNumber.digits < $1.nhsNumber.digits }
        let reason: String
        if best.total < rule.threshold {
            reason = "below-threshold"
        } else if let second = runnerUp, best.total - second < rule.margin {
            reason = "within-margin"
        } else if !rivals.isEmpty {
            reason = "household"
        } else {
            return MatchResult(outcome: .linked, reason: "linked", candidates: considered, runnerUp: runnerUp)
        }
        return MatchResult(outcome: .review, reason: reason, candidates: considered, runnerUp: runnerUp)
    }

    /// Two people of one family name at one address who a single slip could
    /// confuse: twins (one birth date) or a parent and child of one given name.
    static func household(_ a: PreparedPerson, _ b: PreparedPerson) -> Bool {
        let family = FieldComparators.family(a, b)
        guard family.agreement == .exact || family.detail == "one-part" else { return false }
        let sameHome = (a.postcode?.unit != nil && a.postcode?.unit == b.postcode?.unit)
            || [.exact, .close].contains(FieldComparators.address(a, b).agreement)
        guard sameHome else { return false }
        let given = FieldComparators.given(a, b)
        return FieldComparators.birthDate(a, b).agreement == .exact || given.agreement == .exact || given.detail == "nickname"
    }
}
