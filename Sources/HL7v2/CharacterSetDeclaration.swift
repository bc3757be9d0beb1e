/// MSH-18, the character set a message declares (HL7 table 0211), read from
/// the raw bytes before they are decoded: MSH-1 to MSH-18 are ASCII in every
/// character set the Exchange reads, so the declaration can be found first
/// and the message decoded after.
package enum HL7CharacterSetDeclaration {
    /// Table 0211 values the Exchange decodes. `UNICODE` (v2.3-2.4's value
    /// for ISO 10646, with no encoding form) is what the NHS ITK HL7 v2
    /// specification writes: a message whose MSH could be read byte by byte
    /// is in the ASCII-compatible form, UTF-8. `UTF-8` alone is not in the
    /// table but is what several systems write.
    static let known: [String: TextEncoding] = [
        "ASCII": .ascii,
        "8859/1": .iso88591,
        "UNICODE UTF-8": .utf8,
        "UNICODE": .utf8,
        "UTF-8": .utf8,
    ]

    /// For messages: what MSH-18 may say.
    package static let supportedValues = "ASCII, 8859/1, UNICODE UTF-8 (or UNICODE, UTF-8)"

    /// The encoding a table 0211 value names, or nil when the Exchange cannot
    /// decode it (8859/2, UNICODE UTF-16, ISO IR87 ...). Case is ignored.
    package static func encoding(for value: String) -> TextEncoding? {
        known[value.uppercased()]
    }

    /// MSH-18 of the first MSH as written (its first repetition and component:
    /// later repetitions name alternate sets switched to by escapes), or nil
    /// when the message has none, or no readable MSH. Leading byte order mark,
    /// blank lines and batch headers (FHS, BHS) are skipped.
    package static func declared(in bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { p -> String? in
            let n = p.count
            var i = n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0
            while i < n {
                while i < n, p[i] == 0x0D || p[i] == 0x0A { i += 1 }
                guard i + 8 <= n else { return nil }
                if p[i] == UInt8(ascii: "M"), p[i + 1] == UInt8(ascii: "S"), p[i + 2] == UInt8(ascii: "H") {
                    return field18(p, mshAt: i)
                }
                let isBatchHeader = (p[i] == UInt8(ascii: "F") || p[i] == UInt8(ascii: "B"))
                    && p[i + 1] == UInt8(ascii: "H") && p[i + 2] == UInt8(ascii: "S")
                guard isBatchHeader else { return nil }
                while i < n, p[i] != 0x0D, p[i] != 0x0A { i += 1 }
            }
            return nil
        }
    }

    private static func field18(_ p: UnsafeBufferPointer<UInt8>, mshAt start: Int) -> String? {
        let n = p.count
        let separator = p[start + 3]
        let component = p[start + 4]
        let repetition = p[start + 5]
        // The separator after "MSH" is MSH-1 and starts MSH-2; the 17th starts MSH-18.
        var seen = 0
        var i = start + 3
        while i < n, p[i] != 0x0D, p[i] != 0x0A {
            if p[i] == separator {
                seen += 1
                if seen == 17 { break }
            }
            i += 1
        }
        guard seen == 17 else { return nil }
        let valueStart = i + 1
        var end = valueStart
        while end < n, p[end] != separator, p[end] != component, p[end] != repetition, p[end] != 0x0D, p[end] != 0x0A { end += 1 }
        // Spaces around the value are padding some senders add.
        var lower = valueStart, upper = end
        while lower < upper, p[lower] == 0x20 { lower += 1 }
        while upper > lower, p[upper - 1] == 0x20 { upper -= 1 }
        guard lower < upper else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: p[lower..<upper]), as: UTF8.self)
    }
}
