import HXCanonical
import HXITK3
import HXPlace

/// A canonical message as the ITK3 message Bundle (FHIR STU3) that carries a
/// transfer-of-care document over MESH: a MessageHeader asking for the
/// infrastructure and business acknowledgements, the sender and receiver
/// organisations by ODS code, and the document Bundle (Composition with the
/// payload's sections and the readable narrative, Patient with the NHS
/// number, Encounter, organisations). Every id derives from the decision id,
/// so a resend carries the same MessageHeader id and the recipient's ITK3
/// responses can be matched to the decision.
package enum ITK3Renderer {
    /// The id of the MessageHeader sent for a decision: what an ITK3 response's
    /// `response.identifier` names. The transport records it at send.
    package static func messageHeaderId(decisionId: DecisionIdentity) -> String { decisionId.derived("ITK3|MessageHeader") }

    /// nil when `decisionId` is not a UUID.
    package static func messageHeaderId(decisionId: String) -> String? { DecisionIdentity(decisionId).map { messageHeaderId(decisionId: $0) } }

    /// The message Bundle's id.
    package static func bundleId(decisionId: DecisionIdentity) -> String { decisionId.derived("ITK3|Bundle") }

    /// PRSB headings (SNOMED CT record artefacts) for the readable document's sections, so a
    /// receiving system (and our own FHIR discharge translator) can tell the sections apart.
    static let headings: [String: (code: String, display: String)] = [
        "Discharge details": ("886811000000106", "Discharge details"),
        "Diagnoses": ("887161000000102", "Diagnoses"),
        "Procedures": ("887171000000109", "Procedures"),
        "Medications": ("933361000000108", "Medications and medical devices"),
        "Allergies and adverse reactions": ("886921000000105", "Allergies and adverse reactions"),
        "Follow-up": ("887201000000105", "Plan and requested actions"),
        "Summary": ("887181000000106", "Clinical summary"),
    ]

    /// - Parameters:
    ///   - workflow: the MESH workflow it travels on (chooses the message event); the inpatient discharge when nil.
    ///   - sourceEndpoint: the sending MESH mailbox (MessageHeader.source.endpoint).
    package static func render(_ message: CanonicalMessage, decisionId: DecisionIdentity, recipient: String,
                               workflow: String?, sourceEndpoint: String?, names: (String) -> String?) -> [UInt8] {
        let document = ReadableDocument(message, names: names)
        let compositionId = decisionId.derived("Composition"), patientId = decisionId.derived("Patient")
        let encounterId = decisionId.derived("Encounter"), documentId = decisionId.uuid
        let headerId = messageHeaderId(decisionId: decisionId), bundleId = bundleId(decisionId: decisionId)
        func orgId(_ code: String) -> String { decisionId.derived("Organization|\(code)") }
        func headerOrgId(_ code: String) -> String { decisionId.derived("ITK3|Organization|\(code)") }
        func ref(_ id: String) -> JSONText { .object([("reference", .string("urn:uuid:\(id)"))]) }
        func entry(_ id: String, _ resource: JSONText) -> JSONText { .object([("fullUrl", .string("urn:uuid:\(id)")), ("resource", resource)]) }
        func profile(_ url: String) -> JSONText { .object([("profile", .strings([url]))]) }
        func ods(_ code: String) -> JSONText { .array([.object([("system", .string(ITK3.odsSystem)), ("value", .string(code))])]) }

        // The document Bundle, in STU3.
        // STU3 names the v3 code system by its older URL.
        let (encounter, organisations) = FHIRR4Renderer.encounterAndOrganisations(
            message, recipient: recipient, encounterId: encounterId, subject: ref(patientId), serviceProvider: { ref(orgId($0)) },
            actCodeSystem: "http://hl7.org/fhir/v3/ActCode")
        var composition: [(String, JSONText)] = [
            ("resourceType", .string("Composition")), ("id", .string(compositionId)),
            ("text", FHIRR4Renderer.narrative(FHIRR4Renderer.divOf(document))),
            ("status", .string("final")), ("type", FHIRR4Renderer.documentType(message.payload)),
            ("subject", ref(patientId)),
        ]
        if encounter != nil { composition.append(("encounter", ref(encounterId))) }
        composition += [
            ("date", .string(message.occurredAt.rawValue)),
            ("author", .array([ref(orgId(message.source.organisation))])),
            ("title", .string(document.title)),
        ]
        if !message.sensitivity.isEmpty { composition.append(("confidentiality", .string("R"))) }
        composition.append(("custodian", ref(orgId(message.source.organisation))))
        composition.append(("section", .array(document.sections.map { section in
            var s: [(String, JSONText)] = [("title", .string(section.title))]
            if let h = headings[section.title] {
                s.append(("code", .object([("coding", .array([.object([("system", .string("http://snomed.info/sct")), ("code", .string(h.code)),
                                                                       ("display", .string(h.display))])]))])))
            }
            s.append(("text", FHIRR4Renderer.narrative("<div xmlns=\"\(FHIRR4Renderer.xhtml)\"><ul>"
                + section.lines.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul></div>")))
            return .object(s)
        })))
        var documentEntries = [entry(compositionId, .object(composition)),
                               entry(patientId, FHIRR4Renderer.patient(message.subject, id: patientId))]
        if let encounter { documentEntries.append(entry(encounterId, encounter)) }
        for code in organisations {
            var org: [(String, JSONText)] = [("resourceType", .string("Organization")), ("id", .string(orgId(code))), ("identifier", ods(code))]
            if let name = names(code) { org.append(("name", .string(name))) }
            documentEntries.append(entry(orgId(code), .object(org)))
        }
        // STU3 Bundles have no timestamp: the Composition's date carries the time.
        let documentBundle = JSONText.object([
            ("resourceType", .string("Bundle")), ("id", .string(documentId)), ("meta", profile(ITK3.documentBundleProfile)),
            ("identifier", .object([("system", .string("https://tools.ietf.org/html/rfc4122")), ("value", .string(documentId))])),
            ("type", .string("document")), ("entry", .array(documentEntries)),
        ])

        // The message around it.
        let event = ITK3MessageEvent.forWorkflow(workflow ?? ITK3.Workflow.inpatientDischarge)
        let sender = message.source.organisation
        let header = JSONText.object([
            ("resourceType", .string("MessageHeader")), ("id", .string(headerId)), ("meta", profile(ITK3.messageHeaderProfile)),
            ("extension", .array([ITK3Handling.handlingExtension(businessAck: true, infrastructureAck: true, recipientType: .forAction,
                                                         messageDefinition: nil, senderReference: decisionId.uuid)])),
            ("event", .object([("system", .string(ITK3.messageEventSystem)), ("code", .string(event.rawValue)), ("display", .string(event.display))])),
            ("receiver", ref(headerOrgId(recipient))), ("sender", ref(headerOrgId(sender))),
            ("timestamp", .string(message.occurredAt.rawValue)),
            ("source", .object([("endpoint", .string(sourceEndpoint ?? "urn:nhs-uk:addressing:ods:\(sender)"))])),
            ("focus", .array([ref(documentId)])),
        ])
        func headerOrg(_ code: String) -> JSONText {
            var org: [(String, JSONText)] = [("resourceType", .string("Organization")), ("id", .string(headerOrgId(code))),
                                             ("meta", profile(ITK3.headerOrganizationProfile)), ("identifier", ods(code))]
            if let name = names(code) { org.append(("name", .string(name))) }
            return .object(org)
        }
        var entries = [entry(headerId, header), entry(headerOrgId(sender), headerOrg(sender))]
        if recipient != sender { entries.append(entry(headerOrgId(recipient), headerOrg(recipient))) }
        entries.append(entry(documentId, documentBundle))
        let bundle = JSONText.object([
            ("resourceType", .string("Bundle")), ("id", .string(bundleId)), ("meta", profile(ITK3.messageBundleProfile)),
            ("identifier", .object([("system", .string("https://tools.ietf.org/html/rfc4122")), ("value", .string(bundleId))])),
            ("type", .string("message")), ("entry", .array(entries)),
        ])
        return Array(bundle.rendered.utf8)
    }
}
