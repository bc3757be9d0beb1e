import Foundation
import HXCanonical
import HXSyntheticPeople
import Testing
@testable import HXIdentityTrace

/// `hx identity trace` reads facts with a fast reader for the usual lines and
/// JSONDecoder for the rest: both must read every line the same.
@Suite struct FactReadingTests {
    static func decoded(_ lines: [String]) -> [IdentityFact] {
        lines.map { try! JSONDecoder().decode(IdentityFact.self, from: Data($0.utf8)) }
    }

    @Test func theFastReaderReadsWhatJSONDecoderReads() {
        let people = SyntheticPeople(seed: 5, facts: 3000, requests: 0)
        var lines = people.facts.map { String(decoding: $0.jsonData, as: UTF8.self) }
        lines += [
            // Spaces, nulls, empty lists, accents, a key order of its own.
            #"{ "source": {"system":"pas","organisation":"RWW","messageId":"m1","adapter":"a"}, "nhsNumber": "9990004447", "family": "Zoë", "given": [], "sex": null, "birthDate": "1950-01-02", "postcode": null, "recordedAt": "2026-01-01T09:00:00Z" }"#,
            // An escape and an unknown key: JSONDecoder's part.
            #"{"nhsNumber":"9990004447","family":"O\u2019Neill","recordedAt":"2026-01-01T09:00:00Z","source":{"organisation":"RWW","system":"pas","adapter":"a","messageId":"m\/2"},"extra":1}"#,
        ]
        let read = TraceFacts.parse(Data(lines.joined(separator: "\n").utf8), file: "facts.jsonl")
        #expect(read.errors.isEmpty)
        #expect(read.facts == Self.decoded(lines))
        #expect(read.facts.count == 3002)
    }

    @Test func aBadLineIsStillNamedByJSONDecoder() {
        let good = String(decoding: SyntheticPeople(seed: 5, facts: 1, requests: 0).facts[0].jsonData, as: UTF8.self)
        let bad = good.replacingOccurrences(of: #""birthDate":""#, with: #""birthDate":"19"#)
        let read = TraceFacts.parse(Data((good + "\n" + bad).utf8), file: "facts.jsonl")
        #expect(read.facts.count == 1)
        #expect(read.errors.map(\.line) == [2])
        #expect(read.errors.first?.message.contains("birthDate") == true)
    }
}
