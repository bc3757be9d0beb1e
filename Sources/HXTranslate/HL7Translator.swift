import Foundation
import HL7v2
import HXCanonical

/// HL7 v2 ADT, MDM and ORU messages → discharge summaries and identity facts.
struct HL7Translator {
    let configuration: AdapterConfiguration
    var codes: SensitivityCodes { configuration.sensitivity }

    /// One message, or a batch (FHS/BHS ... BTS/FTS, or MSH after MSH): each
    /// MSH starts a message; batch header and trailer segments are dropped.
    func translateBatch(_ text: String) -> [TranslationOutcome] {
        var messages: [[Substring]] = []
        var preamble = false
        // Split on bytes: splitting on Characters cost 14% of translation time (measured).
        for bytes in text.utf8.split(whereSeparator: { $0 == 0x0D || $0 == 0x0A }) {
            let line = Substring(bytes)
            let name = line.prefix(3)
            if ["FHS", "BHS", "BTS", "FTS"].contains(name) { continue }
            if name == "MSH" {
                messages.append([line])
            } else if messages.isEmpty {
                if !line.allSatisfy(\.isWhitespace) { preamble = true }
            } else {
                messages[messages.count - 1].append(line)
            }
        }
        // Without a usable MSH the parser says precisely what is wrong.
        if messages.isEmpty || preamble { return [translate(text)] }
        return messages.map { translate($0.joined(separator: "\r")) }
    }

    func translate(_ text: String) -> TranslationOutcome {
        do {
            let msg = try HL7Message(text, options: HL7ParseOptions(maxInputSize: configuration.maxInputBytes))
            return try translate(msg)
        } catch let e as HL7Error {
            return .failure(TranslationError(e))
        } catch let e as TranslationError {
            return .failure(e)
        } catch {
            return .failure(TranslationError(code: "internal-error", message: "\(error)", location: "input"))
        }
    }

    func translate(_ msg: HL7Message) throws(TranslationError) -> TranslationOutcome {
        guard let code = msg.messageCode else {
            throw TranslationError(.hl7FieldMissing, "MSH-9 (message type) is empty", at: "MSH-9")
        }
        let trigger = msg.triggerEvent ?? ""
        guard let messageID = msg.controlID else {
            throw TranslationError(.hl7FieldMissing, "MSH-10 (message control id) is empty: the message cannot be identified", at: "MSH-10")
        }
        let occurredAt: RFC3339Timestamp
        if msg["EVN-2"] != nil {
            occurredAt = try timestamp(msg, "EVN-2")!
        } else if let t = try timestamp(msg, "MSH-7") {
            occurredAt = t
        } else {
            throw TranslationError(.hl7FieldMissing, "neither EVN-2 nor MSH-7 gives the time of the message", at: "MSH-7")
        }
        switch (code, trigger) {
        case ("ADT", "A03"):
            return .message(try discharge(msg, messageID: messageID, occurredAt: occurredAt, narrative: nil))
        case ("MDM", "T02"), ("ORU", "R01"):
            let text = letterText(msg)
            guard !text.isEmpty else {
                throw TranslationError(.hl7DischargeTextMissing, "\(code)^\(trigger) carries no TX or FT OBX-5 text: there is no discharge letter", at: "OBX-5")
            }
            return .message(try discharge(msg, messageID: messageID, occurredAt: occurredAt, narrative: text))
        case ("ADT", "A01"), ("ADT", "A04"), ("ADT", "A08"), ("ADT", "A28"), ("ADT", "A31"):
            return .identity(try identity(msg, messageID: messageID, occurredAt: occurredAt))
        default:
            throw TranslationError(.unsupportedMessageType, "\(code)^\(trigger) is not translated by this adapter (accepted: ADT^A03, MDM^T02, ORU^R01; ADT^A01/A04/A08/A28/A31 as identity facts)", at: "MSH-9")
        }
    }

    // MARK: Values

    /// The first sub-component of a component (1-based, as HL7 counts) of one repetition.
    static func component(_ field: HL7Field?, _ n: Int, repetition: Int = 0) -> String? {
        guard let f = field, repetition < f.repetitions.count else { return nil }
        let comps = f.repetitions[repetition]
        guard n >= 1, n <= comps.count, let v = comps[n - 1].first.map(trimmed), !v.isEmpty
        else { return nil }
        return v
    }

    /// `trimmingCharacters(in: .whitespaces)`, which goes through NSString on
    /// Linux and was 29% of translation time (measured, Benchmarks/hl7-run.sh),
    /// without that cost for the usual value that starts and ends with a
    /// visible ASCII character and so has nothing to trim.
    static func trimmed(_ value: String) -> String {
        let utf8 = value.utf8
        guard let first = utf8.first, let last = utf8.last else { return value }
        if (0x21...0x7E).contains(first) && (0x21...0x7E).contains(last) { return value }
        return value.trimmingCharacters(in: .whitespaces)
    }

    func timestamp(_ msg: HL7Message, _ path: String) throws(TranslationError) -> RFC3339Timestamp? {
        guard let raw = msg[path] else { return nil }
        do {
            return try LocalTimestamp.rfc3339(fromHL7: raw, timeZone: configuration.timeZone)
        } catch {
            throw TranslationError(.dateInvalid, "\(path) \(raw.debugDescription) is not a valid date/time: \(error.description)", at: path)
        }
    }

    static let nhsAuthorities: Set<String> = ["NHS", "2.16.840.1.113883.2.1.4.1"]
    static let nhsTypes: Set<String> = ["NH", "NHS"]

    func subject(_ msg: HL7Message) throws(TranslationError) -> Subject {
        guard let pid = msg.segments(named: "PID").first else {
            throw TranslationError(.hl7PIDMissing, "the message has no PID segment: there is no patient", at: "PID")
        }
        var nhsNumber: NHSNumber?
        var locals: [LocalIdentifier] = []
        if let f = pid.field(3) {
            for (i, rep) in f.repetitions.enumerated() {
                guard let value = Self.component(f, 1, repetition: i) else { continue }
                let authority = rep.count >= 4 ? rep[3].map { $0.uppercased() } : []
                let type = Self.component(f, 5, repetition: i)?.uppercased()
                let isNHS = authority.contains(where: Self.nhsAuthorities.contains) || type.map(Self.nhsTypes.contains) == true
                if isNHS {
                    let location = i == 0 ? "PID-3.1" : "PID-3(\(i + 1)).1"
                    do {
                        let n = try NHSNumber(value)
                        if nhsNumber == nil { nhsNumber = n }
                    } catch {
                        throw TranslationError.nhsNumber(error, at: location)
                    }
                } else {
                    let system = Self.component(f, 4, repetition: i) ?? (rep.count >= 4 ? rep[3].dropFirst().first(where: { !$0.isEmpty }) : nil)
                        ?? Self.component(f, 5, repetition: i) ?? "\(configuration.organisation)-local"
                    locals.append(LocalIdentifier(system: system, value: value))
                }
            }
        }
        var name: PersonName?
        if let f = pid.field(5) {
            let family = Self.component(f, 1)
            let given = [Self.component(f, 2), Self.component(f, 3)].compactMap { $0 }
            if family != nil || !given.isEmpty { name = PersonName(family: family, given: given) }
        }
        var birthDate: CalendarDate?
        if let raw = pid.value(field: 7) {
            do {
                birthDate = try LocalTimestamp.date(fromHL7: raw)
            } catch {
                throw TranslationError(.dateInvalid, "PID-7 \(raw.debugDescription) is not a valid birth date: \(error.description)", at: "PID-7")
            }
        }
        let gender: Gender? = pid.value(field: 8).map(Self.gender)
        var postcode: String?
        if let f = pid.field(11) {
            let home = f.repetitions.indices.first { Self.component(f, 7, repetition: $0) == "H" && Self.component(f, 5, repetition: $0) != nil }
            let any = f.repetitions.indices.first { Self.component(f, 5, repetition: $0) != nil }
            if let i = home ?? any { postcode = Self.component(f, 5, repetition: i)?.uppercased() }
        }
        var practice: String?
        if let pd1 = msg.segments(named: "PD1").first, let f = pd1.field(3) {
            practice = Self.component(f, 10) ?? Self.component(f, 3)
        }
        return Subject(
            nhsNumber: nhsNumber, identityStatus: nhsNumber == nil ? .unresolved : .verified, localIdentifiers: locals,
            name: name, birthDate: birthDate, gender: gender, postcode: postcode, registeredPractice: practice)
    }

    /// HL7 table 0001 (M/F/O/U/A/N) and the NHS Data Dictionary person gender codes (1/2/9/0).
    static func gender(_ raw: String) -> Gender {
        switch raw.uppercased() {
        case "M", "1", "MALE": .male
        case "F", "2", "FEMALE": .female
        case "O", "A", "9", "X", "OTHER": .other
        default: .unknown
        }
    }

    // MARK: Discharge

    func discharge(_ msg: HL7Message, messageID: String, occurredAt: RFC3339Timestamp, narrative: String?) throws(TranslationError) -> CanonicalMessage {
        let subject = try subject(msg)
        let admittedAt = try timestamp(msg, "PV1-44")
        // PV1-45 is the discharge time; a letter may only carry its document time (TXA-4).
        var dischargedAt = occurredAt
        if let t = try timestamp(msg, "PV1-45") {
            dischargedAt = t
        } else if let t = try timestamp(msg, "TXA-4") {
            dischargedAt = t
        }
        var clinician: String?
        if let f = msg.field("PV1-7") {
            let parts = [Self.component(f, 6), Self.component(f, 3), Self.component(f, 2)].compactMap { $0 }
            if !parts.isEmpty { clinician = parts.joined(separator: " ") }
        }
        let methodCode = msg["PV1-36"]
        var destination = msg["PV1-37"].flatMap(Self.destination)
        if methodCode == "4" || methodCode == "5" { destination = .deceased }
        let diagnoses = coded(msg, "DG1", field: 3, defaultSystem: CodeSystem.icd10, textField: 4)
        let procedures = coded(msg, "PR1", field: 3, defaultSystem: CodeSystem.opcs4, textField: 4)
        let allergies = coded(msg, "AL1", field: 3, defaultSystem: nil, textField: nil)
        let summary = DischargeSummary(
            admittedAt: admittedAt, dischargedAt: dischargedAt, dischargingOrganisation: configuration.organisation,
            dischargingClinician: clinician, dischargeMethod: methodCode.map(Self.dischargeMethod),
            dischargeDestination: destination, diagnoses: diagnoses, procedures: procedures, allergies: allergies,
            careNeedsOnDischarge: false, narrative: narrative)
        let allergyLabels = allergies.flatMap { $0.sensitivity ?? [] }
        return configuration.canonical(messageID: messageID, occurredAt: occurredAt, subject: subject, labels: allergyLabels, payload: .dischargeSummary(summary))
    }

    /// Coded entries from every `segment`: CE/CWE code^text^system in `field`.
    /// NHS inpatient diagnoses are ICD-10 and procedures OPCS-4 by national
    /// mandate, so a missing coding system defaults to those.
    func coded(_ msg: HL7Message, _ segment: String, field: Int, defaultSystem: String?, textField: Int?) -> [CodedEntry] {
        msg.segments(named: segment).compactMap { seg in
            let f = seg.field(field)
            let code = Self.component(f, 1)
            let display = Self.component(f, 2) ?? textField.flatMap { seg.value(field: $0) }
            guard code != nil || display != nil else { return nil }
            let system = CodeSystem.canonical(Self.component(f, 3)) ?? (code == nil ? nil : defaultSystem)
            return codes.labelled(CodedEntry(code: code, system: system, display: display))
        }
    }

    /// NHS Data Dictionary "discharge method" (PV1-36 in NHS ADT).
    static func dischargeMethod(_ code: String) -> String {
        switch code {
        case "1": "discharged on clinical advice or with clinical consent"
        case "2": "self-discharged or discharged by a relative or advocate"
        case "3": "discharged by mental health review tribunal, Home Secretary or court"
        case "4": "patient died"
        case "5": "stillbirth"
        default: code
        }
    }

    /// NHS Data Dictionary "discharge destination" codes (PV1-37 in NHS ADT),
    /// or the canonical name itself.
    static func destination(_ raw: String) -> DischargeDestination? {
        if let d = DischargeDestination(rawValue: raw.lowercased()) { return d }
        switch raw {
        case "19", "29": return .home
        case "54", "65", "85": return .careHome
        case "88": return .hospice
        case "49", "50", "51", "52", "53", "84", "87": return .otherHospital
        case "79": return .deceased
        case "30", "37", "38", "48", "66", "98": return .other
        default: return nil  // 99 "not known" and anything unrecognised
        }
    }

    /// OBX-5 text of TX and FT observations, repetitions and segments joined by line breaks.
    func letterText(_ msg: HL7Message) -> String {
        var lines: [String] = []
        for obx in msg.segments(named: "OBX") {
            guard let type = obx.value(field: 2)?.uppercased(), type == "TX" || type == "FT", let f = obx.field(5) else { continue }
            for rep in f.repetitions {
                lines.append(rep.map { $0.joined(separator: "&") }.joined(separator: "^"))
            }
        }
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: Identity

    func identity(_ msg: HL7Message, messageID: String, occurredAt: RFC3339Timestamp) throws(TranslationError) -> IdentityFact {
        let s = try subject(msg)
        guard let nhs = s.nhsNumber else {
            throw TranslationError(.identityNHSNumberMissing, "PID-3 has no NHS number: an identity fact needs one", at: "PID-3")
        }
        let pid = msg.segments(named: "PID").first
        let history = Self.earlierFamilies(pid?.field(5), current: s.name?.family)
        let address = Self.addresses(pid?.field(11), current: s.postcode)
        return IdentityFact(
            nhsNumber: nhs, family: s.name?.family, given: s.name?.given, sex: s.gender, birthDate: s.birthDate, postcode: s.postcode,
            address: address.lines, earlierFamilies: history, earlierPostcodes: address.earlierPostcodes,
            source: configuration.sourceOf(messageID), recordedAt: occurredAt)
    }

    /// PID-5's other repetitions (a maiden name `M`, a birth name `B`, an
    /// earlier legal name): family names the person was also known by.
    static func earlierFamilies(_ f: HL7Field?, current: String?) -> [String] {
        guard let f else { return [] }
        var out: [String] = []
        for i in f.repetitions.indices.dropFirst() {
            guard let family = component(f, 1, repetition: i), family.uppercased() != current?.uppercased(),
                  !out.contains(where: { $0.uppercased() == family.uppercased() }) else { continue }
            out.append(family)
        }
        return out
    }

    /// PID-11: the lines of the repetition whose postcode is the subject's
    /// (XAD-1 street, XAD-2 other designation, XAD-3 city), and the postcodes
    /// of the other repetitions, earlier addresses among them, in order.
    static func addresses(_ f: HL7Field?, current: String?) -> (lines: [String], earlierPostcodes: [String]) {
        guard let f else { return ([], []) }
        var lines: [String] = [], earlier: [String] = []
        var found = false
        for i in f.repetitions.indices {
            let postcode = component(f, 5, repetition: i)?.uppercased()
            if !found, let postcode, postcode == current {
                found = true
                lines = [component(f, 1, repetition: i), component(f, 2, repetition: i), component(f, 3, repetition: i)].compactMap { $0 }
            } else if let postcode, postcode != current, !earlier.contains(postcode) {
                earlier.append(postcode)
            }
        }
        return (lines, earlier)
    }
}
