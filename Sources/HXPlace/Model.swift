import HXCanonical

/// The kinds of party docs/design.md "Place configuration" names.
package enum OrganisationKind: String, Sendable, CaseIterable, Hashable {
    case acuteTrust = "acute-trust"
    case mentalHealthTrust = "mental-health-trust"
    case communityTrust = "community-trust"
    case gpPractice = "gp-practice"
    case hubTeam = "hub-team"
    case adultSocialCare = "adult-social-care"
    case childrensSocialCare = "childrens-social-care"
    case voluntary
    case ambulance
    case commissioner
}

package struct Organisation: Sendable, Equatable {
    /// ODS code, a local code, or a PLACEHOLDER-... code (see organisations.yaml).
    package var code: String
    package var name: String
    package var kind: OrganisationKind
    /// For a GP practice: the hub team around it.
    package var hub: String?
    /// For a GP practice: its primary care network (e.g. widnes, runcorn).
    package var pcn: String?
    /// How its own system receives deliveries; nil: it reads its Kafka topic itself.
    package var delivery: DeliverySettings?

    package init(code: String, name: String, kind: OrganisationKind, hub: String? = nil, pcn: String? = nil,
                 delivery: DeliverySettings? = nil) {
        self.code = code
        self.name = name
        self.kind = kind
        self.hub = hub
        self.pcn = pcn
        self.delivery = delivery
    }

    /// docs/design.md: `hx.deliver.<code in lower case>`.
    package var deliveryTopic: String { "hx.deliver.\(code.lowercased())" }
}

/// A named set of organisations: written as a list of codes, or as a
/// selector (every organisation of a kind, optionally of one PCN or hub).
package struct OrganisationGroup: Sendable, Equatable {
    package enum Definition: Sendable, Equatable {
        case list([String])
        case selector(kind: OrganisationKind?, pcn: String?, hub: String?)
    }

    package var name: String
    package var definition: Definition
    /// Member codes in the order written (lists) or organisations.yaml order (selectors).
    package var members: [String]

    package init(name: String, definition: Definition, members: [String]) {
        self.name = name
        self.definition = definition
        self.members = members
    }
}

package enum AgreementStatus: String, Sendable, CaseIterable {
    case draft, active, suspended, retired
}

package enum Purpose: String, Sendable, CaseIterable {
    case directCare = "direct-care"
    case planning
    case research
}

/// A party named in an agreement's `from` or `to`: an organisation code or `@group`.
package enum PartyReference: Sendable, Hashable, CustomStringConvertible {
    case organisation(String)
    case group(String)

    package init(_ text: String) {
        self = text.hasPrefix("@") ? .group(String(text.dropFirst())) : .organisation(text)
    }

    package var description: String {
        switch self {
        case .organisation(let c): c
        case .group(let g): "@" + g
        }
    }
}

/// A data sharing agreement (docs/design.md "Information governance").
package struct SharingAgreement: Sendable, Equatable {
    package var id: String
    package var title: String
    package var version: Int
    package var status: AgreementStatus
    /// First and last UK calendar days the agreement is in force (both inclusive).
    package var validFrom: CalendarDate
    package var validTo: CalendarDate
    package var purpose: Purpose
    package var lawfulBasis: [String]
    package var from: [PartyReference]
    package var to: [PartyReference]
    /// `from` and `to` with groups expanded, in the order written, without repeats.
    package var sources: [String]
    package var recipients: [String]
    package var messageTypes: [MessageType]
    /// Field paths removed from every delivery (data minimisation).
    package var excludedFields: [String]
    package var allow: [SensitivityLabel]
    package var redact: [SensitivityLabel]
    package var deny: [SensitivityLabel]
    /// Labels whose presence lets a sharing go ahead despite an objection.
    package var objectionOverrides: [SensitivityLabel]
    /// Where it was read from (the line of its `id`), for errors and warnings.
    package var location: FileLocation

    package init(
        id: String, title: String, version: Int, status: AgreementStatus, validFrom: CalendarDate,
        validTo: CalendarDate, purpose: Purpose, lawfulBasis: [String], from: [PartyReference],
        to: [PartyReference], sources: [String], recipients: [String], messageTypes: [MessageType],
        excludedFields: [String] = [], allow: [SensitivityLabel] = [], redact: [SensitivityLabel] = [],
        deny: [SensitivityLabel] = [], objectionOverrides: [SensitivityLabel] = [],
        location: FileLocation = FileLocation(file: "", line: nil)
    ) {
        self.id = id
        self.title = title
        self.version = version
        self.status = status
        self.validFrom = validFrom
        self.validTo = validTo
        self.purpose = purpose
        self.lawfulBasis = lawfulBasis
        self.from = from
        self.to = to
        self.sources = sources
        self.recipients = recipients
        self.messageTypes = messageTypes
        self.excludedFields = excludedFields
        self.allow = allow
        self.redact = redact
        self.deny = deny
        self.objectionOverrides = objectionOverrides
        self.location = location
    }

    // `isInDate` and `rule(for:)` are inlinable so that the router can ask them of an
    // agreement where it lies in the configuration: an opaque call would make the
    // caller copy the whole agreement first (a retain for each of its arrays and strings).

    /// In date on the UK calendar day `date` (status is judged separately).
    @inlinable
    package func isInDate(on date: CalendarDate) -> Bool {
        validFrom.dayNumber <= date.dayNumber && date.dayNumber <= validTo.dayNumber
    }

    /// Whether this agreement is about sharing `type` from `source` to `recipient` for `purpose`,
    /// whatever its status and dates.
    package func covers(source: String, recipient: String, type: MessageType, purpose: Purpose) -> Bool {
        self.purpose == purpose && messageTypes.contains(type) && sources.contains(source) && recipients.contains(recipient)
    }

    package enum LabelRule: String, Sendable { case allow, redact, deny, unmentioned }

    /// docs/design.md step 5: a label the agreement does not mention is denied.
    @inlinable
    package func rule(for label: SensitivityLabel) -> LabelRule {
        if allow.contains(label) { return .allow }
        if redact.contains(label) { return .redact }
        if deny.contains(label) { return .deny }
        return .unmentioned
    }
}

/// Fields an agreement may exclude, per message type, each with how it is
/// taken out of a message: the one list that agreement checking (`hx config
/// check`) and minimisation (decision step 6) both use. Identity keys
/// (`subject.nhsNumber`, `subject.identityStatus`), the source and required
/// payload fields cannot be excluded: a delivery without them would not be a
/// valid canonical message, and the delivery topic is keyed by NHS number.
package enum ExcludableFields {
    /// Takes the field out of a message; true when there was something to take
    /// (only what was actually present is recorded as removed).
    package typealias Remove = @Sendable (inout CanonicalMessage) -> Bool

    package static let subject: [(path: String, remove: Remove)] = [
        ("subject.localIdentifiers", { empty(&$0.subject.localIdentifiers) }),
        ("subject.name", { clear(&$0.subject.name) }),
        ("subject.birthDate", { clear(&$0.subject.birthDate) }),
        ("subject.gender", { clear(&$0.subject.gender) }),
        ("subject.postcode", { clear(&$0.subject.postcode) }),
        ("subject.registeredPractice", { clear(&$0.subject.registeredPractice) }),
    ]

    static let dischargeSummary: [(path: String, remove: Remove)] = [
        ("payload.admittedAt", { inDischarge(&$0) { clear(&$0.admittedAt) } }),
        ("payload.dischargingClinician", { inDischarge(&$0) { clear(&$0.dischargingClinician) } }),
        ("payload.dischargeMethod", { inDischarge(&$0) { clear(&$0.dischargeMethod) } }),
        ("payload.dischargeDestination", { inDischarge(&$0) { clear(&$0.dischargeDestination) } }),
        ("payload.diagnoses", { inDischarge(&$0) { empty(&$0.diagnoses) } }),
        ("payload.procedures", { inDischarge(&$0) { empty(&$0.procedures) } }),
        ("payload.medications", { inDischarge(&$0) { empty(&$0.medications) } }),
        ("payload.allergies", { inDischarge(&$0) { empty(&$0.allergies) } }),
        ("payload.followUp", { inDischarge(&$0) { empty(&$0.followUp) } }),
        ("payload.narrative", { inDischarge(&$0) { clear(&$0.narrative) } }),
    ]

    static let socialCareNotification: [(path: String, remove: Remove)] = [
        ("payload.pathway", { inNotification(&$0) { clear(&$0.pathway) } }),
        ("payload.service", { inNotification(&$0) { clear(&$0.service) } }),
        ("payload.team", { inNotification(&$0) { clear(&$0.team) } }),
        ("payload.effectiveFrom", { inNotification(&$0) { clear(&$0.effectiveFrom) } }),
        ("payload.effectiveTo", { inNotification(&$0) { clear(&$0.effectiveTo) } }),
        ("payload.details", { inNotification(&$0) { clear(&$0.details) } }),
        ("payload.contact", { inNotification(&$0) { clear(&$0.contact) } }),
    ]

    static let referral: [(path: String, remove: Remove)] = [
        ("payload.fromService", { inReferral(&$0) { clear(&$0.fromService) } }),
        ("payload.toService", { inReferral(&$0) { clear(&$0.toService) } }),
        ("payload.reason", { inReferral(&$0) { clear(&$0.reason) } }),
        ("payload.clinicalSummary", { inReferral(&$0) { clear(&$0.clinicalSummary) } }),
        ("payload.consentToShare", { inReferral(&$0) { clear(&$0.consentToShare) } }),
    ]

    package static func payload(for type: MessageType) -> [(path: String, remove: Remove)] {
        switch type {
        case .dischargeSummary: dischargeSummary
        case .socialCareNotification: socialCareNotification
        case .referral: referral
        }
    }

    /// Every path an agreement covering `type` may exclude.
    package static func all(for type: MessageType) -> [String] { (subject + payload(for: type)).map(\.path) }

    private static let removers: [String: Remove] = Dictionary(
        uniqueKeysWithValues: (subject + dischargeSummary + socialCareNotification + referral).map { ($0.path, $0.remove) })

    /// Takes one excludable field out of a message; false when the path is not
    /// excludable, is another message type's, or the field was absent.
    @discardableResult
    package static func remove(_ path: String, from message: inout CanonicalMessage) -> Bool {
        removers[path]?(&message) ?? false
    }

    private static func clear<T>(_ value: inout T?) -> Bool {
        defer { value = nil }
        return value != nil
    }

    private static func empty<T>(_ value: inout [T]) -> Bool {
        defer { value = [] }
        return !value.isEmpty
    }

    // A payload field of another message type is never there to remove.
    private static func inDischarge(_ message: inout CanonicalMessage, _ change: (inout DischargeSummary) -> Bool) -> Bool {
        guard case .dischargeSummary(var d) = message.payload else { return false }
        defer { message.payload = .dischargeSummary(d) }
        return change(&d)
    }

    private static func inNotification(_ message: inout CanonicalMessage, _ change: (inout SocialCareNotification) -> Bool) -> Bool {
        guard case .socialCareNotification(var n) = message.payload else { return false }
        defer { message.payload = .socialCareNotification(n) }
        return change(&n)
    }

    private static func inReferral(_ message: inout CanonicalMessage, _ change: (inout Referral) -> Bool) -> Bool {
        guard case .referral(var r) = message.payload else { return false }
        defer { message.payload = .referral(r) }
        return change(&r)
    }
}

package struct FileLocation: Sendable, Equatable, CustomStringConvertible {
    package var file: String
    package var line: Int?
    package init(file: String, line: Int?) {
        self.file = file
        self.line = line
    }
    package var description: String { line.map { "\(file):\($0)" } ?? file }
}
