import HL7v2
import HXCanonical

/// Why an input could not be translated. `code` is stable: dead-letter
/// reason codes, dashboards, replays and tests.yaml key on it; `message` is
/// for people; `location` says where, in the input's own terms: an HL7 path
/// (`PID-3.1`), a FHIR path (`Bundle.entry[2].resource.subject`), a CSV
/// place (`line 4, column NHS No`), `byte N` or `input`.
package struct TranslationError: Error, Sendable, Equatable, CustomStringConvertible {
    package var code: String
    package var message: String
    package var location: String

    package init(_ code: Code, _ message: String, at location: String) {
        self.code = code.rawValue
        self.message = message
        self.location = location
    }

    /// Keeps a code found elsewhere (HL7v2's own codes) unchanged.
    package init(code: String, message: String, location: String) {
        self.code = code
        self.message = message
        self.location = location
    }

    package var description: String { "\(code) at \(location): \(message)" }

    /// Every code the translators produce besides HL7v2's own
    /// (`hl7-msh-missing`, `hl7-encoding-characters-invalid`, `hl7-truncated`,
    /// `hl7-invalid-utf8`, `hl7-input-too-large`, `hl7-segment-invalid`),
    /// which are passed through unchanged.
    package enum Code: String, Sendable, CaseIterable {
        // Any format
        case inputTooLarge = "input-too-large"
        case invalidUTF8 = "invalid-utf8"
        /// Invalid in the encoding the input was declared to be in (MSH-18 or `adapter.yaml`).
        case invalidASCII = "invalid-ascii"
        case invalidISO88591 = "invalid-iso-8859-1"
        case invalidWindows1252 = "invalid-windows-1252"
        case emptyInput = "input-empty"
        case nhsNumberInvalid = "nhs-number-invalid"
        case dateInvalid = "date-invalid"
        case unsupportedMessageType = "unsupported-message-type"
        /// An identity fact (ADT^A01/A08/A28) is only useful with an NHS number.
        case identityNHSNumberMissing = "identity-nhs-number-missing"
        // HL7 v2
        /// MSH-18 names a character set the adapter cannot decode.
        case hl7CharsetUnsupported = "hl7-charset-unsupported"
        case hl7PIDMissing = "hl7-pid-missing"
        case hl7FieldMissing = "hl7-field-missing"
        case hl7DischargeTextMissing = "hl7-discharge-text-missing"
        // FHIR
        case fhirInvalid = "fhir-invalid"
        case fhirBundleExpected = "fhir-bundle-expected"
        case fhirCompositionMissing = "fhir-composition-missing"
        case fhirPatientMissing = "fhir-patient-missing"
        case fhirMessageHeaderMissing = "fhir-messageheader-missing"
        case fhirServiceRequestMissing = "fhir-servicerequest-missing"
        case fhirFieldMissing = "fhir-field-missing"
        /// A message Bundle whose MessageHeader focus is neither a document Bundle nor a DocumentReference.
        case fhirDocumentMissing = "fhir-document-missing"
        /// A DocumentReference whose attachment has no content, content that is not base64, or a Binary not in the message.
        case fhirAttachmentInvalid = "fhir-attachment-invalid"
        /// An attachment of a type the exchange cannot read into a canonical message (a PDF, an image).
        case fhirAttachmentUnsupported = "fhir-attachment-unsupported"
        // CSV and JSON events
        case csvMalformed = "csv-malformed"
        case csvColumnMissing = "csv-column-missing"
        case valueMissing = "value-missing"
        case jsonInvalid = "json-invalid"
        case socialCareEventUnknown = "social-care-event-unknown"
        case pathwayInvalid = "social-care-pathway-invalid"
        case referralPriorityInvalid = "referral-priority-invalid"
        case referralRecipientMissing = "referral-recipient-missing"
        case valueInvalid = "value-invalid"
    }

    /// HL7v2 parse errors keep their own codes and locations.
    init(_ error: HL7Error) {
        self.init(code: error.code.rawValue, message: error.message, location: error.location)
    }

    static func nhsNumber(_ error: NHSNumberError, at location: String) -> TranslationError {
        TranslationError(code: NHSNumberError.code, message: error.message, location: location)
    }

    /// The codes a person may see, for documentation and the conformance test.
    package static var allCodes: [String] {
        Code.allCases.map(\.rawValue) + HL7Error.Code.allCases.map(\.rawValue)
    }
}
