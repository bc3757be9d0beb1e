/// ASCII, ISO 8859-1 and Windows-1252: one byte, one character. Bytes up to
/// 0x7F are ASCII in all three; above that, ISO 8859-1's byte is its code
/// point (0xA0-0xFF; 0x80-0x9F are C1 control codes, refused as text), and
/// Windows-1252 puts printable characters in 0x80-0x9F instead, five of which
/// it leaves undefined.
enum SingleByteDecoding {
    /// Windows-1252 0x80-0x9F; 0 where the byte is undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D).
    static let windows1252High: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    /// The character a byte above 0x7F stands for, or nil when it stands for none.
    @inline(__always)
    static func scalar(for byte: UInt8, in encoding: TextEncoding) -> UInt32? {
        switch encoding {
        case .ascii, .utf8:
            return nil
        case .iso88591:
            return byte >= 0xA0 ? UInt32(byte) : nil
        case .windows1252:
            guard byte < 0xA0 else { return UInt32(byte) }
            let scalar = windows1252High[Int(byte - 0x80)]
            return scalar == 0 ? nil : scalar
        }
    }

    /// The byte for a character, or nil when the encoding lacks it.
    static func byte(for scalar: Unicode.Scalar, in encoding: TextEncoding) -> UInt8? {
        let v = scalar.value
        if v < 0x80 { return UInt8(v) }
        switch encoding {
        case .ascii, .utf8:
            return nil
        case .iso88591:
            return (0xA0...0xFF).contains(v) ? UInt8(v) : nil
        case .windows1252:
            if (0xA0...0xFF).contains(v) { return UInt8(v) }
            return windows1252High.firstIndex(of: v).map { UInt8(0x80 + $0) }
        }
    }

    /// First byte above 0x7F from `start` on, eight bytes at a time: most feeds are plain ASCII.
    static func firstNonASCIIOffset(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let n = p.count
        var i = start
        if let base = p.baseAddress {
            while i + 8 <= n {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
        }
        while i < n {
            if p[i] >= 0x80 { return i }
            i += 1
        }
        return nil
    }

    /// `bytes[start...]` as UTF-8, given where its first byte above 0x7F is.
    static func decode(_ bytes: [UInt8], from start: Int, firstNonASCII: Int, encoding: TextEncoding) throws(TextDecodingError) -> [UInt8] {
        var out: [UInt8] = []
        // Accented letters take two bytes in UTF-8, typographic quotes three.
        out.reserveCapacity(bytes.count - start + (bytes.count - firstNonASCII) / 2)
        out.append(contentsOf: bytes[start..<firstNonASCII])
        for i in firstNonASCII..<bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                out.append(b)
                continue
            }
            guard let v = scalar(for: b, in: encoding) else {
                throw TextDecodingError(encoding: encoding, offset: i, byte: b)
            }
            if v < 0x800 {
                out.append(UInt8(0xC0 | (v >> 6)))
                out.append(UInt8(0x80 | (v & 0x3F)))
            } else {
                out.append(UInt8(0xE0 | (v >> 12)))
                out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (v & 0x3F)))
            }
        }
        return out
    }
}
