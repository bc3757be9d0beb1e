import Foundation

/// Canonical message, version 1 (docs/design.md "Canonical message, version 1").
/// `type` is not stored: it is the payload's kind, so the two cannot disagree.
package struct CanonicalMessage: Codable, Sendable, Equatable {
    package static let schemaIdentifier = "hx.canonical/1"

    package var id: UUID
    package var occurredAt: RFC3339Timestamp
    package var source: Source
    package var subject: Subject
    package var sensitivity: [SensitivityLabel]
    package var payload: Payload

    package var schema: String { Self.schemaIdentifier }
    package var type: MessageType { payload.type }

    package init(
        id: UUID, occurredAt: RFC3339Timestamp, source: Source, subject: Subject,
        sensitivity: [SensitivityLabel] = [], payload: Payload
    ) {
        self.id = id
        self.occurredAt = occurredAt
        self.source = source
        self.subject = subject
        self.sensitivity = sensitivity
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey {
        case schema, id, type, occurredAt, source, subject, sensitivity, payload
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let schema = try c.decode(String.self, forKey: .schema)
        guard schema == Self.schemaIdentifier else {
            throw DecodingError.dataCorruptedError(
                forKey: .schema, in: c, debugDescription: "unsupported schema \(schema.debugDescription), expected \(Self.schemaIdentifier)")
        }
        let idText = try c.decode(String.self, forKey: .id)
        guard let id = UUID(uuidString: idText) else {
            throw DecodingError.dataCorruptedError(forKey: .id, in: c, debugDescription: "not a UUID: \(idText)")
        }
        self.id = id
        occurredAt = try c.decode(RFC3339Timestamp.self, forKey: .occurredAt)
        source = try c.decode(Source.self, forKey: .source)
        subject = try c.decode(Subject.self, forKey: .subject)
        sensitivity = try c.decode([SensitivityLabel].self, forKey: .sensitivity)
        // The payload's shape is chosen by "type".
        switch try c.decode(MessageType.self, forKey: .type) {
        case .dischargeSummary: payload = .dischargeSummary(try c.decode(DischargeSummary.self, forKey: .payload))
        case .socialCareNotification:
            payload = .socialCareNotification(try c.decode(SocialCareNotification.self, forKey: .payload))
        case .referral: payload = .referral(try c.decode(Referral.self, forKey: .payload))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        // RFC 9562 asks for lower case; Foundation prints upper case.
        try c.encode(id.uuidString.lowercased(), forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(occurredAt, forKey: .occurredAt)
        try c.encode(source, forKey: .source)
        try c.encode(subject, forKey: .subject)
        try c.encode(sensitivity, forKey: .sensitivity)
        switch payload {
        case .dischargeSummary(let p): try c.encode(p, forKey: .payload)
        case .socialCareNotification(let p): try c.encode(p, forKey: .payload)
        case .referral(let p): try c.encode(p, forKey: .payload)
        }
    }

    /// Labels carried by payload list items. The message-level list must
    /// include them (docs/design.md: "the message-level list is the union").
    package var itemSensitivity: Set<SensitivityLabel> { payload.itemSensitivity }

    /// This message with `sensitivity` = message labels ∪ item labels, in
    /// declaration order, so equal label sets always encode to equal bytes.
    package func withSensitivityUnion() -> CanonicalMessage {
        var copy = self
        let all = Set(sensitivity).union(itemSensitivity)
        copy.sensitivity = SensitivityLabel.allCases.filter(all.contains)
        return copy
    }
}

package enum MessageType: String, Codable, Sendable, CaseIterable {
    case dischargeSummary = "discharge-summary"
    case socialCareNotification = "social-care-notification"
    case referral

    /// `hx.canonical.<type>.v1`
    package var topic: String { "hx.canonical.\(rawValue).v1" }
}

package enum SensitivityLabel: String, Codable, Sendable, CaseIterable {
    case mentalHealth = "mental-health"
    case safeguarding
    case sexualHealth = "sexual-health"
    case reproductiveHealth = "reproductive-health"
    case genderIdentity = "gender-identity"
    case substanceMisuse = "substance-misuse"
}

package struct Source: Codable, Sendable, Equatable {
    /// ODS code of the sending organisation.
    package var organisation: String
    package var system: String
    /// Adapter name.
    package var adapter: String
    /// The message id in the source system (HL7 MSH-10, FHIR Bundle id ...).
    package var messageId: String

    package init(organisation: String, system: String, adapter: String, messageId: String) {
        self.organisation = organisation
        self.system = system
        self.adapter = adapter
        self.messageId = messageId
    }
}

package enum IdentityStatus: String, Codable, Sendable, CaseIterable {
    case verified, matched, unresolved
}

package enum Gender: String, Codable, Sendable, CaseIterable {
    case male, female, other, unknown
}

package struct LocalIdentifier: Codable, Sendable, Equatable {
    package var system: String
    package var value: String
    package init(system: String, value: String) {
        self.system = system
        self.value = value
    }
}

package struct PersonName: Codable, Sendable, Equatable {
    package var family: String?
    package var given: [String]
    package init(family: String?, given: [String] = []) {
        self.family = family
        self.given = given
    }
}

package struct Subject: Codable, Sendable, Equatable {
    package var nhsNumber: NHSNumber?
    package var identityStatus: IdentityStatus
    package var localIdentifiers: [LocalIdentifier]
    package var name: PersonName?
    package var birthDate: CalendarDate?
    package var gender: Gender?
    package var postcode: String?
    /// ODS code of the registered GP practice.
    package var registeredPractice: String?

    package init(
        nhsNumber: NHSNumber?, identityStatus: IdentityStatus, localIdentifiers: [LocalIdentifier] = [],
        name: PersonName? = nil, birthDate: CalendarDate? = nil, gender: Gender? = nil,
        postcode: String? = nil, registeredPractice: String? = nil
    ) {
        self.nhsNumber = nhsNumber
        self.identityStatus = identityStatus
        self.localIdentifiers = localIdentifiers
        self.name = name
        self.birthDate = birthDate
        self.gender = gender
        self.postcode = postcode
        self.registeredPractice = registeredPractice
    }

    enum CodingKeys: String, CodingKey {
        case nhsNumber, identityStatus, localIdentifiers, name, birthDate, gender, postcode, registeredPractice
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nhsNumber = try c.decodeIfPresent(NHSNumber.self, forKey: .nhsNumber)
        identityStatus = try c.decode(IdentityStatus.self, forKey: .identityStatus)
        // Nothing is guessed: without an NHS number the subject is unresolved.
        if nhsNumber == nil && identityStatus != .unresolved {
            throw DecodingError.dataCorruptedError(
                forKey: .identityStatus, in: c,
                debugDescription: "identityStatus must be unresolved when nhsNumber is null")
        }
        localIdentifiers = try c.decode([LocalIdentifier].self, forKey: .localIdentifiers)
        name = try c.decodeIfPresent(PersonName.self, forKey: .name)
        birthDate = try c.decodeIfPresent(CalendarDate.self, forKey: .birthDate)
        gender = try c.decodeIfPresent(Gender.self, forKey: .gender)
        postcode = try c.decodeIfPresent(String.self, forKey: .postcode)
        registeredPractice = try c.decodeIfPresent(String.self, forKey: .registeredPractice)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        // The contract spells these two out as "... or null", so they are
        // always present; every other absent optional is omitted.
        try c.encode(nhsNumber, forKey: .nhsNumber)
        try c.encode(identityStatus, forKey: .identityStatus)
        try c.encode(localIdentifiers, forKey: .localIdentifiers)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(birthDate, forKey: .birthDate)
        try c.encodeIfPresent(gender, forKey: .gender)
        try c.encodeIfPresent(postcode, forKey: .postcode)
        try c.encode(registeredPractice, forKey: .registeredPractice)
    }
}
