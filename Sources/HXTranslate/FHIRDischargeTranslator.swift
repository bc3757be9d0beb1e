import HXCanonical

/// FHIR document Bundles → discharge summaries: the NHS ITK3 eDischarge
/// (STU3) and UK Core R4 documents, JSON or XML. Sections are recognised by
/// their heading code: PRSB/AMoRC heading SNOMED CT concepts (ITK3) or the
/// UK Core record standard heading codes.
struct FHIRDischargeTranslator {
    let configuration: AdapterConfiguration

    enum Heading {
        case diagnoses, procedures, medications, allergies, plan, dischargeDetails, narrative
    }

    static let headings: [String: Heading] = [
        // PRSB headings as SNOMED CT record artifacts (ITK3 eDischarge "Headings Used")
        "887161000000102": .diagnoses,
        "887171000000109": .procedures,
        "933361000000108": .medications,
        "886921000000105": .allergies,
        "887201000000105": .plan,
        "886811000000106": .dischargeDetails,
        "887181000000106": .narrative,  // clinical summary
        // UK Core record standard headings (https://fhir.hl7.org.uk/CodeSystem/UKCore-RecordStandardHeadings)
        "diagnoses": .diagnoses,
        "procedures": .procedures,
        "medications-and-medical-devices": .medications,
        "allergies-and-adverse-reaction": .allergies,
        "allergies-and-adverse-reactions": .allergies,
        "plan-and-requested-actions": .plan,
        "discharge-details": .dischargeDetails,
        "clinical-narrative": .narrative,
        "clinical-summary": .narrative,
    ]

    func translate(_ text: String) -> TranslationOutcome {
        do {
            // A Patient on its own is the source's demographics: an identity fact.
            let root = try FHIRReader.parse(text)
            if root.resourceType == "Patient" { return .identity(try FHIRPatientIdentity(configuration: configuration).fact(root)) }
            return .message(try translateOrThrow(root: root))
        } catch {
            return .failure(error)
        }
    }

    func translateOrThrow(_ text: String) throws(TranslationError) -> CanonicalMessage {
        try translateOrThrow(root: FHIRReader.parse(text))
    }

    func translateOrThrow(root: FNode) throws(TranslationError) -> CanonicalMessage {
        // A message (ITK3 over MESH, or an R4 message with a DocumentReference) carries the document inside.
        if root.resourceType == "Bundle", root.string("type") == "message" {
            return try FHIRMessageDocument(configuration: configuration).translate(try FHIRBundle(root))
        }
        return try translate(document: root)
    }

    /// A FHIR document Bundle (read on its own, or found inside a message).
    func translate(document root: FNode) throws(TranslationError) -> CanonicalMessage {
        let bundle = try FHIRBundle(root)
        guard let composition = bundle.first("Composition") else {
            throw TranslationError(.fhirCompositionMissing, "the Bundle has no Composition: it is not a FHIR document", at: "Bundle.entry")
        }
        let messageID = bundle.root["identifier"]?.string("value") ?? bundle.root.string("id")
            ?? composition.all("identifier").first?.string("value") ?? composition.string("id")
        guard let messageID else {
            throw TranslationError(.fhirFieldMissing, "neither the Bundle nor the Composition has an identifier or id", at: "Bundle.identifier")
        }
        guard let patient = bundle.resolve(composition["subject"]) ?? bundle.first("Patient") else {
            throw TranslationError(.fhirPatientMissing, "the Composition's subject is not a Patient in the Bundle", at: composition["subject"]?.path ?? composition.path + ".subject")
        }
        let subject = try bundle.subject(patient, configuration: configuration)
        guard let occurredAt = try FHIRBundle.firstTime([composition["date"], bundle.root["timestamp"]], configuration) else {
            throw TranslationError(.fhirFieldMissing, "the Composition has no date", at: composition.path + ".date")
        }
        let encounter = bundle.resolve(composition["encounter"]) ?? bundle.first("Encounter")
        let admittedAt = try FHIRBundle.time(encounter?["period"]?["start"], configuration)
        let dischargedAt = try FHIRBundle.time(encounter?["period"]?["end"], configuration) ?? occurredAt

        var diagnoses: [CodedEntry] = [], procedures: [CodedEntry] = [], allergies: [CodedEntry] = []
        var medications: [Medication] = []
        var followUp: [FollowUp] = []
        var narrative: [String] = []
        var destination = encounter.flatMap(Self.destination)
        for section in Self.sections(composition) {
            let codes = section["code"]?.all("coding").compactMap { $0.string("code") } ?? []
            guard let heading = codes.lazy.compactMap({ Self.headings[$0] }).first else { continue }
            let text = section["text"]?.string("div")
            let resources = entries(section, bundle)
            switch heading {
            case .diagnoses:
                let found = resources.filter { $0.resourceType == "Condition" }.compactMap { FHIRBundle.coded($0["code"]) }
                diagnoses += found.isEmpty ? textOnly(text) : found
            case .procedures:
                let found = resources.filter { $0.resourceType == "Procedure" }.compactMap { FHIRBundle.coded($0["code"]) }
                procedures += found.isEmpty ? textOnly(text) : found
            case .allergies:
                let found = resources.filter { $0.resourceType == "AllergyIntolerance" }.compactMap { FHIRBundle.coded($0["code"] ?? $0["substance"]) }
                allergies += found.isEmpty ? textOnly(text) : found
            case .medications:
                medications += resources.compactMap { medication($0, bundle) }
                if medications.isEmpty, let text { narrative.append("Medications: " + text) }
            case .plan:
                if let text { followUp.append(FollowUp(action: text, owner: Self.owner(text))) }
            case .dischargeDetails:
                if destination == nil, let enc = resources.first(where: { $0.resourceType == "Encounter" }) { destination = Self.destination(enc) }
                if destination == nil, let text { destination = Self.destination(text: text) }
            case .narrative:
                if let text { narrative.append(text) }
            }
        }
        let codes = configuration.sensitivity
        diagnoses = diagnoses.map(codes.labelled)
        procedures = procedures.map(codes.labelled)
        allergies = allergies.map(codes.labelled)
        let summary = DischargeSummary(
            admittedAt: admittedAt, dischargedAt: dischargedAt,
            dischargingOrganisation: bundle.odsCode(composition["custodian"]) ?? configuration.organisation,
            dischargingClinician: composition.all("author").lazy.compactMap { bundle.personName($0) }.first,
            dischargeDestination: destination, diagnoses: diagnoses, procedures: procedures, medications: medications,
            allergies: allergies, followUp: followUp, careNeedsOnDischarge: false,
            narrative: narrative.isEmpty ? nil : narrative.joined(separator: "\n\n"))
        return configuration.canonical(
            messageID: messageID, occurredAt: occurredAt, subject: subject,
            labels: allergies.flatMap { $0.sensitivity ?? [] }, payload: .dischargeSummary(summary))
    }

    /// A section whose entries are not in the Bundle keeps its text as one uncoded item.
    func textOnly(_ text: String?) -> [CodedEntry] {
        guard let text, !text.isEmpty else { return [] }
        return [CodedEntry(code: nil, system: nil, display: text)]
    }

    /// Sections, nested ones included, in document order.
    static func sections(_ n: FNode) -> [FNode] {
        n.all("section").flatMap { [$0] + sections($0) }
    }

    /// Resources a section's entries point at; a List is replaced by its items.
    func entries(_ section: FNode, _ bundle: FHIRBundle) -> [FNode] {
        section.all("entry").compactMap { bundle.resolve($0) }.flatMap { r -> [FNode] in
            r.resourceType == "List" ? r.all("entry").compactMap { bundle.resolve($0["item"]) } : [r]
        }
    }

    func medication(_ r: FNode, _ bundle: FHIRBundle) -> Medication? {
        guard ["MedicationStatement", "MedicationRequest", "MedicationAdministration"].contains(r.resourceType ?? "") else { return nil }
        let concept = r["medicationCodeableConcept"] ?? bundle.resolve(r["medicationReference"])?["code"]
        guard let name = concept.flatMap(FHIRBundle.coded)?.display ?? concept.flatMap(FHIRBundle.coded)?.code else { return nil }
        let dosage = r["dosage"] ?? r["dosageInstruction"]
        let route = dosage?["route"].flatMap(FHIRBundle.coded)?.display
        var status: MedicationStatus = r.string("status") == "stopped" ? .stopped : .continued
        // ITK3 carries the change (added/changed/cancelled/unchanged) in an extension.
        for ext in r.all("extension") {
            for c in FHIRBundle.allCodings(ext) {
                switch (c.code ?? c.display ?? "").lowercased() {
                case "added", "new", "started", "start": status = .started
                case "changed", "amended", "dose-changed": status = .changed
                case "cancelled", "discontinued", "stopped", "stop": status = .stopped
                case "unchanged", "continued": status = .continued
                default: break
                }
            }
        }
        let medication = Medication(name: name, dose: dosage?.string("text"), route: route, status: status)
        let labels = concept.flatMap(FHIRBundle.coded).map { configuration.sensitivity.labels(code: $0.code, system: $0.system) } ?? []
        var m = medication
        m.sensitivity = labels.isEmpty ? nil : labels
        return m
    }

    static func destination(_ encounter: FNode) -> DischargeDestination? {
        var concepts: [FNode] = []
        if let d = encounter["hospitalization"]?["dischargeDisposition"] { concepts.append(d) }
        for ext in encounter.all("extension") + (encounter["hospitalization"]?.all("extension") ?? [])
        where (ext.string("url") ?? "").lowercased().contains("dischargedestination") {
            concepts += ext.all("valueCodeableConcept")
        }
        for concept in concepts {
            for coding in concept.all("coding") {
                if let code = coding.string("code"), let d = HL7Translator.destination(code) { return d }
                if let text = coding.string("display"), let d = destination(text: text) { return d }
            }
            if let text = concept.string("text"), let d = destination(text: text) { return d }
        }
        return nil
    }

    /// Words of a discharge destination description (NHS Data Dictionary wording).
    static func destination(text: String) -> DischargeDestination? {
        let t = text.lowercased()
        if t.contains("died") || t.contains("deceased") || t.contains("death") { return .deceased }
        if t.contains("nursing home") { return .nursingHome }
        if t.contains("care home") || t.contains("residential") { return .careHome }
        if t.contains("hospice") { return .hospice }
        if t.contains("hospital") { return .otherHospital }
        if t.contains("usual place of residence") || t.contains("home") { return .home }
        return nil
    }

    /// Who a plan item is for, from its wording; the GP when it does not say.
    static func owner(_ text: String) -> FollowUpOwner {
        let t = text.lowercased()
        if t.contains("social care") || t.contains("social worker") || t.contains("care package") { return .socialCare }
        if t.contains("district nurs") || t.contains("community") { return .community }
        return .gp
    }
}
