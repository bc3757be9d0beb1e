import Foundation
import HXCanonical
import HXIdentityMatch
import Testing

@Suite struct IdentityFactFormatTests {
    /// A fact as adapters wrote them before the richer members: still read, and written back the same.
    static let oldFormat = #"{"birthDate":"1955-09-09","family":"Testlane","nhsNumber":"9990004447","postcode":"WA8 9YB","recordedAt":"2026-03-01T09:00:00Z","source":{"adapter":"whh-pas-discharge","messageId":"WHH-ADT-0001","organisation":"RWW","system":"pas"}}"#

    @Test func oldFactsStillRead() throws {
        let fact = try JSONDecoder().decode(IdentityFact.self, from: Data(Self.oldFormat.utf8))
        #expect(fact.family == "Testlane" && fact.given == nil && fact.sex == nil && fact.address == nil)
        #expect(fact.earlierFamilies == nil && fact.earlierPostcodes == nil)
        #expect(String(decoding: fact.jsonData, as: UTF8.self) == Self.oldFormat)
        // And they match: family, birth date and postcode score 32.
        let s = MatchScorer.score(Demographics(family: "Testlane", given: ["Frank"], sex: .male, birthDate: CalendarDate("1955-09-09"),
                                               postcode: "WA8 9YB"), against: fact)
        #expect(s.total == 32)
        #expect(s.field(.given)?.agreement == .missing)
    }

    @Test func richerFactsRoundTrip() throws {
        let fact = IdentityFact(
            nhsNumber: try NHSNumber("9990004447"), family: "Testlane", given: ["Frank", "Albert"], sex: .male,
            birthDate: CalendarDate("1955-09-09"), postcode: "WA8 9YB", address: ["3 Test Row", "Widnes"], earlierFamilies: ["Testfield"],
            earlierPostcodes: ["WA7 1AA"], source: Source(organisation: "RWW", system: "pas", adapter: "a", messageId: "m"),
            recordedAt: RFC3339Timestamp("2026-03-01T09:00:00Z")!)
        let back = try JSONDecoder().decode(IdentityFact.self, from: fact.jsonData)
        #expect(back == fact)
        #expect(String(decoding: fact.jsonData, as: UTF8.self).contains(#""earlierPostcodes":["WA7 1AA"]"#))
        // Empty lists are not written.
        let bare = IdentityFact(nhsNumber: fact.nhsNumber, family: nil, given: [], birthDate: nil, postcode: nil, address: [],
                                source: fact.source, recordedAt: fact.recordedAt)
        #expect(!String(decoding: bare.jsonData, as: UTF8.self).contains("given"))
    }

    @Test func theIndexFollowsTheLatestFactOfEachPerson() throws {
        let n = try NHSNumber("9990004447")
        let source = Source(organisation: "RWW", system: "pas", adapter: "a", messageId: "m")
        let at = RFC3339Timestamp("2026-03-01T09:00:00Z")!
        var index = CandidateIndex(facts: [IdentityFact(nhsNumber: n, family: "Testlane", birthDate: CalendarDate("1955-09-09"),
                                                        postcode: "WA8 9YB", source: source, recordedAt: at)])
        #expect(index.exactMatches(family: "TESTLANE", birthDate: CalendarDate("1955-09-09")!, postcode: "wa89yb") == [n])
        index.replace(with: IdentityFact(nhsNumber: n, family: "Testlane", birthDate: CalendarDate("1955-09-09"), postcode: "WA7 1AA",
                                         source: source, recordedAt: at))
        #expect(index.count == 1)
        #expect(index.exactMatches(family: "Testlane", birthDate: CalendarDate("1955-09-09")!, postcode: "WA8 9YB").isEmpty)
        #expect(index.exactMatches(family: "Testlane", birthDate: CalendarDate("1955-09-09")!, postcode: "WA7 1AA") == [n])
    }
}
