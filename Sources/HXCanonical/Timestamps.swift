import Foundation

/// An RFC 3339 date-time with an explicit offset, e.g.
/// `2026-07-15T10:30:00+01:00`. Canonical timestamps always carry their
/// offset (docs/design.md), so a value without one cannot be constructed.
package struct RFC3339Timestamp: Sendable, Hashable, Codable, CustomStringConvertible {
    package let rawValue: String

    package init?(_ text: String) {
        guard RFC3339Timestamp.isValid(text) else { return nil }
        rawValue = text
    }

    package var description: String { rawValue }

    /// Validates `YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM)` and that the date exists.
    package static func isValid(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count >= 20,
              let year = Civil.number(b, 0, 4), b[4] == UInt8(ascii: "-"),
              let month = Civil.number(b, 5, 2), b[7] == UInt8(ascii: "-"),
              let day = Civil.number(b, 8, 2), b[10] == UInt8(ascii: "T"),
              let hour = Civil.number(b, 11, 2), b[13] == UInt8(ascii: ":"),
              let minute = Civil.number(b, 14, 2), b[16] == UInt8(ascii: ":"),
              let second = Civil.number(b, 17, 2)
        else { return false }
        guard Civil.isValidDate(year: year, month: month, day: day), hour < 24, minute < 60, second < 60
        else { return false }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            if i == start { return false }
        }
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "Z") { return i + 1 == b.count }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b.count == i + 6,
              let oh = Civil.number(b, i + 1, 2), b[i + 3] == UInt8(ascii: ":"),
              let om = Civil.number(b, i + 4, 2)
        else { return false }
        return oh < 24 && om < 60
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = RFC3339Timestamp(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an RFC 3339 date-time with offset: \(text)")
        }
        self = value
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A calendar date `YYYY-MM-DD` (birth dates: no time, no zone).
package struct CalendarDate: Sendable, Hashable, Codable, CustomStringConvertible {
    package let year: Int
    package let month: Int
    package let day: Int

    package init?(year: Int, month: Int, day: Int) {
        guard (0...9999).contains(year), Civil.isValidDate(year: year, month: month, day: day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    package init?(_ text: String) {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = Civil.number(b, 0, 4), let m = Civil.number(b, 5, 2), let d = Civil.number(b, 8, 2)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    package var description: String { Civil.pad(year, 4) + "-" + Civil.pad(month, 2) + "-" + Civil.pad(day, 2) }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = CalendarDate(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a YYYY-MM-DD date: \(text)")
        }
        self = value
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

package enum LocalTimestampError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not of the form YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ].
    case malformed(String)
    /// Well formed, but the date or time does not exist (e.g. 20260230).
    case impossibleDate(String)
    case unknownTimeZone(String)

    package var code: String {
        switch self {
        case .malformed: "timestamp-malformed"
        case .impossibleDate: "timestamp-impossible-date"
        case .unknownTimeZone: "time-zone-unknown"
        }
    }

    package var description: String {
        switch self {
        case .malformed(let s): "\(code): not an HL7 v2 timestamp: \(s.debugDescription)"
        case .impossibleDate(let s): "\(code): no such date or time: \(s.debugDescription)"
        case .unknownTimeZone(let s): "\(code): unknown IANA time zone \(s.debugDescription)"
        }
    }
}

/// Turns HL7 v2 timestamps (DTM/TS) into canonical RFC 3339 strings.
///
/// A timestamp without an offset is wall-clock time in the adapter's zone
/// (Europe/London by default, whose offset comes from `UKTime`'s rule, as the
/// router's dates do; any other zone from the host's time-zone database):
/// `20260715103000` is `2026-07-15T10:30:00+01:00` (BST). An explicit HL7
/// offset wins over the zone. Missing trailing parts mean the start of the
/// period (`202607` is 1 July, midnight), as the HL7 precision rules imply.
///
/// Wall times that do not exist (the spring-forward gap) keep the sender's
/// digits with the offset in force just before the change, which names the
/// same instant as the shifted time; repeated wall times (autumn) take the
/// earlier instant, as java.time does.
package enum LocalTimestamp {
    package static let defaultTimeZone = "Europe/London"

    package struct Parts: Sendable, Equatable {
        package var year: Int, month: Int, day: Int
        package var hour: Int, minute: Int, second: Int
        /// Fraction digits as written (no rounding), empty when absent.
        package var fraction: String
        /// Explicit offset in minutes east of UTC, when the HL7 value had one.
        package var offsetMinutes: Int?
        /// How many of year..second were present (1...6).
        package var precision: Int
    }

    package static func parse(_ hl7: String) throws(LocalTimestampError) -> Parts {
        let b = Array(hl7.utf8)
        var digitsEnd = 0
        while digitsEnd < b.count, b[digitsEnd] >= 0x30, b[digitsEnd] <= 0x39 { digitsEnd += 1 }
        guard [4, 6, 8, 10, 12, 14].contains(digitsEnd) else { throw .malformed(hl7) }
        var p = Parts(year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, fraction: "",
                      offsetMinutes: nil, precision: digitsEnd / 2 - 1)
        // Force-unwraps are safe: every position below was checked to be a digit.
        p.year = Civil.number(b, 0, 4)!
        if digitsEnd >= 6 { p.month = Civil.number(b, 4, 2)! }
        if digitsEnd >= 8 { p.day = Civil.number(b, 6, 2)! }
        if digitsEnd >= 10 { p.hour = Civil.number(b, 8, 2)! }
        if digitsEnd >= 12 { p.minute = Civil.number(b, 10, 2)! }
        if digitsEnd >= 14 { p.second = Civil.number(b, 12, 2)! }
        var i = digitsEnd
        if i < b.count, b[i] == UInt8(ascii: ".") {
            guard digitsEnd == 14 else { throw .malformed(hl7) }
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > start else { throw .malformed(hl7) }
            p.fraction = String(decoding: b[start..<i], as: UTF8.self)
        }
        if i < b.count {
            guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b.count == i + 5,
                  let oh = Civil.number(b, i + 1, 2), let om = Civil.number(b, i + 3, 2)
            else { throw .malformed(hl7) }
            guard oh < 24, om < 60 else { throw .impossibleDate(hl7) }
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            p.offsetMinutes = sign * (oh * 60 + om)
        }
        guard Civil.isValidDate(year: p.year, month: p.month, day: p.day),
              p.hour < 24, p.minute < 60, p.second < 60
        else { throw .impossibleDate(hl7) }
        return p
    }

    /// HL7 v2 timestamp → RFC 3339 with the right offset for `timeZone`.
    package static func rfc3339(
        fromHL7 hl7: String, timeZone identifier: String = defaultTimeZone
    ) throws(LocalTimestampError) -> RFC3339Timestamp {
        let p = try parse(hl7)
        let offset: Int
        if let explicit = p.offsetMinutes {
            offset = explicit
        } else if identifier == defaultTimeZone {
            offset = ukOffsetMinutes(for: p)
        } else {
            guard let zone = TimeZone(identifier: identifier) else { throw .unknownTimeZone(identifier) }
            offset = offsetMinutes(for: p, in: zone)
        }
        var text = Civil.pad(p.year, 4) + "-" + Civil.pad(p.month, 2) + "-" + Civil.pad(p.day, 2)
            + "T" + Civil.pad(p.hour, 2) + ":" + Civil.pad(p.minute, 2) + ":" + Civil.pad(p.second, 2)
        if !p.fraction.isEmpty { text += "." + p.fraction }
        let sign = offset < 0 ? "-" : "+"
        text += sign + Civil.pad(abs(offset) / 60, 2) + ":" + Civil.pad(abs(offset) % 60, 2)
        // Built from validated parts, so it is always a valid RFC 3339 value.
        return RFC3339Timestamp(text)!
    }

    /// HL7 date (or timestamp: the time is ignored) → calendar date, for birth dates.
    package static func date(fromHL7 hl7: String) throws(LocalTimestampError) -> CalendarDate {
        let p = try parse(hl7)
        guard p.precision >= 3, let d = CalendarDate(year: p.year, month: p.month, day: p.day) else {
            throw .malformed(hl7)
        }
        return d
    }

    static func offsetMinutes(for p: Parts, in zone: TimeZone) -> Int {
        offsetMinutes(for: p) { utc in zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))) }
    }

    /// UK civil time by `UKTime`'s rule, the same one the decisions use, so an
    /// adapter and the router never disagree about a UK wall time.
    static func ukOffsetMinutes(for p: Parts) -> Int {
        offsetMinutes(for: p) { utc in Int(UKTime.offsetSeconds(at: Instant(millisecondsSinceEpoch: Int64(utc) * 1000))) }
    }

    private static func offsetMinutes(for p: Parts, offsetAt: (Int) -> Int) -> Int {
        // Seconds since the epoch if the wall time were UTC.
        let wall = Civil.daysFromCivil(year: p.year, month: p.month, day: p.day) * 86_400
            + p.hour * 3600 + p.minute * 60 + p.second
        // The candidates are the offsets in force a day either side; a wall
        // time is valid with an offset when converting back gives that offset.
        let before = offsetAt(wall - 86_400)
        let after = offsetAt(wall + 86_400)
        let candidates = before >= after ? [before, after] : [after, before]  // larger offset = earlier instant
        for offset in candidates where offsetAt(wall - offset) == offset {
            return offset / 60
        }
        // In the gap: the offset in force before the change.
        return before / 60
    }
}
