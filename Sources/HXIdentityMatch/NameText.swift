import Foundation

/// Names, postcodes and address words reduced to what matching compares:
/// upper-case ASCII letters (and digits where they belong), accents folded,
/// punctuation dropped, so "O'Neill" = "ONEILL" and "Zoë" = "ZOE".
enum NameText {
    /// The letters of a name, without case, accents, spaces or punctuation.
    static func letters(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in folded(text).unicodeScalars {
            let v = scalar.value
            if v >= 0x61 && v <= 0x7A { out.append(UInt8(v - 0x20)) } else if v >= 0x41 && v <= 0x5A { out.append(UInt8(v)) }
        }
        return out
    }

    /// The parts of a name split at hyphens and spaces (a double-barrelled
    /// family name, several given names in one field), each as `letters`.
    static func parts(_ text: String) -> [[UInt8]] {
        folded(text).split(whereSeparator: { $0 == "-" || $0 == " " || $0 == "\t" || $0 == "," }).map { letters(String($0)) }.filter { !$0.isEmpty }
    }

    /// Upper-case letters and digits only, for postcodes: "wa7 2ab" = "WA72AB".
    static func alphanumerics(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for b in text.utf8 {
            if b >= 0x61 && b <= 0x7A { out.append(b - 0x20) } else if (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) { out.append(b) }
        }
        return out
    }

    /// ASCII only when it can be: accents folded away ("É" → "E").
    static func folded(_ text: String) -> String {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? text : text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
    }
}
