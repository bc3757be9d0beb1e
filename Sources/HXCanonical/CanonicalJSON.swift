import Foundation

/// Why canonical JSON could not be read, and where: `path` is a JSON path
/// such as `subject.nhsNumber` or `payload.diagnoses[0].code` (`$` for the
/// document itself).
package struct CanonicalDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        case syntax = "canonical-json-syntax"
        case unsupportedSchema = "canonical-schema-unsupported"
        case missingField = "canonical-field-missing"
        case wrongType = "canonical-field-type"
        case invalidValue = "canonical-field-invalid"
    }

    package let kind: Kind
    package let path: String
    package let message: String

    package var code: String { kind.rawValue }
    package var description: String { "\(code) at \(path): \(message)" }
}

/// The one way canonical messages become bytes and back.
///
/// Both directions are hand-written for speed (the router encodes every delivery
/// and decodes every input): `CanonicalWriter` and `CanonicalReader`. The Codable
/// form through Foundation (`CodableCanonicalJSON`) stays as the reference their
/// bytes and values are tested against, and reads whatever the fast reader
/// declines, so errors and Foundation's leniencies are unchanged.
package enum CanonicalJSON {
    /// Same value, same bytes: keys sorted, "/" not escaped, no whitespace,
    /// absent optionals omitted (except the contract's explicit nulls).
    /// Kafka record values, hashes and de-duplication rely on this.
    package static func encode(_ message: CanonicalMessage) -> Data {
        Data(CanonicalWriter.bytes(message))
    }

    /// `encode` as an array, the form Kafka records are built from.
    package static func bytes(_ message: CanonicalMessage) -> [UInt8] {
        CanonicalWriter.bytes(message)
    }

    package static func decode(_ data: Data) throws(CanonicalDecodingError) -> CanonicalMessage {
        let fast = data.withUnsafeBytes { raw in CanonicalReader.read(raw.assumingMemoryBound(to: UInt8.self)) }
        if let fast { return fast }
        return try CodableCanonicalJSON.decode(data)
    }

    package static func decode(_ bytes: [UInt8]) throws(CanonicalDecodingError) -> CanonicalMessage {
        if let fast = CanonicalReader.read(bytes) { return fast }
        return try CodableCanonicalJSON.decode(Data(bytes))
    }
}

/// The canonical message's Codable form through Foundation's JSONEncoder and
/// JSONDecoder: the original implementation, kept as the reference
/// `CanonicalJSON` must match byte for byte and value for value, and as the
/// reader of everything the fast reader declines (every error, and JSON that
/// JSONDecoder reads beyond RFC 8259: trailing commas, repeated names, UTF-16).
package enum CodableCanonicalJSON {
    package static func encode(_ message: CanonicalMessage) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(message)
        } catch {
            // Only strings, integers, booleans and nulls are encoded, none of
            // which JSONEncoder can reject.
            preconditionFailure("canonical message could not be encoded: \(error)")
        }
    }

    package static func decode(_ data: Data) throws(CanonicalDecodingError) -> CanonicalMessage {
        do {
            return try JSONDecoder().decode(CanonicalMessage.self, from: data)
        } catch let error as DecodingError {
            throw translate(error)
        } catch {
            throw CanonicalDecodingError(kind: .syntax, path: "$", message: String(describing: error))
        }
    }

    static func translate(_ error: DecodingError) -> CanonicalDecodingError {
        switch error {
        case .keyNotFound(let key, let context):
            return CanonicalDecodingError(
                kind: .missingField, path: path(context.codingPath + [key]),
                message: "required field \(key.stringValue.debugDescription) is missing")
        case .valueNotFound(_, let context):
            return CanonicalDecodingError(
                kind: .missingField, path: path(context.codingPath), message: "value is null but required")
        case .typeMismatch(let type, let context):
            return CanonicalDecodingError(
                kind: .wrongType, path: path(context.codingPath), message: "expected \(describe(type))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return CanonicalDecodingError(kind: .syntax, path: "$", message: "not valid JSON: \(context.debugDescription)")
            }
            let p = path(context.codingPath)
            return CanonicalDecodingError(kind: p == "schema" ? .unsupportedSchema : .invalidValue, path: p, message: context.debugDescription)
        @unknown default:
            return CanonicalDecodingError(kind: .invalidValue, path: "$", message: String(describing: error))
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return out.isEmpty ? "$" : out
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type: "an integer"
        case is [Any].Type: "an array"
        default: "\(type)"
        }
    }
}
