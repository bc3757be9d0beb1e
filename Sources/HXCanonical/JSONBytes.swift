/// JSON written straight into bytes: the primitives of the canonical message's
/// encoder and of the audit record's canonical form, which escape strings the
/// same way (Foundation's JSONEncoder without escaped slashes, and RFC 8785):
/// `"` and `\` escaped; U+0008, U+0009, U+000A, U+000C, U+000D as \b \t \n \f \r;
/// other controls below U+0020 as \u00xx in lower-case hex; everything else, "/",
/// DEL and non-ASCII included, as its own UTF-8 bytes, with no normalisation.
/// Members and their order are the caller's business.
package struct JSONBytes: Sendable {
    package var bytes: [UInt8]

    package init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Punctuation and member names: ASCII the caller knows needs no escaping.
    @inlinable
    package mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inlinable
    package mutating func byte(_ b: UInt8) { bytes.append(b) }

    package mutating func null() { raw("null") }

    package mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    /// Decimal, as Swift and JSONEncoder print it.
    package mutating func int(_ value: Int) {
        if value >= 0 && value < 10 {
            bytes.append(0x30 &+ UInt8(value))
            return
        }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        // Digits from the end; the magnitude of Int.min fits in UInt.
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                count += 1
                buffer[24 - count] = 0x30 &+ UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: buffer[(24 - count)...])
        }
    }

    /// A quoted, escaped string.
    package mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in quoted(utf8) }
    }

    /// A quoted, escaped string given as UTF-8 bytes (valid UTF-8: escaping never looks past ASCII).
    package mutating func quoted(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        // Runs that need no escaping are copied whole: most strings are one run.
        var runStart = 0
        for i in 0..<utf8.count {
            let b = utf8[i]
            guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
            if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
            runStart = i + 1
            switch b {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x08: bytes.append(0x5C); bytes.append(UInt8(ascii: "b"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0C: bytes.append(0x5C); bytes.append(UInt8(ascii: "f"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            default:
                raw("\\u00")
                bytes.append(Self.hexDigits[Int(b >> 4)])
                bytes.append(Self.hexDigits[Int(b & 0x0F)])
            }
        }
        if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `["a","b"]`
    package mutating func strings(_ values: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            string(v)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A quoted lower-case UUID (RFC 9562 spelling), as `uuidString.lowercased()` writes it.
    package mutating func uuid(_ id: UUIDBytes) {
        bytes.append(UInt8(ascii: "\""))
        lowerCaseUUID(id)
        bytes.append(UInt8(ascii: "\""))
    }

    /// The 36 characters of a lower-case UUID, unquoted.
    package mutating func lowerCaseUUID(_ id: UUIDBytes) {
        withUnsafeBytes(of: id) { raw in
            for (i, b) in raw.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(Self.hexDigits[Int(b >> 4)])
                bytes.append(Self.hexDigits[Int(b & 0x0F)])
            }
        }
    }
}

/// `uuid_t`'s layout, spelt out so this module's byte code needs no Foundation type.
package typealias UUIDBytes = (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)
