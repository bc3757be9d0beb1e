import HXCanonical
import HXIdentityMatch

/// One person a held message may be about, for the reviewer: their identity
/// fact beside how each field agreed with the message's subject.
package struct ReviewCandidate: Sendable, Equatable {
    package var fact: IdentityFact
    package var score: MatchScore

    package init(fact: IdentityFact, score: MatchScore) {
        self.fact = fact
        self.score = score
    }
}

package enum ReviewCandidates {
    /// The candidates the router would weigh (those at or above the review
    /// threshold, household rivals among them), best first. Without a link rule,
    /// those of the exact look-up, scored for display.
    package static func candidates(for subject: Subject, in index: CandidateIndex, rule: LinkRule?) -> [ReviewCandidate] {
        let demographics = Demographics(subject)
        let scores: [MatchScore]
        if let rule {
            scores = IdentityMatcher.resolve(demographics, in: index, rule: rule).candidates
        } else if let family = subject.name?.family, let birth = subject.birthDate, let postcode = subject.postcode {
            scores = index.exactMatches(family: family, birthDate: birth, postcode: postcode).compactMap { n in
                index.fact(for: n).map { MatchScorer.score(demographics, against: $0) }
            }.sorted { $0.total > $1.total }
        } else {
            scores = []
        }
        return scores.compactMap { s in index.fact(for: s.nhsNumber).map { ReviewCandidate(fact: $0, score: s) } }
    }
}
