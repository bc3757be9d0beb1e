import Foundation
import Testing
@testable import HXCanonical

/// Independent Modulus 11 (written out again so the test does not trust the
/// code under test): returns the tenth digit, or nil when it would be 10.
private func referenceCheckDigit(_ nine: String) -> Int? {
    let digits = nine.compactMap { $0.wholeNumberValue }
    precondition(digits.count == 9)
    let sum = zip(digits, [10, 9, 8, 7, 6, 5, 4, 3, 2]).map(*).reduce(0, +)
    let r = 11 - sum % 11
    return r == 11 ? 0 : (r == 10 ? nil : r)
}

@Suite struct NHSNumberTests {
    @Test func referenceHelperAgreesWithPublishedValues() {
        // 9990000018: the published synthetic test value; compute, don't assume.
        #expect(referenceCheckDigit("999000001") == 8)
        #expect(referenceCheckDigit("943476591") == 9)
        #expect(referenceCheckDigit("000000006") == nil)
    }

    @Test(arguments: [
        "9434765919", "943 476 5919", "943-476-5919", " 9434765919 ",
        "9990000018", "9990000026", "9990000093", "9876543210", "4000000632", "6328797966", "0000000000",
    ])
    func valid(_ text: String) throws {
        let n = try NHSNumber(text)
        #expect(n.digits.count == 10)
        #expect(n.digits == text.filter(\.isNumber))
        let nine = String(n.digits.prefix(9))
        #expect(referenceCheckDigit(nine) == n.digits.last!.wholeNumberValue)
    }

    @Test(arguments: [
        ("9434765918", NHSNumberError.checkDigitMismatch(expected: 9, found: 8)),
        ("1234567890", .checkDigitImpossible),  // 123456789 gives 10
        ("4865447041", .checkDigitMismatch(expected: 0, found: 1)),
        ("0000000060", .checkDigitImpossible),
        ("943476591", .wrongLength(9)),
        ("94347659190", .wrongLength(11)),
        ("", .empty),
        ("   ", .empty),
        ("94347659I9", .nonDigit("I")),
        ("garbage", .nonDigit("g")),
        ("9434 765 919", .badGrouping),
        ("943 476-5919", .badGrouping),
        ("943  476 5919", .badGrouping),
        ("123 456 789", .wrongLength(9)),
    ])
    func invalid(_ text: String, expected: NHSNumberError) {
        let error = #expect(throws: NHSNumberError.self) { try NHSNumber(text) }
        #expect(error == expected)
        #expect(error?.code == "nhs-number-invalid")
    }

    @Test func checkDigitMatchesReferenceForManyPrefixes() {
        // Sweep prefixes so a weight or modulus slip cannot hide.
        var prefix = 123_456_789
        for _ in 0..<2000 {
            prefix = (prefix &* 1_103_515_245 &+ 12345) % 1_000_000_000
            let nine = String(format: "%09d", prefix)
            let expected = referenceCheckDigit(nine)
            #expect(NHSNumber.checkDigit(forFirstNine: nine.compactMap(\.wholeNumberValue)) == expected)
            if let d = expected {
                #expect(NHSNumber.isValid(nine + String(d)))
                #expect(!NHSNumber.isValid(nine + String((d + 1) % 10)))
            }
        }
    }

    @Test func encodesAsPlainDigitString() throws {
        let n = try NHSNumber("943 476 5919")
        #expect(String(decoding: try JSONEncoder().encode([n]), as: UTF8.self) == #"["9434765919"]"#)
        #expect(try JSONDecoder().decode([NHSNumber].self, from: Data(#"["9434765919"]"#.utf8)) == [n])
        #expect(n.formatted == "943 476 5919")
        // Canonical JSON carries 10 digits only, and never an invalid number.
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([NHSNumber].self, from: Data(#"["943 476 5919"]"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([NHSNumber].self, from: Data(#"["9434765918"]"#.utf8)) }
    }
}
