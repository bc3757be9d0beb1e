import Foundation
import HL7v2
import HXCanonical

/// What one input message became.
package enum TranslationOutcome: Sendable, Equatable {
    case message(CanonicalMessage)
    case identity(IdentityFact)
    case failure(TranslationError)

    package var error: TranslationError? {
        if case .failure(let e) = self { return e }
        return nil
    }

    package var message: CanonicalMessage? {
        if case .message(let m) = self { return m }
        return nil
    }

    package var isSuccess: Bool { error == nil }

    /// One line of `hx translate` output (no trailing newline):
    /// `{"ok":true,"message":{canonical}}`, `{"ok":true,"identity":{...}}`
    /// or `{"ok":false,"error":{"code":...,"location":...,"message":...}}`.
    /// The canonical message bytes are HXCanonical's stable encoding, inserted as they are.
    package var jsonLine: Data {
        var out = Data()
        switch self {
        case .message(let m):
            out.append(contentsOf: Array(#"{"ok":true,"message":"#.utf8))
            out.append(CanonicalJSON.encode(m))
        case .identity(let f):
            out.append(contentsOf: Array(#"{"ok":true,"identity":"#.utf8))
            out.append(f.jsonData)
        case .failure(let e):
            struct Body: Encodable { let code: String, message: String, location: String }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            out.append(contentsOf: Array(#"{"ok":false,"error":"#.utf8))
            out.append((try? encoder.encode(Body(code: e.code, message: e.message, location: e.location))) ?? Data("{}".utf8))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// The one entry point `hx translate`, `hx test` and the adapters call.
package enum Translator {
    /// Bytes in, one outcome per message in the input (a CSV file or an HL7
    /// batch may hold several). Pure: no I/O, no clock, no randomness, so the
    /// same input and configuration always give the same output.
    package static func translate(configuration: AdapterConfiguration, input: Data) -> [TranslationOutcome] {
        let bytes = [UInt8](input)
        // Checked once here, before any parsing, with one code for every format.
        guard bytes.count <= configuration.maxInputBytes else {
            return [.failure(TranslationError(.inputTooLarge, "input is \(bytes.count) bytes, the adapter's limit (maxInputBytes) is \(configuration.maxInputBytes)", at: "input"))]
        }
        // Decoded once, here, whatever the format: every translator reads UTF-8.
        let utf8: [UInt8]
        switch InputCharset.decode(bytes, configuration: configuration) {
        case .success(let decoded): utf8 = decoded
        case .failure(let error): return [.failure(error)]
        }
        let text = String(decoding: utf8, as: UTF8.self)
        if text.allSatisfy(\.isWhitespace) {
            return [.failure(TranslationError(.emptyInput, "input is empty", at: "input"))]
        }
        let outcomes: [TranslationOutcome] = switch configuration.format {
        case .hl7v2: HL7Translator(configuration: configuration).translateBatch(text)
        case .fhirDischarge: [FHIRDischargeTranslator(configuration: configuration).translate(text)]
        case .referralFHIR: [FHIRReferralTranslator(configuration: configuration).translate(text)]
        case .socialCareADW: [ADWTranslator(configuration: configuration).translate(text)]
        case .socialCareCSV: SocialCareTranslator(configuration: configuration).translateCSV(text)
        case .socialCareJSON: SocialCareTranslator(configuration: configuration).translateJSON(text)
        case .referralCSV: ReferralCSVTranslator(configuration: configuration).translate(text)
        }
        // A CSV header without rows or an empty JSON array holds no message: refused like an
        // empty file, so it is dead-lettered and seen rather than taken without a trace (found by fuzzing).
        guard !outcomes.isEmpty else {
            return [.failure(TranslationError(.emptyInput, "input holds no messages (a header line only, or an empty list)", at: "input"))]
        }
        return outcomes
    }

    /// The `hx translate` output for these outcomes: one JSON object per line.
    package static func jsonLines(_ outcomes: [TranslationOutcome]) -> Data {
        var out = Data()
        for o in outcomes {
            out.append(o.jsonLine)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// `hx translate` exit status: 0 when all succeed, 65 (EX_DATAERR) when any was rejected.
    package static func exitStatus(_ outcomes: [TranslationOutcome]) -> Int32 {
        outcomes.allSatisfy(\.isSuccess) ? 0 : 65
    }
}

/// Shared pieces of building a canonical message.
extension AdapterConfiguration {
    func sourceOf(_ messageID: String) -> Source {
        Source(organisation: organisation, system: system, adapter: name, messageId: messageID)
    }

    func canonical(messageID: String, occurredAt: RFC3339Timestamp, subject: Subject, labels: [SensitivityLabel], payload: Payload) -> CanonicalMessage {
        var all = Set(labels)
        all.formUnion(sensitivity.sources[organisation] ?? [])
        let m = CanonicalMessage(
            id: CanonicalMessage.deriveID(sourceOrganisation: organisation, sourceMessageID: messageID),
            occurredAt: occurredAt, source: sourceOf(messageID), subject: subject,
            sensitivity: SensitivityLabel.allCases.filter(all.contains), payload: payload)
        return m.withSensitivityUnion()
    }
}
