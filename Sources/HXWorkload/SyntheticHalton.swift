import Foundation
import HXCanonical
import HXPolicy

/// Made-up Halton traffic for tests, benchmarks and the demo: canonical
/// messages of the three types from the place's real sources to its
/// practices, with sensitivity labels, people without an NHS number (some
/// matchable from identity facts, some not), objections, a message sent
/// twice now and then, and a record that is not a canonical message at all. Every value is invented;
/// the NHS numbers are in the 999 range NHS England sets aside for testing.
/// The same seed gives the same traffic.
package struct SyntheticHalton: Sendable {
    /// One record for a canonical topic.
    package struct Record: Sendable {
        package var topic: String
        package var key: String
        package var value: [UInt8]
        /// nil for a record that is deliberately not a canonical message.
        package var message: CanonicalMessage?
    }

    /// Halton's 14 GP practices (ODS codes, as config/organisations.yaml), hub by hub.
    package static let practices = [
        "N81035", "N81037", "N81119", "N81045",
        "N81011", "N81064", "N81619", "N81651",
        "N81066", "N81057", "N81096", "N81019",
        "N81072", "N81054",
    ]
    static let families = ["Ashworth", "Brennan", "Critchley", "Dunne", "Eccleston", "Fairclough", "Garside", "Hesketh", "Ince", "Jolley"]
    static let postcodes = ["WA8 7QH", "WA8 9PJ", "WA7 2GH", "WA7 5DX", "WA8 3LZ", "WA7 1TW"]

    /// People with an NHS number (a few hundred, so several messages concern one person).
    package let people: [NHSNumber]
    /// Identity facts for some people, so that messages without an NHS number can match.
    package let identityFacts: [IdentityFact]
    /// Objections and opt-outs for some people, recorded before any message.
    package let directives: [ConsentDirective]
    private var random: SplitMix64
    /// The last records made, some of which are sent again (a sender that missed its acknowledgement).
    private var sentLately: [Record] = []

    package init(seed: UInt64 = 2026, people count: Int = 400) {
        var random = SplitMix64(seed: seed)
        var people: [NHSNumber] = []
        var serial = 0
        while people.count < count {
            serial += 1
            let nine = 999_000_000 + (serial * 7919) % 1_000_000
            if let n = Self.nhsNumber(nine) { people.append(n) }
        }
        self.people = people
        var facts: [IdentityFact] = []
        for (i, person) in people.enumerated() where i % 5 == 0 {
            facts.append(IdentityFact(
                nhsNumber: person, family: Self.families[i % Self.families.count], birthDate: Self.birthDate(i),
                postcode: Self.postcodes[i % Self.postcodes.count],
                source: Source(organisation: "RWW", system: "pas", adapter: "synthetic", messageId: "ID-\(i)"),
                recordedAt: RFC3339Timestamp("2026-01-01T09:00:00Z")!))
        }
        identityFacts = facts
        var directives: [ConsentDirective] = []
        for (i, person) in people.enumerated() where i % 23 == 3 {
            let scope: ConsentDirective.Scope = i % 2 == 0 ? .all : .organisations([Self.practices[i % Self.practices.count]])
            directives.append(ConsentDirective(nhsNumber: person, directive: .objection, scope: scope,
                                               recordedAt: RFC3339Timestamp("2026-02-01T09:00:00Z")!, recordedBy: "IG team"))
        }
        for (i, person) in people.enumerated() where i % 31 == 7 {
            directives.append(ConsentDirective(nhsNumber: person, directive: .nationalDataOptOut,
                                               recordedAt: RFC3339Timestamp("2026-02-01T09:00:00Z")!, recordedBy: "NDOP"))
        }
        self.directives = directives
        _ = random.next()
        self.random = random
    }

    /// The next record; `index` makes source message ids unique.
    package mutating func next(index: Int, occurredAt: RFC3339Timestamp = RFC3339Timestamp("2026-11-20T10:00:00Z")!) -> Record {
        let roll = random.next() % 1000
        if roll >= 990, !sentLately.isEmpty {
            // Sent again: the same record, as a retrying sender would.
            return sentLately[Int(random.next() % UInt64(sentLately.count))]
        }
        if roll < 5 {
            // Not a canonical message: the router must dead-letter it.
            let topic = MessageType.allCases[index % 3].topic
            return Record(topic: topic, key: "broken-\(index)", value: Array(#"{"schema":"hx.canonical/1","id":"#.utf8) + Array("\(index)".utf8), message: nil)
        }
        let personIndex = Int(random.next() % UInt64(people.count))
        let practice = Self.practices[personIndex % Self.practices.count]
        let withoutNumber = roll < 35
        let subject = Subject(
            nhsNumber: withoutNumber ? nil : people[personIndex], identityStatus: withoutNumber ? .unresolved : .verified,
            localIdentifiers: [LocalIdentifier(system: "https://example.invalid/mrn", value: "M\(personIndex)")],
            name: PersonName(family: Self.families[personIndex % Self.families.count], given: ["Sam"]),
            birthDate: Self.birthDate(personIndex), gender: .unknown,
            postcode: Self.postcodes[personIndex % Self.postcodes.count], registeredPractice: practice)
        var labels: [SensitivityLabel] = []
        let l = random.next() % 100
        if l < 8 { labels.append(.mentalHealth) }
        if l >= 8 && l < 12 { labels.append(.safeguarding) }
        if l >= 12 && l < 14 { labels.append(.sexualHealth) }
        if l >= 14 && l < 17 { labels.append(.substanceMisuse) }
        let kind = random.next() % 10
        let message: CanonicalMessage
        if kind < 6 {
            let source = ["RWW", "RBN", "RW4"][Int(random.next() % 3)]
            let destination: DischargeDestination = [.home, .home, .home, .careHome, .nursingHome, .hospice][Int(random.next() % 6)]
            message = CanonicalMessage(
                id: CanonicalMessage.deriveID(sourceOrganisation: source, sourceMessageID: "DS-\(index)"),
                occurredAt: occurredAt, source: Source(organisation: source, system: "pas", adapter: "synthetic", messageId: "DS-\(index)"),
                subject: subject, sensitivity: labels,
                payload: .dischargeSummary(DischargeSummary(
                    admittedAt: RFC3339Timestamp("2026-11-15T08:00:00Z")!, dischargedAt: occurredAt, dischargingOrganisation: source,
                    dischargeDestination: destination,
                    diagnoses: [CodedEntry(code: "J18.9", system: "ICD-10", display: "Pneumonia", sensitivity: labels.isEmpty ? nil : labels)],
                    medications: [Medication(name: "Amoxicillin 500 mg capsules", dose: "500 mg", frequency: "three times a day", status: .started)],
                    followUp: [FollowUp(action: "Review chest in two weeks", owner: .gp)],
                    careNeedsOnDischarge: random.next() % 4 == 0, narrative: "Made-up discharge narrative number \(index).")))
        } else if kind < 8 {
            message = CanonicalMessage(
                id: CanonicalMessage.deriveID(sourceOrganisation: "HBC-ASC", sourceMessageID: "SC-\(index)"),
                occurredAt: occurredAt, source: Source(organisation: "HBC-ASC", system: "las", adapter: "synthetic", messageId: "SC-\(index)"),
                subject: subject, sensitivity: labels,
                payload: .socialCareNotification(SocialCareNotification(
                    event: [.carePackageStarted, .carePackageChanged, .reablementStarted, .safeguardingConcern][Int(random.next() % 4)],
                    service: "Domiciliary care", details: "Made-up care package details \(index).", contact: "Widnes locality team")))
        } else {
            let fromPractice = random.next() % 2 == 0
            let from = fromPractice ? practice : "RY2"
            let to = fromPractice ? "RY2" : "WELLBEING-ENT"
            message = CanonicalMessage(
                id: CanonicalMessage.deriveID(sourceOrganisation: from, sourceMessageID: "RF-\(index)"),
                occurredAt: occurredAt, source: Source(organisation: from, system: "ehr", adapter: "synthetic", messageId: "RF-\(index)"),
                subject: subject, sensitivity: labels,
                payload: .referral(Referral(
                    referralId: "RF-\(index)", fromOrganisation: from, toOrganisation: to, priority: .routine,
                    reason: "Made-up referral reason.", clinicalSummary: "Made-up summary \(index).", requestedAt: occurredAt)))
        }
        let key = message.subject.nhsNumber?.digits ?? "unresolved-\(personIndex)"
        let record = Record(topic: message.type.topic, key: key, value: Array(CanonicalJSON.encode(message)), message: message)
        sentLately.append(record)
        if sentLately.count > 50 { sentLately.removeFirst() }
        return record
    }

    static func birthDate(_ i: Int) -> CalendarDate { CalendarDate(year: 1930 + i % 80, month: 1 + i % 12, day: 1 + i % 28)! }

    /// A valid NHS number from its first nine digits, or nil when no check digit fits (Modulus 11 gives 10).
    static func nhsNumber(_ nine: Int) -> NHSNumber? {
        let digits = String(nine).compactMap { $0.wholeNumberValue }
        let sum = digits.enumerated().reduce(0) { $0 + $1.element * (10 - $1.offset) }
        var check = 11 - sum % 11
        if check == 11 { check = 0 }
        guard check != 10 else { return nil }
        return try? NHSNumber(String(nine) + String(check))
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64):
/// the same seed gives the same traffic (and the same benchmark data).
package struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    package init(seed: UInt64) { state = seed }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
