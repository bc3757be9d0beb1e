import HXCanonical
import HXIdentityMatch

package enum IdentityMatch: Sendable, Equatable {
    case none
    case unique(NHSNumber)
    /// Two or more people share the demographics: nothing is guessed.
    case ambiguous([NHSNumber])
}

/// What the router knows of people: the identity facts of `hx.identity.v1`,
/// one per NHS number, in `HXIdentityMatch`'s candidate index. Without a
/// link rule (no `identity.yaml`) a subject is looked up exactly (family
/// name on its letters without case, birth date, postcode without spaces);
/// with one it is scored field by field (docs/design.md "Identity matching
/// and review").
package struct IdentityIndex: Sendable {
    package private(set) var candidates: CandidateIndex

    /// The latest fact of each person counts, as on the compacted topic.
    package init(facts: [IdentityFact] = []) {
        candidates = CandidateIndex(facts: facts)
    }

    /// Records the person's latest details, replacing what was recorded for
    /// them before: `hx.identity.v1` is compacted to the latest fact per NHS
    /// number, and the router's index follows it the same way.
    package mutating func replace(with fact: IdentityFact) {
        candidates.replace(with: fact)
    }

    /// People known to the index.
    package var count: Int { candidates.count }

    package static let empty = IdentityIndex()

    /// The exact look-up: every one of the three is needed.
    package func match(family: String?, birthDate: CalendarDate?, postcode: String?) -> IdentityMatch {
        guard let family, let birthDate, let postcode else { return .none }
        let found = candidates.exactMatches(family: family, birthDate: birthDate, postcode: postcode)
        if found.isEmpty { return .none }
        return found.count == 1 ? .unique(found[0]) : .ambiguous(found.sorted { $0.digits < $1.digits })
    }

    /// Scored matching under the place's link rule.
    package func resolve(_ subject: Subject, rule: LinkRule) -> MatchResult {
        IdentityMatcher.resolve(Demographics(subject), in: candidates, rule: rule)
    }
}
