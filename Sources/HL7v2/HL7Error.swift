/// A message that cannot be parsed. `code` is stable (dead-letter reason
/// codes, dashboards and replays key on it); `location` says where, in the
/// terser style people use (`MSH-2`) or as `segment N` / `byte N`.
package struct HL7Error: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Code: String, Sendable, CaseIterable {
        case mshMissing = "hl7-msh-missing"
        case encodingCharactersInvalid = "hl7-encoding-characters-invalid"
        case truncated = "hl7-truncated"
        case invalidUTF8 = "hl7-invalid-utf8"
        case inputTooLarge = "hl7-input-too-large"
        case segmentInvalid = "hl7-segment-invalid"
    }

    package let code: Code
    package let location: String
    package let message: String
    /// Offset in the input bytes, where one applies (invalid UTF-8, bad segment).
    package let byteOffset: Int?
    /// 1-based segment number (as people count lines), where one applies.
    package let segmentIndex: Int?

    package init(_ code: Code, location: String, message: String, byteOffset: Int? = nil, segmentIndex: Int? = nil) {
        self.code = code
        self.location = location
        self.message = message
        self.byteOffset = byteOffset
        self.segmentIndex = segmentIndex
    }

    package var reasonCode: String { code.rawValue }
    package var description: String { "\(code.rawValue) at \(location): \(message)" }
}
