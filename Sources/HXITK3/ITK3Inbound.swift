import Foundation
import HXCanonical
import HXTranslate

/// Documents trusts send the exchange over MESH (an ITK3 message, or an R4
/// message with a DocumentReference) into the canonical message, with what
/// the MESH adapter source needs to answer: the MessageHeader to respond to,
/// and for a rejection the ITK3 response code of the negative infrastructure
/// acknowledgement. Pure; the translation is HXTranslate's FHIR discharge
/// translator, which unwraps message Bundles.
package enum ITK3Inbound {
    /// What the adapter source answers about: the received MessageHeader.
    package struct Header: Sendable, Equatable {
        package var id: String
        /// ODS code of the sending organisation, when the header names it.
        package var sender: String?
        /// ITK-MessageEvent-2 code (STU3), or the R4 eventCoding's code.
        package var event: String?
        /// The handling keys asked; an R4 message (no handling extension) asks for neither.
        package var infrastructureAckRequested: Bool
        package var businessAckRequested: Bool
    }

    /// A document refused: the translator's reason (the dead letter's reason
    /// code) and the ITK3 response code to send back negatively.
    package struct Rejection: Error, Sendable, Equatable {
        package var error: TranslationError
        package var responseCode: ITK3ResponseCode
        package var reasonCode: String { error.code }
    }

    /// One document in, one canonical message or a rejection out. `configuration`
    /// is the adapter's (`format: fhir-discharge`), whose limits and code lists apply.
    package static func translate(_ bytes: [UInt8], configuration: AdapterConfiguration) -> Result<CanonicalMessage, Rejection> {
        let outcomes = Translator.translate(configuration: configuration, input: Data(bytes))
        // A FHIR input is one message; more (or none) would be a translator fault, refused the same way.
        guard outcomes.count == 1, let outcome = outcomes.first else {
            return .failure(Rejection(error: TranslationError(.fhirInvalid, "expected one document, found \(outcomes.count)", at: "input"),
                                      responseCode: .unreadableMessage))
        }
        switch outcome {
        case .message(let m): return .success(m)
        case .failure(let e): return .failure(Rejection(error: e, responseCode: responseCode(for: e)))
        case .identity: return .failure(Rejection(error: TranslationError(.unsupportedMessageType, "an identity fact, not a document", at: "input"),
                                                  responseCode: .messageDefinitionValueError))
        }
    }

    /// The ITK3 response code for a translator's refusal: unreadable input
    /// (10009), a message that is not a transfer-of-care document (10004), a
    /// broken header (20006), an attachment type we do not take (20005), and
    /// anything wrong in the document itself (20009).
    package static func responseCode(for error: TranslationError) -> ITK3ResponseCode {
        switch TranslationError.Code(rawValue: error.code) {
        case .fhirInvalid, .fhirBundleExpected, .emptyInput, .invalidUTF8, .invalidASCII, .invalidISO88591, .invalidWindows1252, .inputTooLarge:
            .unreadableMessage
        case .unsupportedMessageType: .messageDefinitionValueError
        case .fhirMessageHeaderMissing, .fhirDocumentMissing: .headerValidationFailure
        case .fhirAttachmentUnsupported: .unsupportedAttachmentType
        default: .payloadValidationFailure
        }
    }

    /// The MessageHeader of an inbound message, for the acknowledgement; nil
    /// when the bytes are not a FHIR message Bundle with a MessageHeader id
    /// (then there is nothing to respond to, and MESH's own acknowledgement is all).
    package static func header(_ bytes: [UInt8]) -> Header? {
        guard let root = try? FHIRReader.parse(String(decoding: bytes, as: UTF8.self)),
              root.resourceType == "Bundle", root.string("type") == "message" else { return nil }
        let entries = root.all("entry")
        guard let h = entries.compactMap({ $0["resource"] }).first(where: { $0.resourceType == "MessageHeader" }), let id = h.string("id") else { return nil }
        var inf = false, bus = false
        for ext in h.all("extension") where ext.string("url") == ITK3.handlingExtension {
            for part in ext.all("extension") {
                switch part.string("url") {
                case ITK3.HandlingKey.infAckRequested.rawValue: inf = part.string("valueBoolean") == "true"
                case ITK3.HandlingKey.busAckRequested.rawValue: bus = part.string("valueBoolean") == "true"
                default: break
                }
            }
        }
        var sender: String?
        if let ref = h["sender"] {
            if let id = ref["identifier"], id.string("system") == ITK3.odsSystem { sender = id.string("value") }
            if sender == nil, let r = ref.string("reference") {
                let org = entries.first { e in
                    e.string("fullUrl") == r || e["resource"].map { "\($0.resourceType ?? "")/\($0.string("id") ?? "")" } == r
                }?["resource"]
                sender = org?.all("identifier").first { $0.string("system") == ITK3.odsSystem }?.string("value")
            }
        }
        return Header(id: id, sender: sender, event: h["event"]?.string("code") ?? h["eventCoding"]?.string("code"),
                      infrastructureAckRequested: inf, businessAckRequested: bus)
    }
}
