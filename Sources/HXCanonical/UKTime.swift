import Foundation

/// A point in time, milliseconds since 1970-01-01T00:00:00Z. Agreements,
/// consent directives and ages are judged on instants so that timestamps
/// written with different offsets compare correctly.
package struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let millisecondsSinceEpoch: Int64

    package init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// A `Date` to the millisecond (truncated, as the records' own times are).
    package init(_ date: Date) {
        self.init(millisecondsSinceEpoch: Int64(date.timeIntervalSince1970 * 1000))
    }

    /// Exact for every valid RFC 3339 timestamp (fraction digits past
    /// milliseconds are dropped: no source we read is finer than that).
    package init(_ timestamp: RFC3339Timestamp) {
        let b = Array(timestamp.rawValue.utf8)
        // RFC3339Timestamp has validated the layout, so fixed positions are safe.
        func num(_ offset: Int, _ count: Int) -> Int {
            var value = 0
            for i in offset..<offset + count { value = value * 10 + Int(b[i] - 0x30) }
            return value
        }
        let days = UKTime.daysFromCivil(year: num(0, 4), month: num(5, 2), day: num(8, 2))
        var seconds = Int64(days) * 86_400 + Int64(num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2))
        var millis: Int64 = 0
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                millis += Int64(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
        }
        if b[i] != UInt8(ascii: "Z") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            seconds -= sign * Int64(num(i + 1, 2) * 3600 + num(i + 4, 2) * 60)
        }
        millisecondsSinceEpoch = seconds * 1000 + millis
    }

    /// nil unless `text` is an RFC 3339 date-time with an offset.
    package init?(rfc3339 text: String) {
        guard let t = RFC3339Timestamp(text) else { return nil }
        self.init(t)
    }

    package static func < (a: Instant, b: Instant) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }

    /// The calendar date in Halton (UK civil time) at this instant.
    package var ukDate: CalendarDate { UKTime.civilDate(of: self) }

    package var description: String { "\(millisecondsSinceEpoch)ms" }
}

/// UK civil time without a time-zone database: GMT, or BST (UTC+1) from
/// 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
/// October (the rule in force since 1996). Agreement dates are UK dates, so
/// "valid to 2027-03-31" ends at midnight in Halton, not in UTC; doing it by
/// rule keeps the decision engine pure and independent of the host's tzdata.
package enum UKTime {
    /// Days since 1970-01-01 (proleptic Gregorian).
    package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        Civil.daysFromCivil(year: year, month: month, day: day)
    }

    /// Inverse of `daysFromCivil`.
    package static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        Civil.civilFromDays(days)
    }

    /// Day number of the last Sunday of a month.
    static func lastSunday(year: Int, month: Int) -> Int {
        let nextMonthFirst = month == 12
            ? daysFromCivil(year: year + 1, month: 1, day: 1)
            : daysFromCivil(year: year, month: month + 1, day: 1)
        let last = nextMonthFirst - 1
        // 1970-01-01 was a Thursday (weekday 4 with Sunday = 0).
        let weekday = ((last % 7) + 7 + 4) % 7
        return last - weekday
    }

    /// Offset from UTC in seconds (0 or 3600) in force at `instant`.
    package static func offsetSeconds(at instant: Instant) -> Int64 {
        let seconds = floorDiv(instant.millisecondsSinceEpoch, 1000)
        let (year, _, _) = civilFromDays(Int(floorDiv(seconds, 86_400)))
        let start = Int64(lastSunday(year: year, month: 3)) * 86_400 + 3600
        let end = Int64(lastSunday(year: year, month: 10)) * 86_400 + 3600
        return seconds >= start && seconds < end ? 3600 : 0
    }

    package static func civilDate(of instant: Instant) -> CalendarDate {
        let local = floorDiv(instant.millisecondsSinceEpoch, 1000) + offsetSeconds(at: instant)
        let (y, m, d) = civilFromDays(Int(floorDiv(local, 86_400)))
        // Offsets can push 0000-01-01 or 9999-12-31 one day outside the years
        // CalendarDate holds; clamp rather than trap on a hostile timestamp.
        if y < 0 { return CalendarDate(year: 0, month: 1, day: 1)! }
        if y > 9999 { return CalendarDate(year: 9999, month: 12, day: 31)! }
        return CalendarDate(year: y, month: m, day: d)!
    }

    /// Whole years from `birth` to `date`; a 29 February birthday falls on
    /// 1 March in other years, as UK law counts it.
    package static func age(born birth: CalendarDate, on date: CalendarDate) -> Int {
        var years = date.year - birth.year
        if (date.month, date.day) < (birth.month, birth.day) { years -= 1 }
        return years
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

// No Comparable conformance on the shared type (a retroactive conformance
// would clash if HXCanonical adds one): dates compare by day number.
extension CalendarDate {
    /// Days since 1970-01-01.
    package var dayNumber: Int { UKTime.daysFromCivil(year: year, month: month, day: day) }
}
