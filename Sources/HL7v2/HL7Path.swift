/// A terser-like address: `PID-3`, `PID-3(2).1`, `PID-5.1.1`, `OBX(2)-5`.
/// Every number is 1-based, repetitions and segment occurrences included
/// (so `PID-3(2)` is the second identifier), matching how HL7 numbers
/// fields and components. `-` is accepted in place of `.` (`PID-5-1-1`).
package struct HL7Path: Sendable, Hashable, CustomStringConvertible {
    package var segment: String
    package var occurrence: Int
    package var field: Int
    package var repetition: Int?
    package var component: Int?
    package var subcomponent: Int?

    package init(segment: String, occurrence: Int = 1, field: Int, repetition: Int? = nil, component: Int? = nil, subcomponent: Int? = nil) {
        self.segment = segment
        self.occurrence = occurrence
        self.field = field
        self.repetition = repetition
        self.component = component
        self.subcomponent = subcomponent
    }

    package init?(_ text: String) {
        let b = Array(text.utf8)
        guard b.count >= 5 else { return nil }
        var i = 0
        func number() -> Int? {
            var value = 0
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39, i - start < 6 {
                value = value * 10 + Int(b[i] - 0x30)
                i += 1
            }
            return i > start && value > 0 ? value : nil
        }
        func bracketed() -> Int?? {
            guard i < b.count, b[i] == UInt8(ascii: "(") else { return .some(nil) }
            i += 1
            guard let n = number(), i < b.count, b[i] == UInt8(ascii: ")") else { return nil }
            i += 1
            return .some(n)
        }
        for k in 0..<3 {
            let c = b[k]
            guard (c >= 0x41 && c <= 0x5A) || (k > 0 && c >= 0x30 && c <= 0x39) else { return nil }
        }
        segment = String(decoding: b[0..<3], as: UTF8.self)
        i = 3
        guard let occ = bracketed() else { return nil }
        occurrence = occ ?? 1
        guard i < b.count, b[i] == UInt8(ascii: "-") else { return nil }
        i += 1
        guard let f = number() else { return nil }
        field = f
        guard let rep = bracketed() else { return nil }
        repetition = rep
        component = nil
        subcomponent = nil
        for level in 0..<2 where i < b.count {
            guard b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: "-") else { return nil }
            i += 1
            guard let n = number() else { return nil }
            if level == 0 { component = n } else { subcomponent = n }
        }
        guard i == b.count else { return nil }
    }

    package var description: String {
        var s = segment
        if occurrence != 1 { s += "(\(occurrence))" }
        s += "-\(field)"
        if let r = repetition { s += "(\(r))" }
        if let c = component { s += ".\(c)" }
        if let sc = subcomponent { s += ".\(sc)" }
        return s
    }
}
