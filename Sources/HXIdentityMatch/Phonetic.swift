/// A sound code for family names (the Soundex scheme: the first letter, then
/// up to three digits for the consonant groups that follow), used only to
/// find candidates, never to score them: "Thomson" and "Thompson" share a
/// block, so a spelling slip does not hide the right person.
enum Phonetic {
    static func code(_ letters: [UInt8]) -> String {
        guard let first = letters.first else { return "" }
        var out: [UInt8] = [first]
        var last = digit(first)
        for c in letters.dropFirst() {
            let d = digit(c)
            if d == 0 {
                // Vowels separate equal codes; H and W do not.
                if c != UInt8(ascii: "H") && c != UInt8(ascii: "W") { last = 0 }
                continue
            }
            if d != last { out.append(0x30 + d) }
            last = d
            if out.count == 4 { break }
        }
        while out.count < 4 { out.append(UInt8(ascii: "0")) }
        return String(decoding: out, as: UTF8.self)
    }

    static func digit(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "B"), UInt8(ascii: "F"), UInt8(ascii: "P"), UInt8(ascii: "V"): 1
        case UInt8(ascii: "C"), UInt8(ascii: "G"), UInt8(ascii: "J"), UInt8(ascii: "K"), UInt8(ascii: "Q"), UInt8(ascii: "S"),
             UInt8(ascii: "X"), UInt8(ascii: "Z"): 2
        case UInt8(ascii: "D"), UInt8(ascii: "T"): 3
        case UInt8(ascii: "L"): 4
        case UInt8(ascii: "M"), UInt8(ascii: "N"): 5
        case UInt8(ascii: "R"): 6
        default: 0
        }
    }
}
