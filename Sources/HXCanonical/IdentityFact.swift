import Foundation

/// A value of `hx.identity.v1` (docs/design.md "Topics", "Identity matching
/// and review"): demographics an ADT^A01/A08/A28 confirms for an NHS number.
/// Adapters publish them; the router's identity matching and `hx identity
/// trace` read them. The one type for identity facts in the package.
///
/// Every member but the NHS number, source and time is optional, and the
/// members added after the first version (`given`, `sex`, `address`,
/// `earlierFamilies`, `earlierPostcodes`) are left out of the JSON when
/// absent: a fact written before them still reads, and a fact without them is
/// written with the same bytes as before.
package struct IdentityFact: Codable, Sendable, Equatable {
    package var nhsNumber: NHSNumber
    package var family: String?
    /// Given names in order: first name first, then middle names.
    package var given: [String]?
    package var sex: Gender?
    package var birthDate: CalendarDate?
    /// The current postcode.
    package var postcode: String?
    /// The current address's lines, without the postcode.
    package var address: [String]?
    /// Family names the person was known by before (a maiden name, a name before adoption).
    package var earlierFamilies: [String]?
    /// Postcodes of earlier addresses, latest first.
    package var earlierPostcodes: [String]?
    package var source: Source
    package var recordedAt: RFC3339Timestamp

    package init(
        nhsNumber: NHSNumber, family: String?, given: [String]? = nil, sex: Gender? = nil, birthDate: CalendarDate?,
        postcode: String?, address: [String]? = nil, earlierFamilies: [String]? = nil, earlierPostcodes: [String]? = nil,
        source: Source, recordedAt: RFC3339Timestamp
    ) {
        self.nhsNumber = nhsNumber
        self.family = family
        // Empty lists are written as absent, so "none known" has one spelling.
        self.given = given.flatMap { $0.isEmpty ? nil : $0 }
        self.sex = sex
        self.birthDate = birthDate
        self.postcode = postcode
        self.address = address.flatMap { $0.isEmpty ? nil : $0 }
        self.earlierFamilies = earlierFamilies.flatMap { $0.isEmpty ? nil : $0 }
        self.earlierPostcodes = earlierPostcodes.flatMap { $0.isEmpty ? nil : $0 }
        self.source = source
        self.recordedAt = recordedAt
    }

    /// Same value, same bytes (sorted keys, no escaped slashes), like canonical messages.
    package var jsonData: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and nested strings only: encoding cannot fail.
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
