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

    /// The score, or nil when it certainly falls short of `floor`: the fields are compared
    /// cheapest first, and the best the fields not yet compared could add is assumed for them.
    static func score(_ s: PreparedPerson, nhsNumber: NHSNumber, _ c: PreparedPerson, floor: Double) -> MatchScore? {
        typealias W = MatchWeights
        let birth = FieldComparators.birthDate(s, c), sex = FieldComparators.sex(s, c), postcode = FieldComparators.postcode(s, c)
        var known = birth.weight + sex.weight + postcode.weight
        guard known + W.familyExact + W.givenExact + W.addressExact >= floor else { return nil }
        let family = FieldComparators.family(s, c)
        known += family.weight
        guard known + W.givenExact + W.addressExact >= floor else { return nil }
        let given = FieldComparators.given(s, c)
        known += given.weight
        guard known + W.addressExact >= floor else { return nil }
        return MatchScore(nhsNumber: nhsNumber, fields: [family, given, birth, sex, postcode, FieldComparators.address(s, c)])
    }

    /// The most a candidate can score given only the integer fields: birth date, sex and postcode
    /// compared as `FieldComparators` does (an earlier postcode taken to agree), names and address
    /// taken to agree exactly.
    static func bound(_ s: QuickKeys, _ c: QuickKeys) -> Double {
        typealias W = MatchWeights
        var b = W.familyExact + W.givenExact + W.addressExact
        if s.birth != 0, c.birth != 0 { b += FieldComparators.birthDate(s.birth, c.birth).weight }
        if s.sex != 0, c.sex != 0 { b += s.sex == c.sex ? W.sexExact : W.sexDifferent }
        if s.district != 0, c.district != 0 || c.earlierPostcodes {
            if c.earlierPostcodes || (s.unit != 0 && s.unit == c.unit) {
                b += W.postcodeExact
            } else if s.sector != 0, s.sector == c.sector {
                b += W.postcodeSector
            } else {
                b += s.district == c.district ? W.postcodeDistrict : W.postcodeDifferent
            }
        }
        return b
    }

    static func score(_ s: PreparedPerson, nhsNumber: NHSNumber, _ c: PreparedPerson) -> MatchScore {
        MatchScore(nhsNumber: nhsNumber, fields: [
            FieldComparators.family(s, c), FieldComparators.given(s, c), FieldComparators.birthDate(s, c),
            FieldComparators.sex(s, c), FieldComparators.postcode(s, c), FieldComparators.address(s, c),
        ])
    }
}
