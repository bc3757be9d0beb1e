import Foundation
import HXCanonical

/// Dates and times as written in FHIR, CSV exports and JSON events, turned
/// into canonical values. Everything goes through HXCanonical's HL7 v2
/// timestamp helper, so a time without an offset is read in the adapter's
/// zone (summer time included) by one piece of code for every format.
enum DateText {
    /// `YYYY[-MM[-DD[Thh:mm[:ss[.f]]]]][Z|±hh:mm]` (FHIR dateTime, ISO 8601),
    /// `DD/MM/YYYY[ hh:mm[:ss]]` (UK spreadsheets) or an HL7 v2 timestamp.
    /// nil when the text is none of these or names an impossible date.
    static func timestamp(_ text: String, timeZone: String) -> RFC3339Timestamp? {
        guard let hl7 = hl7Form(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        return try? LocalTimestamp.rfc3339(fromHL7: hl7, timeZone: timeZone)
    }

    /// A calendar date in the same forms (a time part, if any, is ignored).
    static func date(_ text: String) -> CalendarDate? {
        guard let hl7 = hl7Form(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        return try? LocalTimestamp.date(fromHL7: hl7)
    }

    /// Rewrites the accepted forms as an HL7 v2 DTM string.
    static func hl7Form(_ text: String) -> String? {
        let s = Array(text.utf8)
        guard !s.isEmpty else { return nil }
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        if s.allSatisfy(isDigit) { return text }  // already HL7 (or YYYY)
        var out = ""
        var i = 0
        func digits(_ n: Int) -> String? {
            guard i + n <= s.count, s[i..<i + n].allSatisfy(isDigit) else { return nil }
            defer { i += n }
            return String(decoding: s[i..<i + n], as: UTF8.self)
        }
        func take(_ c: Character) -> Bool {
            guard i < s.count, s[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        if s.count >= 10, s[2] == UInt8(ascii: "/"), s[5] == UInt8(ascii: "/") {
            // DD/MM/YYYY: the day comes first in UK exports.
            guard let d = digits(2), take("/"), let m = digits(2), take("/"), let y = digits(4) else { return nil }
            out = y + m + d
        } else {
            guard let y = digits(4) else { return nil }
            out = y
            if take("-") {
                guard let m = digits(2) else { return nil }
                out += m
                if take("-") {
                    guard let d = digits(2) else { return nil }
                    out += d
                }
            }
        }
        guard i < s.count else { return out }
        // Time part: "T" (ISO) or a space (spreadsheets), only after a full date.
        guard out.count == 8, take("T") || take(" ") else { return nil }
        guard let hh = digits(2), take(":"), let mm = digits(2) else { return nil }
        out += hh + mm
        if take(":") {
            guard let ss = digits(2) else { return nil }
            out += ss
            if take(".") {
                let start = i
                while i < s.count, isDigit(s[i]) { i += 1 }
                guard i > start else { return nil }
                out += "." + String(decoding: s[start..<i], as: UTF8.self)
            }
        } else {
            out += "00"
        }
        guard i < s.count else { return out }
        if take("Z") { return i == s.count ? out + "+0000" : nil }
        guard s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") else { return nil }
        let sign = s[i] == UInt8(ascii: "+") ? "+" : "-"
        i += 1
        guard let oh = digits(2), take(":"), let om = digits(2), i == s.count else { return nil }
        return out + sign + oh + om
    }
}
