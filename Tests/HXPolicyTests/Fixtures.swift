import Foundation
import HXCanonical
import HXPlace
import HXPolicy

/// A small place with one agreement per situation the decision table needs.
enum Fixture {
    static let organisations = """
    organisations:
      - {code: ACUTE, name: Acute trust, kind: acute-trust}
      - {code: MH, name: Mental health trust, kind: mental-health-trust}
      - {code: COMM, name: Community trust, kind: community-trust}
      - {code: HUB1, name: Hub one, kind: hub-team}
      - {code: GP1, name: Practice one, kind: gp-practice, hub: HUB1, pcn: north}
      - {code: GP2, name: Practice two, kind: gp-practice, hub: HUB1, pcn: north}
      - {code: ASC, name: Adult social care, kind: adult-social-care}
      - {code: CSC, name: Children's social care, kind: childrens-social-care}
      - {code: VCS, name: Social prescribing, kind: voluntary}
      - {code: HOUSING, name: Housing, kind: voluntary}
      - {code: ICB, name: Commissioner, kind: commissioner}
      - {code: AMB, name: Ambulance, kind: ambulance}
    groups:
      gps: {kind: gp-practice}
      hubs: {kind: hub-team}
      social-care: [ASC, CSC]
    """

    static func dsa(_ id: String, status: String = "active", from: String = "2025-01-01", to: String = "2026-12-31",
                    purpose: String = "direct-care", sources: String, recipients: String, types: String,
                    allow: String = "[]", redact: String = "[]", deny: String = "[]", exclude: String = "[]",
                    overrides: String = "[]") -> (String, String) {
        ("\(id).yaml", """
        id: \(id)
        title: \(id)
        version: 2
        status: \(status)
        validFrom: \(from)
        validTo: \(to)
        purpose: \(purpose)
        lawfulBasis: ["UK GDPR Art 6(1)(e)"]
        from: \(sources)
        to: \(recipients)
        messageTypes: \(types)
        fields: {exclude: \(exclude)}
        sensitivity: {allow: \(allow), redact: \(redact), deny: \(deny)}
        objections: {overridableFor: \(overrides)}
        """)
    }

    static let agreements: [(String, String)] = [
        // reproductive-health, gender-identity: deliberately unmentioned (→ denied).
        dsa("A-DISCHARGE", sources: "[ACUTE]", recipients: #"["@gps", "@hubs"]"#, types: "[discharge-summary]",
            allow: "[mental-health, safeguarding]", redact: "[substance-misuse]", deny: "[sexual-health]", overrides: "[safeguarding]"),
        dsa("A-SOCIALCARE", sources: "[ACUTE]", recipients: #"["@social-care"]"#, types: "[discharge-summary]",
            allow: "[safeguarding]", exclude: "[payload.procedures, payload.narrative]"),
        dsa("A-MH-FUTURE", from: "2027-01-01", to: "2027-12-31", sources: "[MH]", recipients: "[GP1, GP2]", types: "[discharge-summary]"),
        dsa("A-MH-SUSPENDED", status: "suspended", sources: "[MH]", recipients: "[HUB1]", types: "[discharge-summary]"),
        dsa("A-AMB-DRAFT", status: "draft", sources: "[AMB]", recipients: #"["@gps"]"#, types: "[discharge-summary]"),
        dsa("A-NOTIFY", sources: #"["@social-care"]"#, recipients: #"["@gps", "@hubs"]"#, types: "[social-care-notification]",
            allow: "[safeguarding]", redact: "[mental-health]", overrides: "[safeguarding]"),
        dsa("A-REFER", sources: #"["@gps"]"#, recipients: "[COMM]", types: "[referral]", allow: "[mental-health]"),
        dsa("A-PRESCRIBE", sources: "[COMM]", recipients: "[VCS]", types: "[referral]", allow: "[mental-health]", exclude: "[payload.clinicalSummary]"),
        dsa("A-COPY", sources: "[COMM]", recipients: #"["@gps"]"#, types: "[referral]", allow: "[mental-health]"),
        dsa("A-PLANNING", from: "2025-06-01", purpose: "planning", sources: "[ACUTE]", recipients: "[ICB]", types: "[discharge-summary]",
            allow: "[mental-health]", exclude: "[subject.name, subject.postcode, payload.narrative]"),
        dsa("A-RETIRED-PLANNING", status: "retired", purpose: "research", sources: "[ACUTE]", recipients: "[HOUSING]", types: "[discharge-summary]"),
    ]

    static let config: PlaceConfiguration = {
        do {
            return try PlaceConfiguration.parse(organisations: ("organisations.yaml", organisations), agreements: agreements)
        } catch {
            fatalError("fixture configuration rejected:\n\(error)")
        }
    }()

    static func nhs(_ s: String) -> NHSNumber {
        do { return try NHSNumber(s) } catch { fatalError("bad NHS number \(s): \(error)") }
    }

    static let person = nhs("9990000379")
    static let other = nhs("9990000743")

    static func time(_ s: String) -> RFC3339Timestamp { RFC3339Timestamp(s)! }
    static func at(_ s: String) -> Instant { Instant(rfc3339: s)! }
    static let now = at("2026-03-02T12:00:00Z")

    static func subject(_ number: NHSNumber? = person, practice: String? = "GP1", born: String = "1950-01-01") -> Subject {
        Subject(nhsNumber: number, identityStatus: number == nil ? .unresolved : .verified,
                localIdentifiers: [LocalIdentifier(system: "mrn", value: "M1")],
                name: PersonName(family: "Testperson", given: ["Pat"]), birthDate: CalendarDate(born), gender: .female,
                postcode: "WA8 0AA", registeredPractice: practice)
    }

    static func discharge(
        from source: String = "ACUTE", subject: Subject = subject(), labels: [SensitivityLabel] = [],
        destination: DischargeDestination = .home, careNeeds: Bool = false, diagnoses: [CodedEntry] = [],
        followUp: [FollowUp] = [], allergies: [CodedEntry] = [], narrative: String? = "Free text.",
        occurredAt: String = "2026-03-01T10:00:00Z"
    ) -> CanonicalMessage {
        CanonicalMessage(
            id: CanonicalMessage.deriveID(sourceOrganisation: source, sourceMessageID: "M-\(labels.map(\.rawValue))-\(diagnoses.count)"),
            occurredAt: time(occurredAt), source: Source(organisation: source, system: "pas", adapter: "test", messageId: "M1"),
            subject: subject, sensitivity: labels,
            payload: .dischargeSummary(DischargeSummary(
                admittedAt: time("2026-02-25T10:00:00Z"), dischargedAt: time("2026-03-01T10:00:00Z"), dischargingOrganisation: source,
                dischargeDestination: destination,
                diagnoses: diagnoses, procedures: [CodedEntry(code: "W46.1", system: "OPCS-4", display: "Hip")],
                allergies: allergies, followUp: followUp, careNeedsOnDischarge: careNeeds, narrative: narrative)))
    }

    static func notification(event: SocialCareEvent = .carePackageStarted, labels: [SensitivityLabel] = [], subject: Subject = subject()) -> CanonicalMessage {
        CanonicalMessage(
            id: CanonicalMessage.deriveID(sourceOrganisation: "ASC", sourceMessageID: "N-\(event.rawValue)"),
            occurredAt: time("2026-03-01T10:00:00Z"), source: Source(organisation: "ASC", system: "las", adapter: "test", messageId: "N1"),
            subject: subject, sensitivity: labels,
            payload: .socialCareNotification(SocialCareNotification(event: event, service: "Domiciliary care", details: "Details.", contact: "Team")))
    }

    static func referral(from source: String, to target: String, practice: String? = "GP1", labels: [SensitivityLabel] = []) -> CanonicalMessage {
        CanonicalMessage(
            id: CanonicalMessage.deriveID(sourceOrganisation: source, sourceMessageID: "R-\(target)"),
            occurredAt: time("2026-03-01T10:00:00Z"), source: Source(organisation: source, system: "ehr", adapter: "test", messageId: "R1"),
            subject: subject(practice: practice), sensitivity: labels,
            payload: .referral(Referral(
                referralId: "R1", fromOrganisation: source, toOrganisation: target, priority: .routine, reason: "Reason.",
                clinicalSummary: "Summary.", requestedAt: time("2026-03-01T10:00:00Z"))))
    }

    static func objection(_ scope: ConsentDirective.Scope = .all, at: String = "2026-01-01T00:00:00Z", person: NHSNumber = person) -> ConsentDirective {
        ConsentDirective(nhsNumber: person, directive: .objection, scope: scope, recordedAt: time(at), recordedBy: "IG")
    }

    static func withdrawal(_ scope: ConsentDirective.Scope = .all, at: String) -> ConsentDirective {
        ConsentDirective(nhsNumber: person, directive: .withdrawObjection, scope: scope, recordedAt: time(at), recordedBy: "IG")
    }

    static let optOut = ConsentDirective(nhsNumber: person, directive: .nationalDataOptOut, recordedAt: time("2025-01-01T00:00:00Z"))

    static func route(_ m: CanonicalMessage, consent: [ConsentDirective] = [], identities: [IdentityFact] = [], at: Instant = now) -> RoutingResult {
        PolicyEngine.route(m, configuration: config, consent: ConsentState(directives: consent), identities: IdentityIndex(facts: identities), at: at)
    }
}

/// An identity fact as the tests write one: the NHS number and the three demographics of the exact look-up.
func identityFact(nhsNumber: NHSNumber, family: String, birthDate: CalendarDate, postcode: String) -> IdentityFact {
    IdentityFact(
        nhsNumber: nhsNumber, family: family, birthDate: birthDate, postcode: postcode,
        source: Source(organisation: "RWW", system: "pas", adapter: "test", messageId: "fact"), recordedAt: RFC3339Timestamp("2026-01-01T00:00:00Z")!)
}
