import HXCanonical

/// NHS Digital social care messages (SCCI2075 "ADW": Care Act 2014
/// Schedule 3 assessment, discharge and withdrawal notices as FHIR DSTU2
/// message Bundles, hospital → council) → social-care-notification.
/// Schedule 3 was repealed in July 2022; some systems still send these.
struct ADWTranslator {
    let configuration: AdapterConfiguration

    /// MessageHeader.event SNOMED CT codes of the specification.
    static let events: [String: SocialCareEvent] = [
        "975701000000106": .assessmentNotice,
        "975731000000100": .dischargeNotice,
        "975841000000102": .withdrawalNotice,
    ]

    func translate(_ text: String) -> TranslationOutcome {
        do {
            return .message(try translateOrThrow(text))
        } catch {
            return .failure(error)
        }
    }

    func translateOrThrow(_ text: String) throws(TranslationError) -> CanonicalMessage {
        let bundle = try FHIRBundle(FHIRReader.parse(text))
        guard let header = bundle.first("MessageHeader") else {
            throw TranslationError(.fhirMessageHeaderMissing, "the Bundle has no MessageHeader: it is not an ADW message", at: "Bundle.entry")
        }
        let eventNode = header["event"] ?? header["eventCoding"]
        let profiles = header["meta"]?.all("profile").compactMap(\.value).joined(separator: " ") ?? ""
        var event = eventNode?.string("code").flatMap { Self.events[$0] }
        if event == nil {
            // The profile name says which notice it is when the code is missing.
            if profiles.contains("AssessmentNotice") { event = .assessmentNotice }
            else if profiles.contains("DischargeNotice") { event = .dischargeNotice }
            else if profiles.contains("WithdrawalNotice") { event = .withdrawalNotice }
        }
        guard let event else {
            throw TranslationError(.socialCareEventUnknown, "MessageHeader.event \(eventNode?.string("code")?.debugDescription ?? "(none)") is not an assessment, discharge or withdrawal notice", at: eventNode?.path ?? header.path + ".event")
        }
        guard let messageID = header.string("id") ?? bundle.root.string("id") else {
            throw TranslationError(.fhirFieldMissing, "neither the MessageHeader nor the Bundle has an id", at: header.path + ".id")
        }
        guard let occurredAt = try FHIRBundle.firstTime([header["timestamp"], bundle.root["timestamp"]], configuration) else {
            throw TranslationError(.fhirFieldMissing, "the MessageHeader has no timestamp (the notice's issued date)", at: header.path + ".timestamp")
        }
        let referral = bundle.first("ReferralRequest")
        guard let patient = bundle.resolve(referral?["patient"] ?? referral?["subject"]) ?? bundle.first("Patient") else {
            throw TranslationError(.fhirPatientMissing, "the message has no Patient", at: "Bundle.entry")
        }
        let subject = try bundle.subject(patient, configuration: configuration)
        let encounter = bundle.first("Encounter")
        let admission = try FHIRBundle.time(encounter?["period"]?["start"], configuration)
        let proposedDischarge = try FHIRBundle.time(encounter?["period"]?["end"], configuration)
        let (from, to): (RFC3339Timestamp?, RFC3339Timestamp?) = switch event {
        case .assessmentNotice: (admission, proposedDischarge)
        case .dischargeNotice: (proposedDischarge, nil)
        default: (occurredAt, nil)
        }
        let hospital = bundle.first("Location").flatMap { loc in bundle.resolve(loc["managingOrganization"]) }
            ?? bundle.resolve(encounter?["serviceProvider"])
        let team = bundle.all("Organization").first { org in
            FHIRBundle.allCodings(org["type"] ?? FNode(path: "")).contains { $0.code == "team" }
        }?.string("name")
        var details: [String] = []
        let place = [hospital?.string("name"), bundle.first("Location")?.string("name")].compactMap { $0 }
        if !place.isEmpty { details.append("Hospital: " + place.joined(separator: ", ")) }
        if let reason = referral?["reason"].flatMap(FHIRBundle.coded)?.display { details.append("Reason: " + reason) }
        if let d = referral?.string("description") { details.append(d) }
        if event == .withdrawalNotice, let r = header["reason"], let text = r.string("text") ?? FHIRBundle.coded(r)?.display {
            details.append("Reason for withdrawal: " + text)
        }
        var labels = configuration.sensitivity.events[event] ?? []
        for q in bundle.all("QuestionnaireResponse").flatMap({ Self.questions($0) }) {
            let question = q.string("text")?.lowercased() ?? ""
            let yes = q.all("answer").contains { $0["valueCoding"]?.string("code")?.uppercased() == "Y" }
            if question.contains("safeguarding"), yes { labels.append(.safeguarding) }
            if question.contains("continuing health care"), let answer = q.all("answer").first?.string("valueString") {
                details.append("NHS continuing health care: " + answer)
            }
        }
        let liaison = bundle.resolve(referral?["requester"]) ?? header.all("author").first.flatMap { bundle.resolve($0) }
        var contact: String?
        if let p = liaison {
            let parts = [FHIRBundle.nameText(p["name"])] + p.all("telecom").map { $0.string("value") }
            contact = parts.compactMap { $0 }.joined(separator: ", ")
        }
        let notification = SocialCareNotification(
            event: event, service: "Hospital discharge (Care Act 2014 Schedule 3 notice)", team: team,
            effectiveFrom: from, effectiveTo: to, details: details.isEmpty ? nil : details.joined(separator: "\n"), contact: contact)
        return configuration.canonical(messageID: messageID, occurredAt: occurredAt, subject: subject, labels: labels, payload: .socialCareNotification(notification))
    }

    /// DSTU2 nests questions in groups (and groups in groups); R4 uses item.
    static func questions(_ n: FNode) -> [FNode] {
        (n.all("group") + n.all("item")).flatMap { g in g.all("question") + questions(g) } + n.all("question")
    }
}
