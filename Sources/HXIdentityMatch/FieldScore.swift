/// How one field of the subject agreed with a candidate's (docs/design.md
/// "Identity matching and review"): the four levels people are shown.
package enum Agreement: String, Sendable, Equatable, CaseIterable {
    case exact, close, different, missing
}

/// The fields compared, in the order they are shown.
package enum MatchField: String, Sendable, Equatable, CaseIterable {
    case family, given, birthDate, sex, postcode, address
}

/// One field's part in a candidate's score: its agreement, why (`detail`,
/// e.g. `nickname`, `day-month-swap`, `sector`), and the weight it added.
package struct FieldScore: Sendable, Equatable, CustomStringConvertible {
    package var field: MatchField
    package var agreement: Agreement
    /// What kind of agreement, for a reader: empty for plain exact, different or missing.
    package var detail: String
    /// Log2 likelihood ratio this field contributed (negative against the candidate).
    package var weight: Double

    package init(field: MatchField, agreement: Agreement, detail: String = "", weight: Double) {
        self.field = field
        self.agreement = agreement
        self.detail = detail
        self.weight = weight
    }

    /// `given=close(nickname)+5.0`, as audit records and reports show it.
    package var description: String {
        let how = detail.isEmpty ? agreement.rawValue : "\(agreement.rawValue)(\(detail))"
        return "\(field.rawValue)=\(how)\(MatchScore.signed(weight))"
    }
}
