import HXCanonical

/// The JSON form audit records are hashed and written in: the JSON
/// Canonicalization Scheme (RFC 8785) restricted to what audit records hold
/// (integers of magnitude below 2^53, no fractions), so another team can
/// verify a chain with any JCS library. docs/audit-chain.md is the contract.
///
/// Written here rather than with JSONEncoder because JSONEncoder promises no
/// byte form (escaping, number format) and a hash needs one.
package indirect enum AuditJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([AuditJSON])
    case object([String: AuditJSON])

    /// The largest integer every JSON reader (including JavaScript's) reads exactly.
    package static let maxSafeInteger = 9_007_199_254_740_991

    package static func optional(_ s: String?) -> AuditJSON { s.map(AuditJSON.string) ?? .null }
    package static func optional(_ i: Int?) -> AuditJSON { i.map(AuditJSON.int) ?? .null }
    package static func strings(_ values: [String]) -> AuditJSON { .array(values.map(AuditJSON.string)) }

    /// UTF-8 bytes: members sorted by their names' UTF-16 code units (RFC 8785
    /// section 3.2.3), no whitespace, strings escaped as RFC 8785 section 3.2.2.2.
    package var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(into: &out)
        return out
    }

    package var text: String { String(decoding: bytes, as: UTF8.self) }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        // Callers keep integers within ±(2^53 − 1), where RFC 8785's
        // ECMAScript number form is the plain decimal Swift prints.
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .string(let s): Self.quote(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // For ASCII names (all of ours) UTF-8 byte order is UTF-16 order, and much cheaper to compare.
            let names = members.keys.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
                ? members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                : members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (i, name) in names.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.quote(name, into: &out)
                out.append(UInt8(ascii: ":"))
                members[name]!.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `"` and `\` escaped; U+0008, U+0009, U+000A, U+000C, U+000D as \b \t \n \f \r;
    /// other controls below U+0020 as \u00xx (lower-case hex); everything else,
    /// "/" and non-ASCII included, as its own UTF-8 bytes. Unicode scalars are
    /// written as they are: no normalisation, so "é" and "e\u{301}" differ.
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Byte by byte: a UTF-8 byte of 0x80 or more belongs to a non-ASCII scalar,
        // written as its own bytes, so only ASCII bytes ever need escaping.
        for byte in s.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x00..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out += Hex.encode([byte])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
