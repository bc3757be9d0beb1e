import HXCanonical
import Testing
@testable import HXPlace

@Suite struct SHA256Tests {
    // FIPS 180-4 / NIST CSRC example vectors.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("The quick brown fox jumps over the lazy dog", "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"),
    ])
    func vectors(input: String, expected: String) {
        #expect(SHA256.hexDigest(Array(input.utf8)) == expected)
    }

    @Test func millionAs() {
        #expect(SHA256.hexDigest([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func paddingBoundaries() {
        // 55, 56 and 64 bytes cross the one-block / two-block padding edge.
        #expect(SHA256.hexDigest([UInt8](repeating: 0x61, count: 55)) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(SHA256.hexDigest([UInt8](repeating: 0x61, count: 56)) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        #expect(SHA256.hexDigest([UInt8](repeating: 0x61, count: 64)) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }
}

@Suite struct TimeTests {
    func instant(_ s: String) -> Instant { Instant(rfc3339: s)! }

    @Test func offsetsNameTheSameInstant() {
        #expect(instant("2026-07-15T10:30:00+01:00") == instant("2026-07-15T09:30:00Z"))
        #expect(instant("2026-01-01T00:00:00-05:00") == instant("2026-01-01T05:00:00Z"))
        #expect(instant("2026-01-01T00:00:00.250Z").millisecondsSinceEpoch == instant("2026-01-01T00:00:00Z").millisecondsSinceEpoch + 250)
        #expect(instant("1970-01-01T00:00:00Z").millisecondsSinceEpoch == 0)
    }

    @Test func ukDateFollowsSummerTime() {
        // 23:30 UTC in July is already the next day in Halton (BST).
        #expect(instant("2026-07-15T23:30:00Z").ukDate.description == "2026-07-16")
        // In January it is not (GMT).
        #expect(instant("2026-01-15T23:30:00Z").ukDate.description == "2026-01-15")
        // BST 2026 starts 29 March 01:00 UTC and ends 25 October 01:00 UTC.
        #expect(UKTime.offsetSeconds(at: instant("2026-03-29T00:59:59Z")) == 0)
        #expect(UKTime.offsetSeconds(at: instant("2026-03-29T01:00:00Z")) == 3600)
        #expect(UKTime.offsetSeconds(at: instant("2026-10-25T00:59:59Z")) == 3600)
        #expect(UKTime.offsetSeconds(at: instant("2026-10-25T01:00:00Z")) == 0)
    }

    @Test func ageCountsLeapDayBirthdaysOnFirstMarch() {
        let born = CalendarDate("2008-02-29")!
        #expect(UKTime.age(born: born, on: CalendarDate("2026-02-28")!) == 17)
        #expect(UKTime.age(born: born, on: CalendarDate("2026-03-01")!) == 18)
        #expect(UKTime.age(born: CalendarDate("2008-06-01")!, on: CalendarDate("2026-05-31")!) == 17)
        #expect(UKTime.age(born: CalendarDate("2008-06-01")!, on: CalendarDate("2026-06-01")!) == 18)
    }

    @Test func extremeYearsDoNotTrap() {
        #expect(instant("0000-01-01T00:30:00+01:00").ukDate.description == "0000-01-01")
        #expect(instant("9999-12-31T23:30:00-05:00").ukDate.description == "9999-12-31")
    }

    @Test func civilDaysRoundTrip() {
        for day in [-1, 0, 1, 20_000, 59, 10_957] {
            let (y, m, d) = UKTime.civilFromDays(day)
            #expect(UKTime.daysFromCivil(year: y, month: m, day: d) == day)
        }
    }
}
