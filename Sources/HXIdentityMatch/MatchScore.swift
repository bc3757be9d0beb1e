import Foundation
import HXCanonical

/// One candidate's score: the sum of its fields' weights, each shown.
package struct MatchScore: Sendable, Equatable {
    package var nhsNumber: NHSNumber
    package var fields: [FieldScore]
    package var total: Double

    package init(nhsNumber: NHSNumber, fields: [FieldScore]) {
        self.nhsNumber = nhsNumber
        self.fields = fields
        total = fields.reduce(0) { $0 + $1.weight }
    }

    package func field(_ f: MatchField) -> FieldScore? { fields.first { $0.field == f } }

    /// Scores print with one decimal (weights are in half units, so this is exact).
    package static func text(_ value: Double) -> String { String(format: "%.1f", value) }
    package static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "") + text(value) }

    /// `family=exact+9.0 given=close(nickname)+5.0 ...`, every field in order.
    package var explanation: String { fields.map(\.description).joined(separator: " ") }
}

/// Compares demographics field by field (pure).
package enum MatchScorer {
    package static func score(_ subject: Demographics, against fact: IdentityFact) -> MatchScore {
        score(PreparedPerson(subject), nhsNumber: fact.nhsNumber, PreparedPerson(Demographics(fact)))
    }

    static func score(_ s: PreparedPerson, nhsNumber: NHSNumber, _ c: PreparedPerson) -> MatchScore {
        MatchScore(nhsNumber: nhsNumber, fields: [
            FieldComparators.family(s, c), FieldComparators.given(s, c), FieldComparators.birthDate(s, c),
            FieldComparators.sex(s, c), FieldComparators.postcode(s, c), FieldComparators.address(s, c),
        ])
    }
}
