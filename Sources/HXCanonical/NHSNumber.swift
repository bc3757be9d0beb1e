/// Why a string is not a usable NHS number. Every case has the one stable
/// reason code that translators report (`nhs-number-invalid`, see docs/design.md);
/// `subReason` and `message` say more for people reading a dead letter.
package enum NHSNumberError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case wrongLength(Int)
    case nonDigit(Character)
    case badGrouping
    /// The Modulus 11 rule gives 10 for these nine digits: no check digit fits.
    case checkDigitImpossible
    case checkDigitMismatch(expected: Int, found: Int)

    package static let code = "nhs-number-invalid"
    package var code: String { Self.code }

    package var subReason: String {
        switch self {
        case .empty: "empty"
        case .wrongLength: "wrong-length"
        case .nonDigit: "non-digit"
        case .badGrouping: "bad-grouping"
        case .checkDigitImpossible: "check-digit-impossible"
        case .checkDigitMismatch: "check-digit-mismatch"
        }
    }

    package var message: String {
        switch self {
        case .empty: "NHS number is empty"
        case .wrongLength(let n): "NHS number must have 10 digits, found \(n)"
        case .nonDigit(let c): "NHS number contains a character that is not a digit: \(c.debugDescription)"
        case .badGrouping: "NHS number separators are only allowed in 3-3-4 form (e.g. 943 476 5919)"
        case .checkDigitImpossible: "NHS number fails Modulus 11: the computed check digit is 10, so no NHS number starts with these nine digits"
        case .checkDigitMismatch(let e, let f): "NHS number fails Modulus 11: check digit should be \(e), found \(f)"
        }
    }

    package var description: String { "\(code) (\(subReason)): \(message)" }
}

/// A 10-digit NHS number that passed the Modulus 11 check. Holding one is
/// proof of validity: there is no unchecked initialiser.
package struct NHSNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Exactly ten ASCII digits.
    package let digits: String

    /// Accepts plain 10 digits, or 3-3-4 groups separated by single spaces or
    /// single hyphens (one kind of separator); surrounding blanks are ignored
    /// because HL7 fields often carry them.
    package init(_ text: String) throws(NHSNumberError) {
        let trimmed = Array(text.unicodeScalars).trimmingBlanks()
        if trimmed.isEmpty { throw .empty }
        var digitValues: [Int] = []
        digitValues.reserveCapacity(10)
        var separators: [(index: Int, scalar: Unicode.Scalar)] = []
        for (i, s) in trimmed.enumerated() {
            if s.value >= 0x30 && s.value <= 0x39 {
                digitValues.append(Int(s.value - 0x30))
            } else if s == " " || s == "-" {
                separators.append((i, s))
            } else {
                throw .nonDigit(Character(s))
            }
        }
        if !separators.isEmpty {
            // Only "ddd?ddd?dddd" with the same separator twice.
            let ok = trimmed.count == 12 && separators.count == 2
                && separators[0].index == 3 && separators[1].index == 7
                && separators[0].scalar == separators[1].scalar
            if !ok {
                if digitValues.count != 10 { throw .wrongLength(digitValues.count) }
                throw .badGrouping
            }
        }
        if digitValues.count != 10 { throw .wrongLength(digitValues.count) }
        guard let expected = NHSNumber.checkDigit(forFirstNine: Array(digitValues[0..<9])) else {
            throw .checkDigitImpossible
        }
        if expected != digitValues[9] { throw .checkDigitMismatch(expected: expected, found: digitValues[9]) }
        digits = digitValues.map(String.init).joined()
    }

    /// Modulus 11 check digit for nine digits (weights 10 down to 2); nil when
    /// the rule gives 10, which makes any number with that prefix invalid.
    package static func checkDigit(forFirstNine nine: [Int]) -> Int? {
        precondition(nine.count == 9, "need exactly nine digits")
        var sum = 0
        for (i, d) in nine.enumerated() { sum += d * (10 - i) }
        let check = 11 - (sum % 11)
        switch check {
        case 11: return 0
        case 10: return nil
        default: return check
        }
    }

    package static func isValid(_ text: String) -> Bool { (try? NHSNumber(text)) != nil }

    /// "943 476 5919", the form people read.
    package var formatted: String {
        let c = Array(digits)
        return String(c[0..<3]) + " " + String(c[3..<6]) + " " + String(c[6..<10])
    }

    package var description: String { digits }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        // Canonical JSON carries exactly 10 digits; grouped forms are for input feeds.
        guard text.utf8.count == 10 else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\(NHSNumberError.code): canonical NHS number must be exactly 10 digits")
        }
        do {
            self = try NHSNumber(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}

extension Array where Element == Unicode.Scalar {
    fileprivate func trimmingBlanks() -> ArraySlice<Unicode.Scalar> {
        var slice = self[...]
        while let f = slice.first, f == " " || f == "\t" { slice = slice.dropFirst() }
        while let l = slice.last, l == " " || l == "\t" { slice = slice.dropLast() }
        return slice
    }
}
