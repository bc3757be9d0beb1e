import Foundation

/// A strict, byte-level reader of canonical messages: the router's fast path.
///
/// It accepts only RFC 8259 JSON (no byte order mark, no trailing commas, no
/// repeated member names, at most 64 levels) holding a valid canonical message,
/// and declines (returns nil) anything else. It never reports errors itself:
/// `CanonicalJSON.decode` hands what it declines to the Codable reader
/// (`CodableCanonicalJSON`), so errors, and inputs Foundation's JSONDecoder
/// reads more leniently, come out exactly as they always have. What it accepts
/// it must read to the same value as the Codable reader; HXCanonicalTests
/// compare the two.
struct CanonicalReader {
    /// Why the fast path gave up; carries nothing, as the Codable reader says why.
    struct Decline: Error {}

    private let p: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0

    private init(_ p: UnsafeBufferPointer<UInt8>) { self.p = p }

    static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> CanonicalMessage? {
        var reader = CanonicalReader(bytes)
        return try? reader.document()
    }

    static func read(_ bytes: [UInt8]) -> CanonicalMessage? {
        bytes.withUnsafeBufferPointer { read($0) }
    }

    // MARK: The message

    private mutating func document() throws(Decline) -> CanonicalMessage {
        var schemaSeen = false, id: UUID?, occurredAt: RFC3339Timestamp?, source: Source?, subject: Subject?
        var sensitivity: [SensitivityLabel]?, type: MessageType?, payloadAt: Int?
        var seen = Seen()
        try beginObject()
        var first = true
        while let key = try nextKey(&first) {
            if key.is("schema") {
                try seen.once(0)
                guard try string() == CanonicalMessage.schemaIdentifier else { throw Decline() }
                schemaSeen = true
            } else if key.is("id") {
                try seen.once(1)
                guard let value = UUID(uuidString: try string()) else { throw Decline() }
                id = value
            } else if key.is("type") {
                try seen.once(2)
                type = try enumeration(MessageType.self)
            } else if key.is("occurredAt") {
                try seen.once(3)
                occurredAt = try timestamp()
            } else if key.is("source") {
                try seen.once(4)
                source = try readSource()
            } else if key.is("subject") {
                try seen.once(5)
                subject = try readSubject()
            } else if key.is("sensitivity") {
                try seen.once(6)
                sensitivity = try labels()
            } else if key.is("payload") {
                // Its shape depends on "type", which sorts after it: passed over now, read at the end.
                try seen.once(7)
                skipWhitespace()
                payloadAt = i
                try skipValue()
            } else {
                try skipValue()
            }
        }
        skipWhitespace()
        guard i == p.count, schemaSeen, let id, let occurredAt, let source, let subject, let sensitivity, let type, let payloadAt
        else { throw Decline() }
        i = payloadAt
        let payload: Payload
        switch type {
        case .dischargeSummary: payload = .dischargeSummary(try readDischargeSummary())
        case .socialCareNotification: payload = .socialCareNotification(try readSocialCare())
        case .referral: payload = .referral(try readReferral())
        }
        return CanonicalMessage(id: id, occurredAt: occurredAt, source: source, subject: subject, sensitivity: sensitivity, payload: payload)
    }

    private mutating func readSource() throws(Decline) -> Source {
        var organisation: String?, system: String?, adapter: String?, messageId: String?
        var seen = Seen()
        try beginObject()
        var first = true
        while let key = try nextKey(&first) {
            if key.is("organisation") { try seen.once(0); organisation = try string() }
            else if key.is("system") { try seen.once(1); system = try string() }
            else if key.is("adapter") { try seen.once(2); adapter = try string() }
            else if key.is("messageId") { try seen.once(3); messageId = try string() }
            else { try skipValue() }
        }
        guard let organisation, let system, let adapter, let messageId else { throw Decline() }
        return Source(organisation: organisation, system: system, adapter: adapter, messageId: messageId)
    }

    private mutating func readSubject() throws(Decline) -> Subject {
        var nhsNumber: NHSNumber?, identityStatus: IdentityStatus?, localIdentifiers: [LocalIdentifier]?
        var name: PersonName?, birthDate: CalendarDate?, gender: Gender?, postcode: String?, registeredPractice: String?
        var seen = Seen()
        try beginObject()
        var first = true
        while let key = try nextKey(&first) {
            if key.is("nhsNumber") {
                try seen.once(0)
                // As NHSNumber's Decodable: exactly ten characters that pass Modulus 11.
                if let text = try optionalString() {
                    guard text.utf8.count == 10, let number = try? NHSNumber(text) else { throw Decline() }
                    nhsNumber = number
                }
            } else if key.is("identityStatus") {
                try seen.once(1)
                identityStatus = try enumeration(IdentityStatus.self)
            } else if key.is("localIdentifiers") {
                try seen.once(2)
                var list: [LocalIdentifier] = []
                try beginArray()
                var firstItem = true
                while try nextItem(&firstItem) { list.append(try readLocalIdentifier()) }
                localIdentifiers = list
            } else if key.is("name") {
                try seen.once(3)
                if try !null() { name = try readName() }
            } else if key.is("birthDate") {
                try seen.once(4)
                if let text = try optionalString() {
                    guard let date = CalendarDate(text) else { throw Decline() }
                    birthDate = date
                }
            } else if key.is("gender") {
                try seen.once(5)
                gender = try optionalEnumeration(Gender.self)
            } else if key.is("postcode") {
                try seen.once(6)
                postcode = try optionalString()
            } else if key.is("registeredPractice") {
                try seen.once(7)
                registeredPractice = try optionalString()
            } else {
                try skipValue()
            }
        }
        guard let identityStatus, let localIdentifiers else { throw Decline() }
        // Subject's own rule: without an NHS number the subject is unresolved.
        if nhsNumber == nil && identityStatus != .unresolved { throw Decline() }
        return Subject(
            nhsNumber: nhsNumber, identityStatus: identityStatus, localIdentifiers: localIdentifiers, name: name,
            birthDate: birthDate, gender: gender, postcode: postcode, registeredPractice: registeredPractice)
    }

    private mutating func readLocalIdentifier() throws(Decline) -> LocalIdentifier {
        var system: String?, value: String?
        var seen = Seen()
        try beginObject()
        var first = true
        while let key = try nextKey(&first) {
            if key.is("system") { try seen.once(0); system = try string() }
            else if key.is("value") { try seen.once(1); value = try string() }
            else { try skipValue() }
        }
        guard let system, let value else { throw Decline() }
        return LocalIdentifier(system: system, value: value)
    }

    private mutating func readName() throws(Decline) -> PersonName {
        var family: String?, given: [String]?
        var seen = Seen()
        try beginObject()
        var first = true
        while let key = try nextKey(&first) {
            if key.is("family") {
                try seen.once(0)
                family = try optionalString()
            } else if key.is("given") {
                try seen.once(1)
                var list: [String] = []
                try beginArray()
                var firstItem = true
                while try nextItem(&firstItem) { list.append(try string()) }
                given = list
            } else {
                try skipValue()
            }
        }
        guard let given else { throw Decline() }
        return PersonName(family: family, given: given)
    }

    // MARK: Payloads

    private mutating func readDischargeSummary() throws(Decline) -> DischargeSummary {
        var admittedAt: RFC3339Timestamp?, dischargedAt: RFC3339Timestamp?, dischargingOrganisation: String?
        var dischargingClinician: String?, dischargeMethod: String?, dischargeDestination: DischargeDestination?
        var diagnoses: [CodedEntry]?, procedures: [CodedEntry]?, medications: [Medication]?, allergies: [CodedEntry]?
        var followUp: [FollowUp]?, careNeedsOnDischarge: Bool?, narrative: String?
        var seen = Seen()
        try beginObject()
        var first = true
        while let key = try nextKey(&first) {
            if key.is("admittedAt") { try seen.once(0); admittedAt = try optionalTimestamp() }
            else if key.is("dischargedAt") { try seen.once(1); dischargedAt = try timestamp() }
            else if key.is("dischargingOrganisation") { try seen.once(2); dischargingOrganisation = try string() }
            else if key.is("dischargingClinician") { try seen.once(3); dischargingClinician = try optionalString() }
            else if key.is("dischargeMethod") { try seen.once(4); dischargeMethod = try optionalString() }
            else if key.is("dischargeDestination") { try seen.once(5); dischargeDestination = try optionalEnumeration(DischargeDestination.self) }
            else if key.is("diagnoses") { try seen.once(6); diagnoses = try codedList() }
            else if key.is("procedures") { try seen.once(7); procedures = try codedList() }
            else if key.is("medications") {
                try seen.once(8)
                var list: [Medication] = []
                try beginArray()
                var firstItem = true
                while try nextItem(&firstItem) { list.append(try readMedication()) }
                medications = list
            } else if key.is("allergies") { try seen.once(9); allergies = try codedList() }
            else if key.is("followUp") {
                try seen.once(10)
                var list: [FollowUp] = []
                try beginArray()
                var firstItem = true
                while try nextItem(&firstItem) { list.append(try readFollowUp()) }
                followUp = list
            } else if key.is("careNeedsOnDischarge") { try seen.once(11); careNeedsOnDischarge = try bool() }
            else if key.is("narrative") { try seen.once(12); narrative = try optionalString() }
            else { try skipValue() }
        }
        guard let dischargedAt, let dischargingOrganisation, let diagnoses, let procedures, let medications, let allergies,
              let followUp, let careNeedsOnDischarge
        else { throw Decline() }
        return DischargeSummary(
            admittedAt: admittedAt, dischargedAt: dischargedAt, dischargingOrganisation: dischargingOrganisation,
            dischargingClinician: dischargingClinician, dischargeMethod: dischargeMethod, dischargeDestination: dischargeDestination,
            diagnoses: diagnoses, procedures: procedures, medications: medications, allergies: allergies, followUp: followUp,
            careNeedsOnDischarge: careNeedsOnDischarge, narrative: narrative)
    }

    private mutating func codedList() throws(Decline) -> [CodedEntry] {
        var list: [CodedEntry] = []
        try beginArray()
        var firstItem = true
        while try nextItem(&firstItem) {
            var code: String?, system: String?, display: String?, sensitivity: [SensitivityLabel]?
            var seen = Seen()
            try beginObject()
            var first = true
            while let key = try nextKey(&first) {
                if key.is("code") { try seen.once(0); code = try optionalString() }
                else if key.is("system") { try seen.once(1); system = try optionalString() }
                else if key.is("display") { try seen.once(2); display = try optionalString() }
                else if key.is("sensitivity") { try seen.once(3); sensitivity = try optionalLabels() }
                else { try skipValue() }
            }
            list.append(CodedEntry(code: code, system: system, display: display, sensitivity: sensitivity))
        }
        return list
    }

    private mutating func readMedication() throws(Decline) -> Medication {
        var name: String?, dose: String?, route: String?, frequency: String?, status: MedicationStatus?
        var sensitivity: [SensitivityLabel]?
        var seen = Seen()
        try beginObject()
        var first = true
        while let key = try nextKey(&first) {
            if key.is("name") { try seen.once(0); name = try string() }
            else if key.is("dose") { try seen.once(1); dose = try optionalString() }
            else if key.is("route") { try seen.once(2); route = try optionalString() }
            else if key.is("frequency") { try seen.once(3); frequency = try optionalString() }
            else if key.is("status") { try seen.once(4); status = try enumeration(MedicationStatus.self) }
            else if key.is("sensitivity") { try seen.once(5); sensitivity = try optionalLabels() }
            else { try skipValue() }
        }
        guard let name, let status else { throw Decline() }
        return Medication(name: name, dose: dose, route: route, frequency: frequency, status: status, sensitivity: sensitivity)
    }

    private mutating func readFollowUp() throws(Decline) -> FollowUp {
        var action: String?, owner: FollowUpOwner?, sensitivity: [SensitivityLabel]?
        var seen = Seen()
        try beginObject()
        var first = true
        while let key = try nextKey(&first) {
            if key.is("action") { try seen.once(0); action = try string() }
            else if key.is("owner") { try seen.once(1); owner = try enumeration(FollowUpOwner.self) }
            else if key.is("sensitivity") { try seen.once(2); sensitivity = try optionalLabels() }
            else { try skipValue() }
        }
        guard let action, let owner else { throw Decline() }
        return FollowUp(action: action, owner: owner, sensitivity: sensitivity)
    }

    private mutating func readSocialCare() throws(Decline) -> SocialCareNotification {
        var event: SocialCareEvent?, pathway: Int?, service: String?, team: String?
        var effectiveFrom: RFC3339Timestamp?, effectiveTo: RFC3339Timestamp?, details: String?, contact: String?
        var seen = Seen()
        try beginObject()
        var first = true
        while let key = try nextKey(&first) {
            if key.is("event") { try seen.once(0); event = try enumeration(SocialCareEvent.self) }
            else if key.is("pathway") { try seen.once(1); pathway = try null() ? nil : try int() }
            else if key.is("service") { try seen.once(2); service = try optionalString() }
            else if key.is("team") { try seen.once(3); team = try optionalString() }
            else if key.is("effectiveFrom") { try seen.once(4); effectiveFrom = try optionalTimestamp() }
            else if key.is("effectiveTo") { try seen.once(5); effectiveTo = try optionalTimestamp() }
            else if key.is("details") { try seen.once(6); details = try optionalString() }
            else if key.is("contact") { try seen.once(7); contact = try optionalString() }
            else { try skipValue() }
        }
        guard let event else { throw Decline() }
        // SocialCareNotification's own rule: a pathway 0...3, and only with discharge-to-assess.
        if let pathway, !(0...3).contains(pathway) || event != .dischargeToAssess { throw Decline() }
        return SocialCareNotification(
            event: event, pathway: pathway, service: service, team: team, effectiveFrom: effectiveFrom,
            effectiveTo: effectiveTo, details: details, contact: contact)
    }

    private mutating func readReferral() throws(Decline) -> Referral {
        var referralId: String?, fromOrganisation: String?, fromService: String?, toOrganisation: String?
        var toService: String?, priority: ReferralPriority?, reason: String?, clinicalSummary: String?
        var requestedAt: RFC3339Timestamp?, consentToShare: Bool?
        var seen = Seen()
        try beginObject()
        var first = true
        while let key = try nextKey(&first) {
            if key.is("referralId") { try seen.once(0); referralId = try string() }
            else if key.is("fromOrganisation") { try seen.once(1); fromOrganisation = try string() }
            else if key.is("fromService") { try seen.once(2); fromService = try optionalString() }
            else if key.is("toOrganisation") { try seen.once(3); toOrganisation = try string() }
            else if key.is("toService") { try seen.once(4); toService = try optionalString() }
            else if key.is("priority") { try seen.once(5); priority = try enumeration(ReferralPriority.self) }
            else if key.is("reason") { try seen.once(6); reason = try optionalString() }
            else if key.is("clinicalSummary") { try seen.once(7); clinicalSummary = try optionalString() }
            else if key.is("requestedAt") { try seen.once(8); requestedAt = try timestamp() }
            else if key.is("consentToShare") { try seen.once(9); consentToShare = try null() ? nil : try bool() }
            else { try skipValue() }
        }
        guard let referralId, let fromOrganisation, let toOrganisation, let priority, let requestedAt else { throw Decline() }
        return Referral(
            referralId: referralId, fromOrganisation: fromOrganisation, fromService: fromService, toOrganisation: toOrganisation,
            toService: toService, priority: priority, reason: reason, clinicalSummary: clinicalSummary,
            requestedAt: requestedAt, consentToShare: consentToShare)
    }

    // MARK: Typed values

    private mutating func timestamp() throws(Decline) -> RFC3339Timestamp {
        guard let t = RFC3339Timestamp(try string()) else { throw Decline() }
        return t
    }

    private mutating func optionalTimestamp() throws(Decline) -> RFC3339Timestamp? {
        try null() ? nil : try timestamp()
    }

    private mutating func enumeration<E: RawRepresentable>(_: E.Type) throws(Decline) -> E where E.RawValue == String {
        guard let value = E(rawValue: try string()) else { throw Decline() }
        return value
    }

    private mutating func optionalEnumeration<E: RawRepresentable>(_ type: E.Type) throws(Decline) -> E? where E.RawValue == String {
        try null() ? nil : try enumeration(type)
    }

    private mutating func labels() throws(Decline) -> [SensitivityLabel] {
        var list: [SensitivityLabel] = []
        try beginArray()
        var first = true
        while try nextItem(&first) { list.append(try enumeration(SensitivityLabel.self)) }
        return list
    }

    private mutating func optionalLabels() throws(Decline) -> [SensitivityLabel]? {
        try null() ? nil : try labels()
    }

    private mutating func optionalString() throws(Decline) -> String? {
        try null() ? nil : try string()
    }

    // MARK: JSON tokens

    /// Tracks which known members an object has had: a repeated one is declined
    /// (JSONDecoder keeps the first, a reader that keeps the last would differ).
    private struct Seen {
        var bits: UInt32 = 0
        mutating func once(_ n: UInt32) throws(Decline) {
            let bit: UInt32 = 1 << n
            guard bits & bit == 0 else { throw Decline() }
            bits |= bit
        }
    }

    /// A member name: plain ASCII without escapes (anything else is declined).
    private struct Key {
        let base: UnsafePointer<UInt8>
        let count: Int
        func `is`(_ name: StaticString) -> Bool {
            name.utf8CodeUnitCount == count && memcmp(base, name.utf8Start, count) == 0
        }
    }

    private mutating func skipWhitespace() {
        while i < p.count {
            switch p[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    private mutating func beginObject() throws(Decline) {
        skipWhitespace()
        guard i < p.count, p[i] == UInt8(ascii: "{") else { throw Decline() }
        i += 1
        depth += 1
        guard depth <= 64 else { throw Decline() }
    }

    /// The next member's name, its value next to read; nil after the closing brace.
    private mutating func nextKey(_ first: inout Bool) throws(Decline) -> Key? {
        skipWhitespace()
        guard i < p.count else { throw Decline() }
        if p[i] == UInt8(ascii: "}") {
            // `{}` or a member before it; `{"a":1,}` never gets here (a name is required after a comma).
            i += 1
            depth -= 1
            return nil
        }
        if !first {
            guard p[i] == UInt8(ascii: ",") else { throw Decline() }
            i += 1
            skipWhitespace()
        }
        first = false
        guard i < p.count, p[i] == UInt8(ascii: "\"") else { throw Decline() }
        i += 1
        let start = i
        while i < p.count {
            let b = p[i]
            if b == UInt8(ascii: "\"") { break }
            guard b >= 0x20, b < 0x80, b != UInt8(ascii: "\\") else { throw Decline() }
            i += 1
        }
        guard i < p.count else { throw Decline() }
        let key = Key(base: p.baseAddress! + start, count: i - start)
        i += 1
        skipWhitespace()
        guard i < p.count, p[i] == UInt8(ascii: ":") else { throw Decline() }
        i += 1
        return key
    }

    private mutating func beginArray() throws(Decline) {
        skipWhitespace()
        guard i < p.count, p[i] == UInt8(ascii: "[") else { throw Decline() }
        i += 1
        depth += 1
        guard depth <= 64 else { throw Decline() }
    }

    /// True when an item follows (to be read next); false after the closing bracket.
    private mutating func nextItem(_ first: inout Bool) throws(Decline) -> Bool {
        skipWhitespace()
        guard i < p.count else { throw Decline() }
        if p[i] == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            return false
        }
        if !first {
            guard p[i] == UInt8(ascii: ",") else { throw Decline() }
            i += 1
        }
        first = false
        return true
    }

    /// Consumes `null` and returns true, or returns false leaving any other value to be read.
    private mutating func null() throws(Decline) -> Bool {
        skipWhitespace()
        guard i < p.count, p[i] == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    private mutating func literal(_ word: StaticString) throws(Decline) {
        let n = word.utf8CodeUnitCount
        guard p.count - i >= n, memcmp(p.baseAddress! + i, word.utf8Start, n) == 0 else { throw Decline() }
        i += n
    }

    private mutating func bool() throws(Decline) -> Bool {
        skipWhitespace()
        guard i < p.count else { throw Decline() }
        if p[i] == UInt8(ascii: "t") {
            try literal("true")
            return true
        }
        try literal("false")
        return false
    }

    /// An integer written as one: `-?(0|[1-9][0-9]*)` within Int's range. A fraction or
    /// exponent (`1.0`, `1e0`, which JSONDecoder accepts when whole) is declined.
    private mutating func int() throws(Decline) -> Int {
        skipWhitespace()
        var negative = false
        if i < p.count, p[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        let start = i
        var value = 0
        while i < p.count, p[i] >= 0x30, p[i] <= 0x39 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int(p[i] - 0x30)) : m.addingReportingOverflow(Int(p[i] - 0x30))
            guard !o1, !o2 else { throw Decline() }
            value = a
            i += 1
        }
        guard i > start, !(p[start] == 0x30 && i - start > 1) else { throw Decline() }
        if i < p.count, p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") { throw Decline() }
        return value
    }

    /// A string value. Declined: control characters, bad escapes, unpaired surrogates, invalid UTF-8.
    private mutating func string() throws(Decline) -> String {
        skipWhitespace()
        guard i < p.count, p[i] == UInt8(ascii: "\"") else { throw Decline() }
        i += 1
        let start = i
        var ascii = true
        while i < p.count {
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                let text = UnsafeBufferPointer(rebasing: p[start..<i])
                i += 1
                if ascii { return String(decoding: text, as: UTF8.self) }
                guard let valid = String(validating: text, as: UTF8.self) else { throw Decline() }
                return valid
            }
            if b == UInt8(ascii: "\\") { return try escapedString(from: start) }
            guard b >= 0x20 else { throw Decline() }
            if b >= 0x80 { ascii = false }
            i += 1
        }
        throw Decline()
    }

    /// The slow path of `string()`, from the first backslash on.
    private mutating func escapedString(from start: Int) throws(Decline) -> String {
        var out = Array(UnsafeBufferPointer(rebasing: p[start..<i]))
        while i < p.count {
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                guard let valid = String(validating: out, as: UTF8.self) else { throw Decline() }
                return valid
            }
            guard b >= 0x20 else { throw Decline() }
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            i += 1
            guard i < p.count else { throw Decline() }
            let e = p[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low one.
                    guard p.count - i >= 2, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else { throw Decline() }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw Decline() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw Decline()
                }
                guard let s = Unicode.Scalar(scalar) else { throw Decline() }
                out.append(contentsOf: UTF8.encode(s)!)
            default:
                throw Decline()
            }
        }
        throw Decline()
    }

    private mutating func hex4() throws(Decline) -> UInt32 {
        guard p.count - i >= 4 else { throw Decline() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = p[i]
            let digit: UInt8
            switch b {
            case 0x30...0x39: digit = b - 0x30
            case 0x41...0x46: digit = b - 0x41 + 10
            case 0x61...0x66: digit = b - 0x61 + 10
            default: throw Decline()
            }
            value = value << 4 | UInt32(digit)
            i += 1
        }
        return value
    }

    /// Passes over any value, checking it is well-formed JSON (members not read need not be valid canonical data).
    private mutating func skipValue() throws(Decline) {
        skipWhitespace()
        guard i < p.count else { throw Decline() }
        switch p[i] {
        case UInt8(ascii: "{"):
            try beginObject()
            var first = true
            while try nextSkippedKey(&first) { try skipValue() }
        case UInt8(ascii: "["):
            try beginArray()
            var first = true
            while try nextItem(&first) { try skipValue() }
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            try skipNumber()
        }
    }

    /// As `nextKey`, for objects that are passed over: any name JSON allows.
    private mutating func nextSkippedKey(_ first: inout Bool) throws(Decline) -> Bool {
        skipWhitespace()
        guard i < p.count else { throw Decline() }
        if p[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return false
        }
        if !first {
            guard p[i] == UInt8(ascii: ",") else { throw Decline() }
            i += 1
        }
        first = false
        _ = try string()
        skipWhitespace()
        guard i < p.count, p[i] == UInt8(ascii: ":") else { throw Decline() }
        i += 1
        return true
    }

    /// Passes over a string without making it: only its escapes are checked, as
    /// `string()` would (the payload is passed over once, then read).
    private mutating func skipString() throws(Decline) {
        i += 1
        while i < p.count {
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return
            }
            guard b >= 0x20 else { throw Decline() }
            i += 1
            if b == UInt8(ascii: "\\") {
                guard i < p.count else { throw Decline() }
                switch p[i] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 1
                case UInt8(ascii: "u"):
                    i += 1
                    _ = try hex4()
                default:
                    throw Decline()
                }
            }
        }
        throw Decline()
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func skipNumber() throws(Decline) {
        if i < p.count, p[i] == UInt8(ascii: "-") { i += 1 }
        func digits(_ r: inout CanonicalReader) -> Int {
            let start = r.i
            while r.i < r.p.count, r.p[r.i] >= 0x30, r.p[r.i] <= 0x39 { r.i += 1 }
            return r.i - start
        }
        let intStart = i
        let n = digits(&self)
        guard n > 0, !(n > 1 && p[intStart] == 0x30) else { throw Decline() }
        if i < p.count, p[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { throw Decline() }
        }
        if i < p.count, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            if i < p.count, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw Decline() }
        }
    }
}
