import HXAudit
import HXCanonical
import HXPlace

/// Times in the index are RFC 3339 UTC with milliseconds, the form audit
/// records carry, so that text order is time order in both databases. A
/// caller's time is brought to that form before it is compared.
enum IndexTime {
    /// `text` (RFC 3339 with any offset, or `YYYY-MM-DD` for its UTC midnight)
    /// in the stored form. Digits past milliseconds are dropped.
    static func stored(_ text: String, name: String) throws(AuditIndexError) -> String {
        let full = isDate(text) ? text + "T00:00:00Z" : text
        guard let instant = Instant(rfc3339: full), let stored = AuditTime.rfc3339(instant) else {
            // The caller's text is not echoed: a mistyped field could hold anything.
            throw .invalidArgument("\(name) is not an RFC 3339 time between 1970 and 9999")
        }
        return stored
    }

    private static func isDate(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
        return b.enumerated().allSatisfy { i, c in i == 4 || i == 7 || (c >= 0x30 && c <= 0x39) }
    }
}
