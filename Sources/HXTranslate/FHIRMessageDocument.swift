import Foundation
import HXCanonical

/// Message Bundles that carry a transfer-of-care document, as trusts send
/// them over MESH: an ITK3 message (STU3) whose MessageHeader focus is the
/// document Bundle, or an R4 message whose focus is a DocumentReference with
/// the document attached (inline or as a Binary in the message). A FHIR
/// document inside goes through the discharge translator as if it had come
/// alone; plain text or HTML becomes a discharge summary's narrative; other
/// attachments (a PDF) are refused, since a canonical message carries text.
struct FHIRMessageDocument {
    let configuration: AdapterConfiguration

    /// ITK-MessageEvent-2 events of transfer-of-care documents: eDischarge,
    /// mental health and emergency care eDischarge, outpatient letter.
    static let documentEvents: Set<String> = ["ITK003D", "ITK004D", "ITK005D", "ITK006D"]

    static let fhirTypes: Set<String> = [
        "application/fhir+json", "application/fhir+xml", "application/json+fhir", "application/xml+fhir",
        "application/json", "application/xml", "text/xml",
    ]

    func translate(_ bundle: FHIRBundle) throws(TranslationError) -> CanonicalMessage {
        guard let header = bundle.first("MessageHeader") else {
            throw TranslationError(.fhirMessageHeaderMissing, "the message Bundle has no MessageHeader", at: "Bundle.entry")
        }
        // STU3 `event` with an ITK3 code says what the message is; an R4 `eventCoding` is the sender's own.
        if let event = header["event"], (event.string("system") ?? "").contains("ITK-MessageEvent"), let code = event.string("code"),
           !Self.documentEvents.contains(code) {
            let what = code == "ITK008M" ? "an ITK3 response" : "ITK3 event \(code)"
            throw TranslationError(.unsupportedMessageType, "\(what), not a transfer-of-care document (ITK003D to ITK006D)", at: event.path + ".code")
        }
        let focus = header.all("focus").lazy.compactMap { bundle.resolve($0) }.first
            ?? bundle.resources.first { $0.resourceType == "DocumentReference" || ($0.resourceType == "Bundle" && $0.string("type") == "document") }
        guard let focus else {
            throw TranslationError(.fhirDocumentMissing, "the MessageHeader's focus is not a document Bundle or a DocumentReference in the message", at: header.path + ".focus")
        }
        switch focus.resourceType {
        case "Bundle" where focus.string("type") == "document":
            return try FHIRDischargeTranslator(configuration: configuration).translate(document: focus)
        case "DocumentReference":
            return try documentReference(focus, in: bundle, header: header)
        default:
            throw TranslationError(.fhirDocumentMissing, "the MessageHeader's focus is a \(focus.resourceType ?? "resource") \(focus.string("type") ?? ""), not a document Bundle or a DocumentReference",
                                   at: header.path + ".focus")
        }
    }

    func documentReference(_ doc: FNode, in bundle: FHIRBundle, header: FNode) throws(TranslationError) -> CanonicalMessage {
        guard let attachment = doc.all("content").first?["attachment"] else {
            throw TranslationError(.fhirAttachmentInvalid, "the DocumentReference has no content.attachment", at: doc.path + ".content")
        }
        var contentType = attachment.string("contentType")
        var data = attachment.string("data"), dataPath = attachment.path + ".data"
        if data == nil, let url = attachment.string("url") {
            var ref = FNode(path: attachment.path + ".url")
            ref.fields["reference"] = [FNode(value: url, path: attachment.path + ".url")]
            guard let binary = bundle.resolve(ref), binary.resourceType == "Binary" else {
                throw TranslationError(.fhirAttachmentInvalid, "the attachment's url \(url) is not a Binary in the message", at: attachment.path + ".url")
            }
            contentType = contentType ?? binary.string("contentType")
            // R4 Binary.data; STU3 Binary.content.
            data = binary.string("data") ?? binary.string("content")
            dataPath = binary.path + (binary.string("data") != nil ? ".data" : ".content")
        }
        guard let data else {
            throw TranslationError(.fhirAttachmentInvalid, "the attachment has no data and no url of a Binary in the message", at: attachment.path)
        }
        guard let bytes = Data(base64Encoded: data.filter { !$0.isWhitespace }), !bytes.isEmpty else {
            throw TranslationError(.fhirAttachmentInvalid, "the attachment's data is not base64, or empty", at: dataPath)
        }
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if Self.fhirTypes.contains(type) {
            guard let text = String(data: bytes, encoding: .utf8) else {
                throw TranslationError(.invalidUTF8, "the attached FHIR document is not UTF-8", at: dataPath)
            }
            let inner = try FHIRReader.parse(text)
            guard inner.resourceType == "Bundle", inner.string("type") == "document" else {
                throw TranslationError(.fhirDocumentMissing, "the attachment is a FHIR \(inner.resourceType ?? "resource"), not a document Bundle", at: dataPath)
            }
            return try FHIRDischargeTranslator(configuration: configuration).translate(document: inner)
        }
        guard type == "text/plain" || type == "text/html" else {
            throw TranslationError(.fhirAttachmentUnsupported,
                                   "an attachment of type \(type.isEmpty ? "(none)" : type) cannot be read into a canonical message (FHIR documents, text/plain and text/html can)",
                                   at: attachment.path + ".contentType")
        }
        guard let raw = String(data: bytes, encoding: .utf8) else {
            throw TranslationError(.invalidUTF8, "the attached text is not UTF-8", at: dataPath)
        }
        let text = (type == "text/html" ? XHTMLText.text(of: raw) : raw)
            .replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw TranslationError(.fhirAttachmentInvalid, "the attached text is empty", at: dataPath)
        }
        guard let patient = bundle.resolve(doc["subject"]), patient.resourceType == "Patient" else {
            throw TranslationError(.fhirPatientMissing, "the DocumentReference's subject is not a Patient in the message", at: doc["subject"]?.path ?? doc.path + ".subject")
        }
        let subject = try bundle.subject(patient, configuration: configuration)
        // R4 `date`, STU3 `indexed`; the message's time when neither is given.
        guard let occurredAt = try FHIRBundle.firstTime([doc["date"], doc["indexed"], header["timestamp"]], configuration) else {
            throw TranslationError(.fhirFieldMissing, "the DocumentReference has no date", at: doc.path + ".date")
        }
        let period = doc["context"]?["period"]
        let admittedAt = try FHIRBundle.time(period?["start"], configuration)
        let dischargedAt = try FHIRBundle.time(period?["end"], configuration) ?? occurredAt
        guard let messageID = doc["masterIdentifier"]?.string("value") ?? doc.string("id") ?? bundle.root.string("id") else {
            throw TranslationError(.fhirFieldMissing, "the DocumentReference has no masterIdentifier or id", at: doc.path + ".masterIdentifier")
        }
        let organisation = bundle.odsCode(doc["custodian"]) ?? doc.all("author").lazy.compactMap { bundle.odsCode($0) }.first ?? configuration.organisation
        let summary = DischargeSummary(
            admittedAt: admittedAt, dischargedAt: dischargedAt, dischargingOrganisation: organisation,
            dischargingClinician: doc.all("author").lazy.compactMap { bundle.personName($0) }.first,
            careNeedsOnDischarge: false, narrative: text)
        return configuration.canonical(messageID: messageID, occurredAt: occurredAt, subject: subject, labels: [], payload: .dischargeSummary(summary))
    }
}
