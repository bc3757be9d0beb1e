/// The character sets a feed may be written in. Everything inside the
/// Exchange is UTF-8; older PAS systems send ISO 8859-1 or Windows-1252, so
/// their bytes are decoded once, at the adapter, and never guessed at: a
/// byte that has no character in the declared set is an error, not a `?`.
///
/// The names are those `adapter.yaml` takes (`encoding:`), and the ends of
/// the reason codes (`invalid-utf8`, `invalid-iso-8859-1`, ...).
package enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case iso88591 = "iso-8859-1"
    case windows1252 = "windows-1252"
    case ascii

    /// Case-insensitive, as people write encoding names in several ways.
    package init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.rawValue == name.lowercased() }) else { return nil }
        self = found
    }

    /// The name people know it by, for messages.
    package var displayName: String {
        switch self {
        case .utf8: "UTF-8"
        case .iso88591: "ISO 8859-1"
        case .windows1252: "Windows-1252"
        case .ascii: "ASCII"
        }
    }

    /// The input from `start` on, as UTF-8. UTF-8 input is only checked, and
    /// input with no byte above 0x7F is the same in every encoding here, so
    /// neither is copied (unless `start` drops a byte order mark).
    ///
    /// Offsets in the error count from the start of `bytes`, not from `start`.
    package func utf8(from bytes: [UInt8], startingAt start: Int = 0) throws(TextDecodingError) -> [UInt8] {
        let firstHigh: Int? = bytes.withUnsafeBufferPointer { p in
            self == .utf8
                ? UTF8Validation.firstInvalidOffset(UnsafeBufferPointer(rebasing: p[start...])).map { $0 + start }
                : SingleByteDecoding.firstNonASCIIOffset(p, from: start)
        }
        guard let firstHigh else { return start == 0 ? bytes : Array(bytes[start...]) }
        if self == .utf8 { throw TextDecodingError(encoding: self, offset: firstHigh, byte: bytes[firstHigh]) }
        return try SingleByteDecoding.decode(bytes, from: start, firstNonASCII: firstHigh, encoding: self)
    }

    /// UTF-8 text written in this encoding, for answers sent back to a
    /// sender. A character the encoding lacks becomes `?`: what we write is
    /// our own text (codes, places) and the sender's header, which is ASCII.
    package func encode(utf8 text: [UInt8]) -> [UInt8] {
        guard self != .utf8, text.contains(where: { $0 >= 0x80 }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        for scalar in String(decoding: text, as: UTF8.self).unicodeScalars {
            out.append(SingleByteDecoding.byte(for: scalar, in: self) ?? UInt8(ascii: "?"))
        }
        return out
    }
}

/// A byte that is not text in the encoding the input was declared to be in.
package struct TextDecodingError: Error, Sendable, Equatable {
    package let encoding: TextEncoding
    /// Offset of the offending byte in the input.
    package let offset: Int
    package let byte: UInt8

    /// Why the byte is refused, in words (no input text, only the byte value).
    package var explanation: String {
        let hex = "0x" + String(byte, radix: 16, uppercase: true)
        switch encoding {
        case .utf8:
            return "\(hex) does not start a well-formed UTF-8 sequence"
        case .ascii:
            return "\(hex) is above 0x7F, outside ASCII"
        case .iso88591:
            return "\(hex) is a C1 control code, not a character, in ISO 8859-1 (a sender that writes curly quotes or the euro sign there is using Windows-1252)"
        case .windows1252:
            return "\(hex) is undefined in Windows-1252"
        }
    }
}
