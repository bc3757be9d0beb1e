import HXCanonical
import HXSyntheticPeople
import Testing
@testable import HXIdentityMatch

/// The labelled set of made-up people (HXSyntheticPeople, the generator
/// `make bench-identity` also uses) under the Halton link rule
/// (config/identity.yaml): zero wrong links; every kind of request linked or
/// sent to review as designed (`SyntheticPeople.Kind.designed`):
///
/// - linked: exact, family-typo, nickname, day-month-swap, birth-date-slip,
///   moved-known, missing-given, missing-postcode, double-barrelled,
///   earlier-name, common-name, shared-address;
/// - review, with the person among the candidates: moved-unknown (a new
///   postcode in another district the facts do not know yet: 28.5 < 32),
///   missing-birth-date (30 < 32), twins and parent-child (household);
/// - never linked: namesake, spouse, sibling, unseen-twin, stranger.
@Suite struct LabelledSetTests {
    static let rule = LinkRule(threshold: 32, margin: 6, reviewThreshold: 16)
    static let people = SyntheticPeople(seed: 18, facts: 8000, requests: 2100)
    static let index = CandidateIndex(facts: people.facts)
    static let results = people.requests.map { IdentityMatcher.resolve($0.demographics, in: index, rule: rule) }

    struct Tally {
        var cases = 0, linked = 0, right = 0, wrong = 0, review = 0
    }

    static let byKind: [SyntheticPeople.Kind: Tally] = {
        var out: [SyntheticPeople.Kind: Tally] = [:]
        for (request, result) in zip(people.requests, results) {
            var t = out[request.kind] ?? Tally()
            t.cases += 1
            if let linked = result.linked?.nhsNumber {
                t.linked += 1
                if linked == request.person { t.right += 1 } else { t.wrong += 1 }
            }
            if result.outcome == .review { t.review += 1 }
            out[request.kind] = t
        }
        return out
    }()

    @Test func sameSeedSameSet() {
        let again = SyntheticPeople(seed: 18, facts: 8000, requests: 2100)
        #expect(again.facts == Self.people.facts)
        #expect(again.requests.map(\.demographics) == Self.people.requests.map(\.demographics))
        #expect(SyntheticPeople(seed: 19, facts: 8000, requests: 10).facts != Self.people.facts)
    }

    @Test func noWrongLinks() {
        for kind in SyntheticPeople.Kind.allCases {
            let t = Self.byKind[kind] ?? Tally()
            print("labelled set: \(kind.rawValue) (\(kind.designed.rawValue)): \(t.cases) case(s), \(t.right) right link(s), \(t.wrong) wrong, \(t.review) review")
        }
        #expect(Self.byKind.values.reduce(0) { $0 + $1.wrong } == 0)
    }

    @Test(arguments: SyntheticPeople.Kind.allCases.filter { $0.designed == .link })
    func everyRequestOfAKindThatShouldLinkDoes(kind: SyntheticPeople.Kind) {
        let t = Self.byKind[kind] ?? Tally()
        #expect(t.cases >= 50)
        #expect(t.right == t.cases, "\(kind.rawValue): \(t.right) of \(t.cases)")
    }

    @Test(arguments: SyntheticPeople.Kind.allCases.filter { $0.designed == .review })
    func everyRequestOfAKindForReviewIsHeldWithItsPersonAmongTheCandidates(kind: SyntheticPeople.Kind) {
        var cases = 0
        for (request, result) in zip(Self.people.requests, Self.results) where request.kind == kind {
            cases += 1
            #expect(result.outcome == .review, "\(request.reference) \(kind.rawValue): \(result.reason)")
            #expect(result.candidates.contains { $0.nhsNumber == request.person })
            if kind == .twins || kind == .parentChild { #expect(result.candidates.count >= 2) }
        }
        #expect(cases >= 50)
    }

    @Test(arguments: SyntheticPeople.Kind.allCases.filter { $0.designed == .notLinked })
    func strangersAreNeverLinked(kind: SyntheticPeople.Kind) {
        let t = Self.byKind[kind] ?? Tally()
        #expect(t.cases >= 50)
        #expect(t.linked == 0)
    }
}
