import HXCanonical

/// FHIR R4 message Bundles carrying a referral (NHS Booking and Referral
/// Standard shape: MessageHeader → focus ServiceRequest → subject Patient).
struct FHIRReferralTranslator {
    let configuration: AdapterConfiguration

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
        let bundle = try FHIRBundle(root)
        guard let header = bundle.first("MessageHeader") else {
            throw TranslationError(.fhirMessageHeaderMissing, "the Bundle has no MessageHeader: it is not a FHIR message", at: "Bundle.entry")
        }
        let focus = header.all("focus").lazy.compactMap { bundle.resolve($0) }.first { $0.resourceType == "ServiceRequest" }
        guard let request = focus ?? bundle.first("ServiceRequest") else {
            throw TranslationError(.fhirServiceRequestMissing, "the message has no ServiceRequest", at: header.path + ".focus")
        }
        guard let patient = bundle.resolve(request["subject"]) ?? bundle.first("Patient") else {
            throw TranslationError(.fhirPatientMissing, "the ServiceRequest's subject is not a Patient in the Bundle", at: request.path + ".subject")
        }
        let subject = try bundle.subject(patient, configuration: configuration)
        guard let messageID = bundle.root["identifier"]?.string("value") ?? bundle.root.string("id") ?? header.string("id") else {
            throw TranslationError(.fhirFieldMissing, "the Bundle has no identifier or id", at: "Bundle.identifier")
        }
        let referralID = request.all("identifier").first?.string("value") ?? request.string("id")
            ?? bundle.fullUrl(of: request).map { $0.hasPrefix("urn:uuid:") ? String($0.dropFirst(9)) : $0 } ?? messageID
        let destination = header.all("destination").first
        let performer = request.all("performer").first
        guard let to = bundle.odsCode(destination?["receiver"]) ?? bundle.odsCode(performer) else {
            throw TranslationError(.referralRecipientMissing, "neither MessageHeader.destination.receiver nor ServiceRequest.performer names an organisation with an ODS code", at: request.path + ".performer")
        }
        let from = bundle.odsCode(header["sender"]) ?? bundle.odsCode(request["requester"]) ?? configuration.organisation
        let performerResource = bundle.resolve(performer)
        let toService = performerResource?.resourceType == "HealthcareService" ? performerResource?.string("name") : destination?.string("name")
        guard let requestedAt = try FHIRBundle.firstTime([request["authoredOn"], bundle.root["timestamp"], header["timestamp"]], configuration) else {
            throw TranslationError(.fhirFieldMissing, "the ServiceRequest has no authoredOn and the Bundle no timestamp", at: request.path + ".authoredOn")
        }
        let occurredAt = try FHIRBundle.time(bundle.root["timestamp"], configuration) ?? requestedAt
        let priority: ReferralPriority
        switch request.string("priority") {
        case nil, "routine": priority = .routine
        case "urgent": priority = .urgent
        // FHIR ranks asap and stat above urgent; both need an immediate response.
        case "asap", "stat": priority = .emergency
        case let other?:
            throw TranslationError(.referralPriorityInvalid, "priority \(other.debugDescription) is not a FHIR request priority", at: request.path + ".priority")
        }
        let reasonConcept = request.all("reasonCode").first.flatMap(FHIRBundle.coded)
        let condition = bundle.first("Condition")?["code"].flatMap(FHIRBundle.coded)
        let reason = reasonConcept?.display ?? request["code"].flatMap(FHIRBundle.coded)?.display ?? condition?.display
        var summary = request.all("note").compactMap { $0.string("text") }
        if summary.isEmpty {
            summary = bundle.all("CarePlan").flatMap { $0.all("activity") }.compactMap { $0["outcomeCodeableConcept"]?.string("text") }
        }
        if let instruction = request.string("patientInstruction") { summary.append(instruction) }
        var consent: Bool?
        if let c = bundle.first("Consent") {
            consent = c.string("status") == "active" && c["provision"]?.string("type") != "deny"
        }
        let referral = Referral(
            referralId: referralID, fromOrganisation: from, fromService: header["source"]?.string("name"), toOrganisation: to,
            toService: toService, priority: priority, reason: reason,
            clinicalSummary: summary.isEmpty ? nil : summary.joined(separator: "\n"), requestedAt: requestedAt, consentToShare: consent)
        var labels: [SensitivityLabel] = []
        for c in [reasonConcept, condition].compactMap({ $0 }) { labels += configuration.sensitivity.labels(code: c.code, system: c.system) }
        return configuration.canonical(messageID: messageID, occurredAt: occurredAt, subject: subject, labels: labels, payload: .referral(referral))
    }
}
