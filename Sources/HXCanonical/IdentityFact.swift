import Foundation

/// A value of `hx.identity.v1` (docs/design.md "Topics"): demographics an
/// ADT^A01/A08/A28 confirms for an NHS number. Adapters publish them; the
/// router's identity matching reads them.
public struct IdentityFact: Codable, Sendable, Equatable {
    public var nhsNumber: NHSNumber
    public var family: String?
    public var birthDate: CalendarDate?
    public var postcode: String?
    public var source: Source
    public var recordedAt: RFC3339Timestamp

    public init(nhsNumber: NHSNumber, family: String?, birthDate: CalendarDate?, postcode: String?, source: Source, recordedAt: RFC3339Timestamp) {
        self.nhsNumber = nhsNumber
        self.family = family
        self.birthDate = birthDate
        self.postcode = postcode
        self.source = source
        self.recordedAt = recordedAt
    }

    /// Same value, same bytes (sorted keys, no escaped slashes), like canonical messages.
    public var jsonData: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and nested strings only: encoding cannot fail.
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
