import Foundation

/// A value of `hx.identity.v1` (docs/design.md "Topics"): demographics an
/// ADT^A01/A08/A28 confirms for an NHS number. Adapters publish them; the
/// router's identity matching reads them.
package struct IdentityFact: Codable, Sendable, Equatable {
    package var nhsNumber: NHSNumber
    package var family: String?
    package var birthDate: CalendarDate?
    package var postcode: String?
    package var source: Source
    package var recordedAt: RFC3339Timestamp

    package init(nhsNumber: NHSNumber, family: String?, birthDate: CalendarDate?, postcode: String?, source: Source, recordedAt: RFC3339Timestamp) {
        self.nhsNumber = nhsNumber
        self.family = family
        self.birthDate = birthDate
        self.postcode = postcode
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
