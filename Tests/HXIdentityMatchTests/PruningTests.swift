import HXCanonical
import HXSyntheticPeople
import Testing
@testable import HXIdentityMatch

/// The fast path of `IdentityMatcher.resolve` against the slow one it
/// replaced, on every labelled request: the slow one finds candidates with
/// the earlier blocks (birth date; family name's sound with birth year, or
/// with postcode sector) and scores every one in full; the fast one uses the
/// narrower sound + year-and-month and sound + year-and-day blocks, passes
/// over candidates on their birth date, sex and postcode alone
/// (`MatchScorer.bound`), and stops scoring one once it cannot reach the
/// floor. Same outcome and same candidates shown, for each rule.
@Suite struct PruningTests {
    /// The earlier blocks, built here from the index's prepared facts.
    struct OldBlocks {
        var blocks: [String: [Int32]] = [:]

        static func keys(_ p: PreparedPerson) -> Set<String> {
            var keys: Set<String> = []
            if p.birth != 0 { keys.insert("B\(p.birth)") }
            let sectors = ([p.postcode] + p.earlierPostcodes.map(Optional.some)).compactMap { $0?.sector }
            for sound in CandidateIndex.sounds(p) {
                if p.birth != 0 { keys.insert("Y\(sound)\(p.birth / 10000)") }
                for sector in sectors { keys.insert("S\(sound)\(sector)") }
            }
            return keys
        }

        init(_ index: CandidateIndex) {
            for slot in 0..<Int32(index.count) {
                for key in Self.keys(index.person(at: slot)) { blocks[key, default: []].append(slot) }
            }
        }

        func candidates(_ s: PreparedPerson) -> [Int32] {
            Array(Set(Self.keys(s).flatMap { blocks[$0] ?? [] })).sorted()
        }
    }

    static let old = OldBlocks(LabelledSetTests.index)

    static func slowResolve(_ subject: Demographics, in index: CandidateIndex, rule: LinkRule) -> (MatchOutcome, [MatchScore]) {
        let s = PreparedPerson(subject)
        var scored = old.candidates(s).map { (MatchScorer.score(s, nhsNumber: index.fact(at: $0).nhsNumber, index.person(at: $0)), $0) }
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

    @Test(arguments: [LinkRule(threshold: 32, margin: 6, reviewThreshold: 16), LinkRule(threshold: 28, margin: 12, reviewThreshold: 20),
                      LinkRule(threshold: 36, margin: 4, reviewThreshold: 24)])
    func theFastPathChangesNothing(rule: LinkRule) {
        let index = LabelledSetTests.index
        var differing: [String] = []
        for request in LabelledSetTests.people.requests {
            let fast = IdentityMatcher.resolve(request.demographics, in: index, rule: rule)
            let slow = Self.slowResolve(request.demographics, in: index, rule: rule)
            if fast.outcome != slow.0 || fast.candidates != slow.1 { differing.append("\(request.reference) \(request.kind.rawValue)") }
        }
        #expect(differing.isEmpty, "\(differing.prefix(10))")
    }

    /// Under a rule whose margin is wider than the blocks can vouch for, nothing is linked.
    @Test func aMarginWiderThanTheBlocksVouchForLinksNobody() {
        let rule = LinkRule(threshold: 30, margin: 30, reviewThreshold: 10)
        for request in LabelledSetTests.people.requests.prefix(300) {
            #expect(IdentityMatcher.resolve(request.demographics, in: LabelledSetTests.index, rule: rule).outcome != .linked)
        }
    }
}
