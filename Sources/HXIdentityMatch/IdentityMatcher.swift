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
    /// The runner-up's score, whether considered or not; nil with fewer than two candidates, or when it is below
    /// both the review threshold and the threshold less the margin (such candidates are not scored in full).
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
        let sq = s.quick()
        // A candidate below this can change nothing: it is not shown for review, and as runner-up
        // it is more than the margin behind any candidate that reaches the threshold.
        let floor = min(rule.reviewThreshold, rule.threshold - rule.margin)
        var scored: [(score: MatchScore, slot: Int32)] = []
        for slot in index.candidates(s, keeping: { MatchScorer.bound(sq, $0) >= floor }) {
            if let score = index.score(s, slot: slot, floor: floor) {
                scored.append((score, slot))
            }
        }
        scored.sort { $0.score.total != $1.score.total ? $0.score.total > $1.score.total : $0.score.nhsNumber.digits < $1.score.nhsNumber.digits }
        var considered = scored.map(\.score).filter { $0.total >= rule.reviewThreshold }
        let runnerUp = scored.count > 1 && scored[1].score.total >= floor ? scored[1].score.total : nil
        guard let best = considered.first else {
            return MatchResult(outcome: .none, reason: "no-candidate", candidates: [], runnerUp: runnerUp)
        }
        // Rivals in the best candidate's household, looked up from its own details.
        let bestSlot = scored[0].slot
        let rivals = index.householdRivals(of: bestSlot)
        for rival in rivals {
            let n = index.fact(at: rival).nhsNumber
            if !considered.contains(where: { $0.nhsNumber == n }) {
                considered.append(MatchScorer.score(s, nhsNumber: n, index.person(at: rival)))
            }
        }
        considered.sort { $0.total != $1.total ? $0.total > $1.total : $0.nhsNumber.digits < $1.nhsNumber.digits }
        let reason: String
        if best.total < rule.threshold {
            reason = "below-threshold"
        } else if let second = runnerUp, best.total - second < rule.margin {
            reason = "within-margin"
        } else if best.total - rule.margin <= CandidateIndex.unseenBelow {
            // A candidate the blocks do not hold could be within the margin (only with a margin
            // wider than any rule of ours: at 32 and 6 the runner-up would need 26).
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
        guard FieldComparators.sameFamilyOrPart(a, b) else { return false }
        let sameHome = (a.postcode?.unit != nil && a.postcode?.unit == b.postcode?.unit)
            || [.exact, .close].contains(FieldComparators.address(a, b).agreement)
        guard sameHome else { return false }
        let given = FieldComparators.given(a, b)
        return FieldComparators.birthDate(a, b).agreement == .exact || given.agreement == .exact || given.detail == "nickname"
    }
}
