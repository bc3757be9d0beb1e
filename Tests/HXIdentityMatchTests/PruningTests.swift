import HXCanonical
import HXSyntheticPeople
import Testing
@testable import HXIdentityMatch

/// `IdentityMatcher.resolve` passes over candidates on their birth date, sex
/// and postcode alone (`MatchScorer.bound`) and stops scoring one once it
/// cannot reach the floor. That must change no outcome and no candidate
/// shown: here every labelled request is also resolved the slow way, every
/// blocked candidate scored in full, and the two compared.
@Suite struct PruningTests {
    static func slowResolve(_ subject: Demographics, in index: CandidateIndex, rule: LinkRule) -> (MatchOutcome, [MatchScore]) {
        let s = PreparedPerson(subject)
        var scored = index.candidates(s).map { (MatchScorer.score(s, nhsNumber: index.fact(at: $0).nhsNumber, index.person(at: $0)), $0) }
        scored.sort { $0.0.total != $1.0.total ? $0.0.total > $1.0.total : $0.0.nhsNumber.digits < $1.0.nhsNumber.digits }
        var considered = scored.map(\.0).filter { $0.total >= rule.reviewThreshold }
        guard let best = considered.first else { return (.none, []) }
        let bestPerson = index.person(at: scored[0].1)
        let rivals = index.household(bestPerson).filter { $0 != scored[0].1 && IdentityMatcher.household(bestPerson, index.person(at: $0)) }
        for rival in rivals where !considered.contains(where: { $0.nhsNumber == index.fact(at: rival).nhsNumber }) {
            considered.append(MatchScorer.score(s, nhsNumber: index.fact(at: rival).nhsNumber, index.person(at: rival)))
        }
        considered.sort { $0.total != $1.total ? $0.total > $1.total : $0.nhsNumber.digits < $1.nhsNumber.digits }
        let runnerUp = scored.count > 1 ? scored[1].0.total : nil
        if best.total >= rule.threshold, runnerUp.map({ best.total - $0 >= rule.margin }) ?? true, rivals.isEmpty {
            return (.linked, considered)
        }
        return (.review, considered)
    }

    @Test(arguments: [LinkRule(threshold: 32, margin: 6, reviewThreshold: 16), LinkRule(threshold: 28, margin: 12, reviewThreshold: 20)])
    func pruningChangesNothing(rule: LinkRule) {
        let index = LabelledSetTests.index
        var differing = 0
        for request in LabelledSetTests.people.requests {
            let fast = IdentityMatcher.resolve(request.demographics, in: index, rule: rule)
            let slow = Self.slowResolve(request.demographics, in: index, rule: rule)
            if fast.outcome != slow.0 || fast.candidates != slow.1 { differing += 1 }
        }
        #expect(differing == 0)
    }
}
