import HXCanonical

/// What identity matching knows of one person: these demographics belong to
/// this NHS number. Made from an `hx.identity.v1` fact that has all three.
package struct IdentityEntry: Sendable, Equatable, Codable {
    package var nhsNumber: NHSNumber
    package var family: String
    package var birthDate: CalendarDate
    package var postcode: String

    package init(nhsNumber: NHSNumber, family: String, birthDate: CalendarDate, postcode: String) {
        self.nhsNumber = nhsNumber
        self.family = family
        self.birthDate = birthDate
        self.postcode = postcode
    }

    /// nil when the fact lacks a family name, birth date or postcode: it cannot be matched on.
    package init?(_ fact: IdentityFact) {
        guard let family = fact.family, let birthDate = fact.birthDate, let postcode = fact.postcode else { return nil }
        self.init(nhsNumber: fact.nhsNumber, family: family, birthDate: birthDate, postcode: postcode)
    }
}

package enum IdentityMatch: Sendable, Equatable {
    case none
    case unique(NHSNumber)
    /// Two or more people share the demographics: nothing is guessed.
    case ambiguous([NHSNumber])
}

/// Deterministic matching on family name + birth date + postcode (docs/design.md step 1).
/// Names compare on their letters only, without case ("O'Neill" = "ONEILL");
/// postcodes without spaces or case ("WA8 7QH" = "wa87qh"). Nothing fuzzier:
/// a wrong match would send one person's record to another person's GP.
package struct IdentityIndex: Sendable, Equatable {
    private var index: [String: [NHSNumber]] = [:]
    /// Each person's current key, so that newer demographics (a move) replace older ones.
    private var current: [NHSNumber: String] = [:]

    /// Every entry counts: a person may be known under several sets of details.
    package init(facts: [IdentityEntry] = []) {
        for f in facts {
            guard let key = Self.key(family: f.family, birthDate: f.birthDate, postcode: f.postcode) else { continue }
            if !(index[key] ?? []).contains(f.nhsNumber) { index[key, default: []].append(f.nhsNumber) }
        }
    }

    /// Records the person's latest details, replacing what was recorded for
    /// them before: `hx.identity.v1` is compacted to the latest fact per NHS
    /// number, and the router's index follows it the same way.
    package mutating func replace(with entry: IdentityEntry) {
        guard let key = Self.key(family: entry.family, birthDate: entry.birthDate, postcode: entry.postcode) else { return }
        if let old = current[entry.nhsNumber], old != key {
            index[old]?.removeAll { $0 == entry.nhsNumber }
            if index[old]?.isEmpty == true { index[old] = nil }
        }
        current[entry.nhsNumber] = key
        if !(index[key] ?? []).contains(entry.nhsNumber) { index[key, default: []].append(entry.nhsNumber) }
    }

    /// People known to the index.
    package var count: Int { Set(index.values.joined()).count }

    package static let empty = IdentityIndex()

    package func match(family: String?, birthDate: CalendarDate?, postcode: String?) -> IdentityMatch {
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
