import HXCanonical
import Testing
@testable import HXPlace

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
