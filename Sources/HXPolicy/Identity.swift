import HXCanonical

/// A verified identity fact from `hx.identity.v1`: these demographics belong to this NHS number.
public struct IdentityFact: Sendable, Equatable, Codable {
    public var nhsNumber: NHSNumber
    public var family: String
    public var birthDate: CalendarDate
    public var postcode: String

    public init(nhsNumber: NHSNumber, family: String, birthDate: CalendarDate, postcode: String) {
        self.nhsNumber = nhsNumber
        self.family = family
        self.birthDate = birthDate
        self.postcode = postcode
    }
}

public enum IdentityMatch: Sendable, Equatable {
    case none
    case unique(NHSNumber)
    /// Two or more people share the demographics: nothing is guessed.
    case ambiguous([NHSNumber])
}

/// Deterministic matching on family name + birth date + postcode (DESIGN.md step 1).
/// Names compare on their letters only, without case ("O'Neill" = "ONEILL");
/// postcodes without spaces or case ("WA8 7QH" = "wa87qh"). Nothing fuzzier:
/// a wrong match would send one person's record to another person's GP.
public struct IdentityIndex: Sendable, Equatable {
    private var index: [String: [NHSNumber]] = [:]

    public init(facts: [IdentityFact] = []) {
        for f in facts {
            guard let key = Self.key(family: f.family, birthDate: f.birthDate, postcode: f.postcode) else { continue }
            if !(index[key] ?? []).contains(f.nhsNumber) { index[key, default: []].append(f.nhsNumber) }
        }
    }

    public static let empty = IdentityIndex()

    public func match(family: String?, birthDate: CalendarDate?, postcode: String?) -> IdentityMatch {
        guard let family, let birthDate, let postcode else { return .none }
        guard let key = Self.key(family: family, birthDate: birthDate, postcode: postcode),
              let found = index[key], !found.isEmpty else { return .none }
        return found.count == 1 ? .unique(found[0]) : .ambiguous(found.sorted { $0.digits < $1.digits })
    }

    /// nil when the name or postcode has nothing left to compare.
    static func key(family: String, birthDate: CalendarDate, postcode: String) -> String? {
        let name = String(String.UnicodeScalarView(family.uppercased().unicodeScalars.filter { $0.properties.isAlphabetic }))
        let pc = String(String.UnicodeScalarView(postcode.uppercased().unicodeScalars.filter { !$0.properties.isWhitespace }))
        guard !name.isEmpty, !pc.isEmpty else { return nil }
        return name + "|" + birthDate.description + "|" + pc
    }
}
