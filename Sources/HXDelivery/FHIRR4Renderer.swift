import HXCanonical
import HXPlace

/// A canonical message as a FHIR R4 document Bundle in the UK Core style:
/// Composition (with a section per part of the payload, each with its
/// XHTML text), Patient with the NHS number, Encounter for a discharge, and
/// the organisations. Every id derives from the decision id.
package enum FHIRR4Renderer {
    static let nhsNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"
    static let odsSystem = "https://fhir.nhs.uk/Id/ods-organization-code"
    static let xhtml = "http://www.w3.org/1999/xhtml"

    /// The organisations a document names (its source, for a discharge the discharging
    /// organisation, and the recipient), and for a discharge its inpatient Encounter.
    /// R4 and STU3 (ITK3) alike; only the v3 ActCode system's URL differs between them.
    static func encounterAndOrganisations(
        _ message: CanonicalMessage, recipient: String, encounterId: String, subject: JSONText,
        serviceProvider: (String) -> JSONText, actCodeSystem: String
    ) -> (encounter: JSONText?, organisations: [String]) {
        var organisations = [message.source.organisation]
        var encounter: JSONText?
        if case .dischargeSummary(let d) = message.payload {
            if !organisations.contains(d.dischargingOrganisation) { organisations.append(d.dischargingOrganisation) }
            var period: [(String, JSONText)] = []
            if let admitted = d.admittedAt { period.append(("start", .string(admitted.rawValue))) }
            period.append(("end", .string(d.dischargedAt.rawValue)))
            encounter = .object([
                ("resourceType", .string("Encounter")), ("id", .string(encounterId)),
                ("status", .string("finished")),
                ("class", .object([("system", .string(actCodeSystem)), ("code", .string("IMP")), ("display", .string("inpatient encounter"))])),
                ("subject", subject), ("period", .object(period)),
                ("serviceProvider", serviceProvider(d.dischargingOrganisation)),
            ])
        }
        if !organisations.contains(recipient) { organisations.append(recipient) }
        return (encounter, organisations)
    }

    package static func render(_ message: CanonicalMessage, decisionId: DecisionIdentity, recipient: String,
                               names: (String) -> String?) -> [UInt8] {
        let document = ReadableDocument(message, names: names)
        let compositionId = decisionId.derived("Composition"), patientId = decisionId.derived("Patient")
        let encounterId = decisionId.derived("Encounter")
        func orgId(_ code: String) -> String { decisionId.derived("Organization|\(code)") }
        func ref(_ id: String) -> JSONText { .object([("reference", .string("urn:uuid:\(id)"))]) }
        func entry(_ id: String, _ resource: JSONText) -> JSONText {
            .object([("fullUrl", .string("urn:uuid:\(id)")), ("resource", resource)])
        }

        let (encounter, organisations) = encounterAndOrganisations(
            message, recipient: recipient, encounterId: encounterId, subject: ref(patientId), serviceProvider: { ref(orgId($0)) },
            actCodeSystem: "http://terminology.hl7.org/CodeSystem/v3-ActCode")

        var composition: [(String, JSONText)] = [
            ("resourceType", .string("Composition")), ("id", .string(compositionId)),
            ("text", narrative(divOf(document))),
            ("status", .string("final")), ("type", documentType(message.payload)),
            ("subject", ref(patientId)),
        ]
        if encounter != nil { composition.append(("encounter", ref(encounterId))) }
        composition += [
            ("date", .string(message.occurredAt.rawValue)),
            ("author", .array([ref(orgId(message.source.organisation))])),
            ("title", .string(document.title)),
        ]
        // Sensitive content is marked for the recipient's own access control.
        if !message.sensitivity.isEmpty {
            composition.append(("confidentiality", .string("R")))
        }
        composition.append(("custodian", ref(orgId(message.source.organisation))))
        composition.append(("section", .array(document.sections.map { section in
            .object([("title", .string(section.title)),
                     ("text", narrative("<div xmlns=\"\(xhtml)\"><ul>" + section.lines.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul></div>"))])
        })))

        var entries = [entry(compositionId, .object(composition)), entry(patientId, patient(message.subject, id: patientId))]
        if let encounter { entries.append(entry(encounterId, encounter)) }
        for code in organisations {
            var org: [(String, JSONText)] = [
                ("resourceType", .string("Organization")), ("id", .string(orgId(code))),
                ("identifier", .array([.object([("system", .string(odsSystem)), ("value", .string(code))])])),
            ]
            if let name = names(code) { org.append(("name", .string(name))) }
            entries.append(entry(orgId(code), .object(org)))
        }
        let bundle = JSONText.object([
            ("resourceType", .string("Bundle")), ("id", .string(decisionId.uuid)),
            ("identifier", .object([("system", .string("urn:ietf:rfc:3986")), ("value", .string("urn:uuid:\(decisionId.uuid)"))])),
            ("type", .string("document")), ("timestamp", .string(message.occurredAt.rawValue)),
            ("entry", .array(entries)),
        ])
        return Array(bundle.rendered.utf8)
    }

    static func patient(_ s: Subject, id: String) -> JSONText {
        var p: [(String, JSONText)] = [("resourceType", .string("Patient")), ("id", .string(id))]
        var identifiers: [JSONText] = []
        if let nhs = s.nhsNumber {
            identifiers.append(.object([("system", .string(nhsNumberSystem)), ("value", .string(nhs.digits))]))
        }
        for local in s.localIdentifiers {
            identifiers.append(.object([("system", .string(local.system)), ("value", .string(local.value))]))
        }
        if !identifiers.isEmpty { p.append(("identifier", .array(identifiers))) }
        if let name = s.name {
            var n: [(String, JSONText)] = [("use", .string("official"))]
            if let family = name.family { n.append(("family", .string(family))) }
            if !name.given.isEmpty { n.append(("given", .strings(name.given))) }
            p.append(("name", .array([.object(n)])))
        }
        if let gender = s.gender { p.append(("gender", .string(gender.rawValue))) }
        if let born = s.birthDate { p.append(("birthDate", .string(born.description))) }
        if let postcode = s.postcode { p.append(("address", .array([.object([("postalCode", .string(postcode))])]))) }
        if let practice = s.registeredPractice {
            p.append(("generalPractitioner", .array([.object([
                ("identifier", .object([("system", .string(odsSystem)), ("value", .string(practice))])),
            ])])))
        }
        return .object(p)
    }

    /// SNOMED CT for the kinds that have a record artefact concept; text alone otherwise.
    static func documentType(_ payload: Payload) -> JSONText {
        func snomed(_ code: String, _ display: String) -> JSONText {
            .object([("coding", .array([.object([("system", .string("http://snomed.info/sct")), ("code", .string(code)),
                                                 ("display", .string(display))])])), ("text", .string(display))])
        }
        return switch payload {
        case .dischargeSummary: snomed("373942005", "Discharge summary")
        case .referral: snomed("3457005", "Patient referral")
        case .socialCareNotification: .object([("text", .string("Social care notification"))])
        }
    }

    static func narrative(_ div: String) -> JSONText { .object([("status", .string("generated")), ("div", .string(div))]) }

    /// The whole readable document as one XHTML div (the Composition's text).
    static func divOf(_ d: ReadableDocument) -> String {
        var html = "<div xmlns=\"\(xhtml)\"><h1>\(HTMLText.escape(d.title))</h1><table><tbody>"
        for h in d.header { html += "<tr><th>\(HTMLText.escape(h.label))</th><td>\(HTMLText.escape(h.value))</td></tr>" }
        html += "</tbody></table>"
        for s in d.sections {
            html += "<h2>\(HTMLText.escape(s.title))</h2><ul>" + s.lines.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul>"
        }
        return html + "</div>"
    }
}
