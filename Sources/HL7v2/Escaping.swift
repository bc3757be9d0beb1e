/// HL7 escape sequences: \F\ \S\ \T\ \R\ \E\ (delimiters), \P\ (v2.7
/// truncation character), \Xhh..\ (bytes, read as UTF-8) and \.br\ (line
/// break, read as "\n"). Other sequences (\H\, \N\, \Cxxyy\, \.sp\ ...) are
/// kept verbatim: they are formatting or character-set switches this broker
/// does not interpret, and dropping them would lose information.
package enum HL7Escaping {
    package static func decode(_ text: String, encoding: HL7EncodingCharacters = .standard) -> String {
        let bytes = Array(text.utf8)
        return decode(bytes, 0..<bytes.count, encoding)
    }

    package static func encode(_ text: String, encoding: HL7EncodingCharacters = .standard) -> String {
        var out: [UInt8] = []
        encode(text, encoding, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ bytes: [UInt8], _ range: Range<Int>, _ enc: HL7EncodingCharacters) -> String {
        let slice = bytes[range]
        guard slice.contains(enc.escape) else { return String(decoding: slice, as: UTF8.self) }
        let decoded = unescape(bytes, range, enc, decodeHex: true)
        if UTF8Validation.isValid(decoded) { return String(decoding: decoded, as: UTF8.self) }
        // \X..\ gave bytes that are not UTF-8 (e.g. a Latin-1 sender): keep
        // those sequences as written rather than invent characters.
        return String(decoding: unescape(bytes, range, enc, decodeHex: false), as: UTF8.self)
    }

    static func unescape(_ bytes: [UInt8], _ range: Range<Int>, _ enc: HL7EncodingCharacters, decodeHex: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let b = bytes[i]
            if b != enc.escape {
                out.append(b)
                i += 1
                continue
            }
            var j = i + 1
            while j < end && bytes[j] != enc.escape { j += 1 }
            if j >= end {
                // No closing escape character: the text is taken literally.
                out.append(contentsOf: bytes[i..<end])
                break
            }
            let body = bytes[(i + 1)..<j]
            if let replacement = replacement(for: body, enc, decodeHex: decodeHex) {
                out.append(contentsOf: replacement)
            } else {
                out.append(contentsOf: bytes[i...j])
            }
            i = j + 1
        }
        return out
    }

    private static func replacement(for body: ArraySlice<UInt8>, _ enc: HL7EncodingCharacters, decodeHex: Bool) -> [UInt8]? {
        if body.count == 1 {
            switch body.first! {
            case UInt8(ascii: "F"): return [enc.field]
            case UInt8(ascii: "S"): return [enc.component]
            case UInt8(ascii: "T"): return [enc.subcomponent]
            case UInt8(ascii: "R"): return [enc.repetition]
            case UInt8(ascii: "E"): return [enc.escape]
            case UInt8(ascii: "P"): return enc.truncation.map { [$0] }
            default: return nil
            }
        }
        if body.elementsEqual(".br".utf8) { return [0x0A] }
        if decodeHex, body.first == UInt8(ascii: "X"), body.count >= 3, (body.count - 1) % 2 == 0 {
            var out: [UInt8] = []
            var k = body.startIndex + 1
            while k < body.endIndex {
                guard let hi = hexValue(body[k]), let lo = hexValue(body[k + 1]) else { return nil }
                out.append(hi << 4 | lo)
                k += 2
            }
            return out
        }
        return nil
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }

    static func encode(_ text: String, _ enc: HL7EncodingCharacters, into out: inout [UInt8]) {
        let e = enc.escape
        // Where "." is a delimiter, \.br\ would be split at it (found by fuzzing); \X0A\ reads the same.
        let dot = UInt8(ascii: ".")
        let lineBreak: [UInt8] = [enc.field, enc.component, enc.repetition, enc.escape, enc.subcomponent].contains(dot)
            ? [e, UInt8(ascii: "X"), UInt8(ascii: "0"), UInt8(ascii: "A"), e]
            : [e, dot, UInt8(ascii: "b"), UInt8(ascii: "r"), e]
        for b in text.utf8 {
            switch b {
            case enc.field: out.append(contentsOf: [e, UInt8(ascii: "F"), e])
            case enc.component: out.append(contentsOf: [e, UInt8(ascii: "S"), e])
            case enc.subcomponent: out.append(contentsOf: [e, UInt8(ascii: "T"), e])
            case enc.repetition: out.append(contentsOf: [e, UInt8(ascii: "R"), e])
            case enc.escape: out.append(contentsOf: [e, UInt8(ascii: "E"), e])
            case 0x0A: out.append(contentsOf: lineBreak)
            default:
                if let t = enc.truncation, b == t {
                    out.append(contentsOf: [e, UInt8(ascii: "P"), e])
                } else if b < 0x20 && b != 0x09 || b == 0x7F {
                    // CR would end the segment; other controls are escaped so
                    // the wire form stays printable.
                    let digits = Array("0123456789ABCDEF".utf8)
                    out.append(contentsOf: [e, UInt8(ascii: "X"), digits[Int(b >> 4)], digits[Int(b & 0xF)], e])
                } else {
                    out.append(b)
                }
            }
        }
    }
}
