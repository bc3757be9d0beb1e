import HL7v2

/// The character set one input is read in, and why (`docs/design.md`
/// "Character sets"). For HL7 v2, MSH-18 when the message has one; otherwise
/// a UTF-8 byte order mark means UTF-8; otherwise `adapter.yaml`'s `encoding`
/// (UTF-8 unless it says otherwise). One refinement: on an adapter declared
/// `windows-1252`, MSH-18 `8859/1` is read as Windows-1252, because table
/// 0211 has no value for it and such systems write `8859/1`; the two differ
/// only where ISO 8859-1 has control codes, which no text contains.
package struct InputCharset: Sendable, Equatable {
    package enum Origin: Sendable, Equatable {
        /// MSH-18, as written.
        case msh18(String)
        case byteOrderMark
        case adapterConfiguration
    }

    package var encoding: TextEncoding
    package var origin: Origin
    /// Bytes of a UTF-8 byte order mark at the start (0 or 3), not part of the text.
    package var skip: Int

    /// Which character set `input` is in, or `hl7-charset-unsupported` when
    /// its MSH-18 names one the adapter cannot decode.
    package static func of(_ input: [UInt8], configuration: AdapterConfiguration) -> Result<InputCharset, TranslationError> {
        let bom = input.count >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF ? 3 : 0
        if configuration.format == .hl7v2, let declared = HL7CharacterSetDeclaration.declared(in: input) {
            guard var encoding = HL7CharacterSetDeclaration.encoding(for: declared) else {
                return .failure(TranslationError(
                    .hl7CharsetUnsupported,
                    "MSH-18 \(declared.debugDescription) names a character set this adapter cannot decode (it reads \(HL7CharacterSetDeclaration.supportedValues))",
                    at: "MSH-18"))
            }
            if encoding == .iso88591 && configuration.encoding == .windows1252 { encoding = .windows1252 }
            return .success(InputCharset(encoding: encoding, origin: .msh18(declared), skip: bom))
        }
        if bom > 0 { return .success(InputCharset(encoding: .utf8, origin: .byteOrderMark, skip: bom)) }
        return .success(InputCharset(encoding: configuration.encoding, origin: .adapterConfiguration, skip: 0))
    }

    /// The input as UTF-8 text without its byte order mark, or the
    /// `invalid-<encoding>` rejection naming the first byte that is not text
    /// in this character set (offset counted in the input as received).
    package func decode(_ input: [UInt8]) -> Result<[UInt8], TranslationError> {
        do throws(TextDecodingError) {
            return .success(try encoding.utf8(from: input, startingAt: skip))
        } catch {
            let declaredBy = switch origin {
            case .msh18(let value): "declared by MSH-18 (\(value))"
            case .byteOrderMark: "marked by its byte order mark"
            case .adapterConfiguration: "the adapter's encoding"
            }
            return .failure(TranslationError(
                Self.invalidCode(encoding),
                "input is not valid \(encoding.displayName) (\(declaredBy)) at byte offset \(error.offset): \(error.explanation)",
                at: "byte \(error.offset)"))
        }
    }

    static func invalidCode(_ encoding: TextEncoding) -> TranslationError.Code {
        switch encoding {
        case .utf8: .invalidUTF8
        case .ascii: .invalidASCII
        case .iso88591: .invalidISO88591
        case .windows1252: .invalidWindows1252
        }
    }

    /// The input as UTF-8 text, decoded as its character set says.
    package static func decode(_ input: [UInt8], configuration: AdapterConfiguration) -> Result<[UInt8], TranslationError> {
        of(input, configuration: configuration).flatMap { $0.decode(input) }
    }
}
