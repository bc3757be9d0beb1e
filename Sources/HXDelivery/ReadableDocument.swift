import Foundation
import HXCanonical
import HXPlace

/// What a person reads: a title, the patient and the document's origin, and
/// the payload's sections as lines of text. Every format carries it (HL7 v2
/// OBX lines, FHIR XHTML narrative), so a clinician can read a delivery in
/// their own system without a mapping of our fields.
package struct ReadableDocument: Sendable, Equatable {
    package struct Section: Sendable, Equatable {
        package var title: String
        package var lines: [String]
    }

    /// One fact about the person or where the document came from, shown as "label: value".
    package struct Fact: Sendable, Equatable {
        package var label: String
        package var value: String
    }

    package var title: String
    package var header: [Fact]
    package var sections: [Section]

    /// `names` gives an organisation's name from its code (the place's configuration).
    package init(_ message: CanonicalMessage, names: (String) -> String?) {
        func org(_ code: String) -> String { names(code).map { "\($0) (\(code))" } ?? code }
        let s = message.subject
        var header: [Fact] = []
        if let name = s.name {
            header.append(Fact(label: "Name", value: ([name.family?.uppercased()].compactMap { $0 } + name.given).joined(separator: " ")))
        }
        if let nhs = s.nhsNumber { header.append(Fact(label: "NHS number", value: nhs.formatted)) }
        if let born = s.birthDate { header.append(Fact(label: "Born", value: Self.date(born))) }
        if let gender = s.gender { header.append(Fact(label: "Gender", value: gender.rawValue)) }
        if let postcode = s.postcode { header.append(Fact(label: "Postcode", value: postcode)) }
        if let practice = s.registeredPractice { header.append(Fact(label: "Registered GP practice", value: org(practice))) }
        header.append(Fact(label: "From", value: org(message.source.organisation)))
        header.append(Fact(label: "Written", value: Self.time(message.occurredAt)))

        var sections: [Section] = []
        func add(_ title: String, _ lines: [String]) { if !lines.isEmpty { sections.append(Section(title: title, lines: lines)) } }
        func coded(_ e: CodedEntry) -> String {
            let code = [e.code, e.system.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
            return [e.display, code.isEmpty ? nil : code].compactMap { $0 }.joined(separator: " ")
        }
        switch message.payload {
        case .dischargeSummary(let d):
            title = "Discharge summary"
            var details: [String] = []
            if let admitted = d.admittedAt { details.append("Admitted: \(Self.time(admitted))") }
            details.append("Discharged: \(Self.time(d.dischargedAt)) by \(org(d.dischargingOrganisation))")
            if let clinician = d.dischargingClinician { details.append("Discharging clinician: \(clinician)") }
            if let method = d.dischargeMethod { details.append("Discharge method: \(method)") }
            if let destination = d.dischargeDestination { details.append("Discharged to: \(Self.words(destination.rawValue))") }
            details.append("Care needs on discharge: \(d.careNeedsOnDischarge ? "yes" : "no")")
            add("Discharge details", details)
            add("Diagnoses", d.diagnoses.map(coded))
            add("Procedures", d.procedures.map(coded))
            add("Medications", d.medications.map { m in
                ([m.name, m.dose, m.route, m.frequency].compactMap { $0 }.joined(separator: ", ")) + " (\(m.status.rawValue))"
            })
            add("Allergies and adverse reactions", d.allergies.map(coded))
            add("Follow-up", d.followUp.map { "\($0.action) (by \(Self.owner($0.owner)))" })
            add("Summary", Self.paragraphs(d.narrative))
        case .socialCareNotification(let n):
            title = "Social care notification: \(Self.words(n.event.rawValue))"
            var details: [String] = []
            if let pathway = n.pathway { details.append("Discharge to assess pathway: \(pathway)") }
            if let service = n.service { details.append("Service: \(service)") }
            if let team = n.team { details.append("Team: \(team)") }
            if let from = n.effectiveFrom { details.append("From: \(Self.time(from))") }
            if let to = n.effectiveTo { details.append("To: \(Self.time(to))") }
            if let contact = n.contact { details.append("Contact: \(contact)") }
            add("Notification", details)
            add("Details", Self.paragraphs(n.details))
        case .referral(let r):
            title = "Referral (\(Self.words(r.priority.rawValue)))"
            var details = ["Referral: \(r.referralId)", "Requested: \(Self.time(r.requestedAt))",
                           "From: \(org(r.fromOrganisation))" + (r.fromService.map { ", \($0)" } ?? ""),
                           "To: \(org(r.toOrganisation))" + (r.toService.map { ", \($0)" } ?? "")]
            if let consent = r.consentToShare { details.append("Consent to share: \(consent ? "given" : "not given")") }
            add("Referral", details)
            add("Reason", Self.paragraphs(r.reason))
            add("Clinical summary", Self.paragraphs(r.clinicalSummary))
        }
        self.header = header
        self.sections = sections
    }

    /// `2026-07-14T10:30:00+01:00` as "14/07/2026 10:30 (+01:00)": the sender's own wall time, as they wrote it.
    static func time(_ t: RFC3339Timestamp) -> String {
        let r = Array(t.rawValue)
        let zone = String(r[19...]).drop { $0 != "Z" && $0 != "+" && $0 != "-" }
        return "\(String(r[8..<10]))/\(String(r[5..<7]))/\(String(r[0..<4])) \(String(r[11..<16])) (\(zone == "Z" ? "UTC" : String(zone)))"
    }

    /// `1948-05-02` as "02/05/1948".
    static func date(_ d: CalendarDate) -> String {
        d.description.split(separator: "-").reversed().joined(separator: "/")
    }

    static func owner(_ o: FollowUpOwner) -> String {
        switch o {
        case .gp: "the GP"
        case .community: "community services"
        case .socialCare: "social care"
        case .patient: "the patient"
        }
    }

    /// `care-home` as "care home".
    static func words(_ code: String) -> String { code.replacingOccurrences(of: "-", with: " ") }

    /// Free text as lines, without empty ones or carriage returns (which end an HL7 segment).
    static func paragraphs(_ text: String?) -> [String] {
        guard let text else { return [] }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
