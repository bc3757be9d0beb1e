/// The delimiters a message declares in MSH-1 and MSH-2.
package struct HL7EncodingCharacters: Sendable, Hashable {
    package let field: UInt8
    package let component: UInt8
    package let repetition: UInt8
    package let escape: UInt8
    package let subcomponent: UInt8
    /// v2.7 truncation character (usually `#`), when MSH-2 has a fifth character.
    package let truncation: UInt8?

    /// `|^~\&`
    package static let standard = HL7EncodingCharacters(
        unchecked: UInt8(ascii: "|"), UInt8(ascii: "^"), UInt8(ascii: "~"), UInt8(ascii: "\\"), UInt8(ascii: "&"))

    private init(unchecked field: UInt8, _ component: UInt8, _ repetition: UInt8, _ escape: UInt8, _ subcomponent: UInt8) {
        self.field = field
        self.component = component
        self.repetition = repetition
        self.escape = escape
        self.subcomponent = subcomponent
        self.truncation = nil
    }

    /// Validates: printable ASCII, not a letter or digit, all different.
    package init?(field: UInt8, component: UInt8, repetition: UInt8, escape: UInt8, subcomponent: UInt8, truncation: UInt8? = nil) {
        var all = [field, component, repetition, escape, subcomponent]
        if let t = truncation { all.append(t) }
        guard all.allSatisfy(Self.isAllowedDelimiter), Set(all).count == all.count else { return nil }
        self.field = field
        self.component = component
        self.repetition = repetition
        self.escape = escape
        self.subcomponent = subcomponent
        self.truncation = truncation
    }

    /// MSH-2 as written: component, repetition, escape, sub-component [, truncation].
    package var msh2: String {
        var bytes = [component, repetition, escape, subcomponent]
        if let t = truncation { bytes.append(t) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isAllowedDelimiter(_ b: UInt8) -> Bool {
        guard b > 0x20, b < 0x7F else { return false }
        let isDigit = b >= 0x30 && b <= 0x39
        let isLetter = (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A
        return !isDigit && !isLetter
    }
}
