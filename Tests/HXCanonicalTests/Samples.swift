import Foundation
@testable import HXCanonical
import Testing

/// The project's own synthetic messages, one per type.
enum Samples {
    static func ts(_ s: String) -> RFC3339Timestamp { RFC3339Timestamp(s)! }

    static var subject: Subject {
        Subject(
            nhsNumber: try! NHSNumber("9434765919"), identityStatus: .verified,
            localIdentifiers: [LocalIdentifier(system: "https://fhir.rww.invalid/Id/mrn", value: "RWW1234567")],
            name: PersonName(family: "O'Halton", given: ["Jane", "Mary"]),
            birthDate: CalendarDate("1948-03-09"), gender: .female, postcode: "WA8 7AB",
            registeredPractice: "N81035")
    }

    static var discharge: CanonicalMessage {
        CanonicalMessage(
            id: CanonicalMessage.deriveID(sourceOrganisation: "RWW", sourceMessageID: "A03-000123"),
            occurredAt: ts("2026-07-15T10:30:00+01:00"),
            source: Source(organisation: "RWW", system: "PAS", adapter: "whh-pas-discharge", messageId: "A03-000123"),
            subject: subject,
            sensitivity: [.mentalHealth],
            payload: .dischargeSummary(DischargeSummary(
                admittedAt: ts("2026-07-10T14:05:00+01:00"), dischargedAt: ts("2026-07-15T10:30:00+01:00"),
                dischargingOrganisation: "RWW", dischargingClinician: "Dr A Consultant", dischargeMethod: "1",
                dischargeDestination: .careHome,
                diagnoses: [
                    CodedEntry(code: "S72.0", system: "ICD-10", display: "Fracture of neck of femur"),
                    CodedEntry(code: "F32.1", system: "ICD-10", display: "Moderate depressive episode", sensitivity: [.mentalHealth]),
                ],
                procedures: [CodedEntry(code: "W46.1", system: "OPCS-4", display: "Hemiarthroplasty / primary")],
                medications: [
                    Medication(name: "Alendronic acid", dose: "70 mg", route: "oral", frequency: "weekly", status: .started),
                    Medication(name: "Sertraline", dose: "50 mg", route: "oral", frequency: "daily", status: .continued,
                               sensitivity: [.mentalHealth]),
                ],
                allergies: [CodedEntry(code: nil, system: nil, display: "Penicillin")],
                followUp: [FollowUp(action: "Review pain relief in 2 weeks", owner: .gp),
                           FollowUp(action: "Care package review", owner: .socialCare)],
                careNeedsOnDischarge: true,
                narrative: "Fell at home; \"fit for discharge\" 15/07. Needs <2> carers & hoist.")))
    }

    static var socialCare: CanonicalMessage {
        CanonicalMessage(
            id: CanonicalMessage.deriveID(sourceOrganisation: "HBC-ASC", sourceMessageID: "D2A-77"),
            occurredAt: ts("2026-01-15T09:00:00Z"),
            source: Source(organisation: "HBC-ASC", system: "LAS", adapter: "hbc-asc-events", messageId: "D2A-77"),
            subject: Subject(nhsNumber: nil, identityStatus: .unresolved,
                             localIdentifiers: [LocalIdentifier(system: "HBC-ASC", value: "P-000442")],
                             name: PersonName(family: "Jones", given: ["Alan"])),
            payload: .socialCareNotification(SocialCareNotification(
                event: .dischargeToAssess, pathway: 2, service: "Intermediate care", team: "Widnes D2A team",
                effectiveFrom: ts("2026-01-16T00:00:00Z"), details: "Bed-based reablement", contact: "01515 000000")))
    }

    static var referral: CanonicalMessage {
        CanonicalMessage(
            id: CanonicalMessage.deriveID(sourceOrganisation: "N81035", sourceMessageID: "REF-9"),
            occurredAt: ts("2026-03-02T11:15:00Z"),
            source: Source(organisation: "N81035", system: "GP system", adapter: "gp-referrals", messageId: "REF-9"),
            subject: subject,
            sensitivity: [],
            payload: .referral(Referral(
                referralId: "REF-9", fromOrganisation: "N81035", fromService: "General practice",
                toOrganisation: "RY2", toService: "Community falls service", priority: .urgent,
                reason: "Two falls in a month", clinicalSummary: "Frailty; lives alone.",
                requestedAt: ts("2026-03-02T11:10:00Z"), consentToShare: true)))
    }

    static var all: [CanonicalMessage] { [discharge, socialCare, referral] }
}

// Short names in test output instead of the whole message dump.
extension CanonicalMessage: CustomTestStringConvertible {
    public var testDescription: String { "\(type.rawValue) \(source.messageId)" }
}
