/// The payload of a canonical message; which case is given by "type".
package enum Payload: Sendable, Equatable {
    case dischargeSummary(DischargeSummary)
    case socialCareNotification(SocialCareNotification)
    case referral(Referral)

    package var type: MessageType {
        switch self {
        case .dischargeSummary: .dischargeSummary
        case .socialCareNotification: .socialCareNotification
        case .referral: .referral
        }
    }

    package var itemSensitivity: Set<SensitivityLabel> {
        guard case .dischargeSummary(let d) = self else { return [] }
        var labels = Set<SensitivityLabel>()
        for item in d.diagnoses { labels.formUnion(item.sensitivity ?? []) }
        for item in d.procedures { labels.formUnion(item.sensitivity ?? []) }
        for item in d.medications { labels.formUnion(item.sensitivity ?? []) }
        for item in d.allergies { labels.formUnion(item.sensitivity ?? []) }
        for item in d.followUp { labels.formUnion(item.sensitivity ?? []) }
        return labels
    }
}

// MARK: - discharge-summary

package enum DischargeDestination: String, Codable, Sendable, CaseIterable {
    case home
    case careHome = "care-home"
    case nursingHome = "nursing-home"
    case hospice
    case otherHospital = "other-hospital"
    case deceased
    case other
}

/// A coded entry (diagnosis, procedure, allergy): e.g. ICD-10 or OPCS-4 code.
package struct CodedEntry: Codable, Sendable, Equatable {
    package var code: String?
    package var system: String?
    package var display: String?
    /// Labels of this item alone; absent when it has none of its own.
    package var sensitivity: [SensitivityLabel]?

    package init(code: String?, system: String?, display: String?, sensitivity: [SensitivityLabel]? = nil) {
        self.code = code
        self.system = system
        self.display = display
        self.sensitivity = sensitivity
    }
}

package enum MedicationStatus: String, Codable, Sendable, CaseIterable {
    case started, changed, stopped, continued
}

package struct Medication: Codable, Sendable, Equatable {
    package var name: String
    package var dose: String?
    package var route: String?
    package var frequency: String?
    package var status: MedicationStatus
    package var sensitivity: [SensitivityLabel]?

    package init(
        name: String, dose: String? = nil, route: String? = nil, frequency: String? = nil,
        status: MedicationStatus, sensitivity: [SensitivityLabel]? = nil
    ) {
        self.name = name
        self.dose = dose
        self.route = route
        self.frequency = frequency
        self.status = status
        self.sensitivity = sensitivity
    }
}

package enum FollowUpOwner: String, Codable, Sendable, CaseIterable {
    case gp, community
    case socialCare = "social-care"
    case patient
}

package struct FollowUp: Codable, Sendable, Equatable {
    package var action: String
    package var owner: FollowUpOwner
    package var sensitivity: [SensitivityLabel]?

    package init(action: String, owner: FollowUpOwner, sensitivity: [SensitivityLabel]? = nil) {
        self.action = action
        self.owner = owner
        self.sensitivity = sensitivity
    }
}

package struct DischargeSummary: Codable, Sendable, Equatable {
    package var admittedAt: RFC3339Timestamp?
    package var dischargedAt: RFC3339Timestamp
    /// ODS code.
    package var dischargingOrganisation: String
    package var dischargingClinician: String?
    package var dischargeMethod: String?
    package var dischargeDestination: DischargeDestination?
    package var diagnoses: [CodedEntry]
    package var procedures: [CodedEntry]
    package var medications: [Medication]
    package var allergies: [CodedEntry]
    package var followUp: [FollowUp]
    package var careNeedsOnDischarge: Bool
    package var narrative: String?

    package init(
        admittedAt: RFC3339Timestamp? = nil, dischargedAt: RFC3339Timestamp, dischargingOrganisation: String,
        dischargingClinician: String? = nil, dischargeMethod: String? = nil,
        dischargeDestination: DischargeDestination? = nil, diagnoses: [CodedEntry] = [],
        procedures: [CodedEntry] = [], medications: [Medication] = [], allergies: [CodedEntry] = [],
        followUp: [FollowUp] = [], careNeedsOnDischarge: Bool, narrative: String? = nil
    ) {
        self.admittedAt = admittedAt
        self.dischargedAt = dischargedAt
        self.dischargingOrganisation = dischargingOrganisation
        self.dischargingClinician = dischargingClinician
        self.dischargeMethod = dischargeMethod
        self.dischargeDestination = dischargeDestination
        self.diagnoses = diagnoses
        self.procedures = procedures
        self.medications = medications
        self.allergies = allergies
        self.followUp = followUp
        self.careNeedsOnDischarge = careNeedsOnDischarge
        self.narrative = narrative
    }
}

// MARK: - social-care-notification

package enum SocialCareEvent: String, Codable, Sendable, CaseIterable {
    case dischargeToAssess = "discharge-to-assess"
    /// Legacy Care Act 2014 Schedule 3 feeds (repealed July 2022).
    case assessmentNotice = "assessment-notice"
    case dischargeNotice = "discharge-notice"
    case withdrawalNotice = "withdrawal-notice"
    case carePackageStarted = "care-package-started"
    case carePackageChanged = "care-package-changed"
    case carePackageEnded = "care-package-ended"
    case supportPlanShared = "support-plan-shared"
    case safeguardingConcern = "safeguarding-concern"
    case reablementStarted = "reablement-started"
    case reablementEnded = "reablement-ended"
    case carerAssessment = "carer-assessment"
}

package struct SocialCareNotification: Codable, Sendable, Equatable {
    package var event: SocialCareEvent
    /// Discharge-to-assess pathway 0...3; only with `discharge-to-assess`.
    package var pathway: Int?
    package var service: String?
    package var team: String?
    package var effectiveFrom: RFC3339Timestamp?
    package var effectiveTo: RFC3339Timestamp?
    package var details: String?
    package var contact: String?

    package init(
        event: SocialCareEvent, pathway: Int? = nil, service: String? = nil, team: String? = nil,
        effectiveFrom: RFC3339Timestamp? = nil, effectiveTo: RFC3339Timestamp? = nil,
        details: String? = nil, contact: String? = nil
    ) {
        self.event = event
        self.pathway = pathway
        self.service = service
        self.team = team
        self.effectiveFrom = effectiveFrom
        self.effectiveTo = effectiveTo
        self.details = details
        self.contact = contact
    }

    enum CodingKeys: String, CodingKey {
        case event, pathway, service, team, effectiveFrom, effectiveTo, details, contact
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        event = try c.decode(SocialCareEvent.self, forKey: .event)
        pathway = try c.decodeIfPresent(Int.self, forKey: .pathway)
        if let p = pathway {
            guard (0...3).contains(p) else {
                throw DecodingError.dataCorruptedError(forKey: .pathway, in: c, debugDescription: "pathway must be 0...3, got \(p)")
            }
            guard event == .dischargeToAssess else {
                throw DecodingError.dataCorruptedError(
                    forKey: .pathway, in: c, debugDescription: "pathway is only allowed with discharge-to-assess")
            }
        }
        service = try c.decodeIfPresent(String.self, forKey: .service)
        team = try c.decodeIfPresent(String.self, forKey: .team)
        effectiveFrom = try c.decodeIfPresent(RFC3339Timestamp.self, forKey: .effectiveFrom)
        effectiveTo = try c.decodeIfPresent(RFC3339Timestamp.self, forKey: .effectiveTo)
        details = try c.decodeIfPresent(String.self, forKey: .details)
        contact = try c.decodeIfPresent(String.self, forKey: .contact)
    }
}

// MARK: - referral

package enum ReferralPriority: String, Codable, Sendable, CaseIterable {
    case routine, urgent
    case twoWeekWait = "two-week-wait"
    case emergency
}

package struct Referral: Codable, Sendable, Equatable {
    package var referralId: String
    package var fromOrganisation: String
    package var fromService: String?
    package var toOrganisation: String
    package var toService: String?
    package var priority: ReferralPriority
    package var reason: String?
    package var clinicalSummary: String?
    package var requestedAt: RFC3339Timestamp
    /// nil when the source does not say.
    package var consentToShare: Bool?

    package init(
        referralId: String, fromOrganisation: String, fromService: String? = nil, toOrganisation: String,
        toService: String? = nil, priority: ReferralPriority, reason: String? = nil,
        clinicalSummary: String? = nil, requestedAt: RFC3339Timestamp, consentToShare: Bool? = nil
    ) {
        self.referralId = referralId
        self.fromOrganisation = fromOrganisation
        self.fromService = fromService
        self.toOrganisation = toOrganisation
        self.toService = toService
        self.priority = priority
        self.reason = reason
        self.clinicalSummary = clinicalSummary
        self.requestedAt = requestedAt
        self.consentToShare = consentToShare
    }
}
