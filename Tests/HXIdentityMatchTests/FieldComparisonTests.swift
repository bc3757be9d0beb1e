import HXCanonical
import Testing
@testable import HXIdentityMatch

@Suite struct FieldComparisonTests {
    static func fact(family: String? = "Whittle", given: [String]? = ["Margaret", "Ann"], sex: Gender? = .female,
                     birth: String? = "1948-03-07", postcode: String? = "WA7 2AB", address: [String]? = ["12 Castle Street", "Runcorn"],
                     earlierFamilies: [String]? = nil, earlierPostcodes: [String]? = nil) -> IdentityFact {
        IdentityFact(
            nhsNumber: try! NHSNumber("9990004447"), family: family, given: given, sex: sex, birthDate: birth.flatMap(CalendarDate.init),
            postcode: postcode, address: address, earlierFamilies: earlierFamilies, earlierPostcodes: earlierPostcodes,
            source: Source(organisation: "RWW", system: "pas", adapter: "test", messageId: "1"), recordedAt: RFC3339Timestamp("2026-01-01T00:00:00Z")!)
    }

    static func field(_ f: MatchField, _ subject: Demographics, _ fact: IdentityFact = fact()) -> FieldScore {
        MatchScorer.score(subject, against: fact).field(f)!
    }

    @Test func jaroWinklerKnownValues() {
        func jw(_ a: String, _ b: String) -> Double { JaroWinkler.similarity(Array(a.utf8), Array(b.utf8)) }
        #expect(abs(jw("MARTHA", "MARHTA") - 0.961) < 0.001)
        #expect(abs(jw("DWAYNE", "DUANE") - 0.84) < 0.001)
        #expect(abs(jw("DIXON", "DICKSONX") - 0.813) < 0.001)
        #expect(jw("ABC", "XYZ") == 0)
        #expect(jw("SMITH", "SMITH") == 1)
    }

    @Test func soundCodes() {
        #expect(Phonetic.code(Array("ROBERT".utf8)) == "R163")
        #expect(Phonetic.code(Array("RUPERT".utf8)) == "R163")
        #expect(Phonetic.code(Array("ASHCRAFT".utf8)) == "A261")
        #expect(Phonetic.code(Array("TYMCZAK".utf8)) == "T522")
        #expect(Phonetic.code(Array("SMITH".utf8)) == Phonetic.code(Array("SMYTH".utf8)))
    }

    @Test func familyNames() {
        #expect(Self.field(.family, Demographics(family: "WHITTLE")).agreement == .exact)
        #expect(Self.field(.family, Demographics(family: "Whittel")).detail == "spelling")
        let barrelled = Self.fact(family: "Whittle-Kershaw")
        #expect(Self.field(.family, Demographics(family: "Kershaw"), barrelled).detail == "one-part")
        #expect(Self.field(.family, Demographics(family: "Smith-Whittle")).detail == "one-part")
        let married = Self.fact(earlierFamilies: ["Naylor"])
        #expect(Self.field(.family, Demographics(family: "Naylor"), married).detail == "earlier-name")
        #expect(Self.field(.family, Demographics(family: "Brennan")).agreement == .different)
        #expect(Self.field(.family, Demographics()).agreement == .missing)
    }

    @Test func givenNames() {
        #expect(Self.field(.given, Demographics(given: ["margaret"])).agreement == .exact)
        #expect(Self.field(.given, Demographics(given: ["Peggy"])).detail == "nickname")
        #expect(Self.field(.given, Demographics(given: ["Margret"])).detail == "spelling")
        #expect(Self.field(.given, Demographics(given: ["Ann"])).detail == "other-given-name")
        #expect(Self.field(.given, Demographics(given: ["M"])).detail == "initial")
        #expect(Self.field(.given, Demographics(given: ["Susan"])).agreement == .different)
        let bill = Self.fact(given: ["William"], sex: .male)
        #expect(Self.field(.given, Demographics(given: ["Bill"]), bill).detail == "nickname")
    }

    @Test func birthDates() {
        func d(_ s: String) -> Demographics { Demographics(birthDate: CalendarDate(s)) }
        #expect(Self.field(.birthDate, d("1948-03-07")).agreement == .exact)
        #expect(Self.field(.birthDate, d("1948-07-03")).detail == "day-month-swap")
        #expect(Self.field(.birthDate, d("1948-03-08")).detail == "one-digit")
        #expect(Self.field(.birthDate, d("1984-03-07")).detail == "transposed-digits")
        #expect(Self.field(.birthDate, d("1951-11-20")).agreement == .different)
    }

    @Test func postcodes() {
        func p(_ s: String) -> Demographics { Demographics(postcode: s) }
        #expect(Self.field(.postcode, p("wa72ab")).agreement == .exact)
        #expect(Self.field(.postcode, p("WA7 2")).detail == "sector")
        #expect(Self.field(.postcode, p("WA7 2XY")).detail == "sector")
        #expect(Self.field(.postcode, p("WA7 5DX")).detail == "district")
        #expect(Self.field(.postcode, p("L24 1AA")).agreement == .different)
        let moved = Self.fact(earlierPostcodes: ["WA8 9PJ"])
        #expect(Self.field(.postcode, p("WA8 9PJ"), moved).detail == "earlier-address")
    }

    @Test func sexAndAddress() {
        #expect(Self.field(.sex, Demographics(sex: .female)).agreement == .exact)
        #expect(Self.field(.sex, Demographics(sex: .male)).agreement == .different)
        #expect(Self.field(.sex, Demographics(sex: .unknown)).agreement == .missing)
        #expect(Self.field(.address, Demographics(address: ["12 Castle St, Runcorn"])).agreement == .exact)
        #expect(Self.field(.address, Demographics(address: ["12 Castle Street, Flat 2, Widnes"])).agreement == .close)
        #expect(Self.field(.address, Demographics(address: ["14 Castle Street, Runcorn"])).agreement == .different)
    }

    @Test func theScoreIsTheSumOfItsFieldsAndReadsBack() {
        let s = MatchScorer.score(Demographics(family: "Whittle", given: ["Peggy"], sex: .female, birthDate: CalendarDate("1948-03-07"),
                                               postcode: "WA7 2AB"), against: Self.fact())
        #expect(s.total == 9 + 5 + 14 + 1 + 9)
        #expect(s.explanation == "family=exact+9.0 given=close(nickname)+5.0 birthDate=exact+14.0 sex=exact+1.0 postcode=exact+9.0 address=missing+0.0")
        #expect(MatchWeights.maximum == 44)
    }
}
