import Foundation
import HXCanonical

/// Canonical fields a council export may map (adapter.yaml `columns`).
enum SocialCareFields {
    static let required: Set<String> = ["recordId", "nhsNumber", "event"]
    static let allowed: Set<String> = required.union([
        "localId", "family", "given", "birthDate", "gender", "postcode", "registeredPractice", "pathway", "service", "team",
        "effectiveFrom", "effectiveTo", "details", "contact", "occurredAt",
    ])

    /// Event names compared ignoring case, blanks, '_' and '-'.
    static func eventKey(_ s: String) -> String {
        s.lowercased().filter { $0.isLetter || $0.isNumber }
    }
}

/// Council social care exports (CSV with a configured column mapping, or
/// JSON events) → social-care-notification, one outcome per record.
struct SocialCareTranslator {
    let configuration: AdapterConfiguration

    func translateCSV(_ text: String) -> [TranslationOutcome] {
        do {
            let table = try CSVTable(text, columns: configuration.columns, required: SocialCareFields.required)
            return table.rows.map(outcome)
        } catch {
            return [.failure(error)]
        }
    }

    /// An array of event objects, or one object per line (JSON Lines).
    func translateJSON(_ text: String) -> [TranslationOutcome] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("[") {
            guard let array = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [Any] else {
                return [.failure(TranslationError(.jsonInvalid, "not a valid JSON array of event objects", at: "input"))]
            }
            return array.enumerated().map { i, item in
                guard let object = item as? [String: Any] else {
                    return .failure(TranslationError(.jsonInvalid, "element \(i) is not a JSON object", at: "$[\(i)]"))
                }
                return outcome(JSONRecord(object: object, keys: configuration.columns, prefix: "$[\(i)]"))
            }
        }
        var out: [TranslationOutcome] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if l.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any] else {
                out.append(.failure(TranslationError(.jsonInvalid, "line \(i + 1) is not a JSON object", at: "line \(i + 1)")))
                continue
            }
            out.append(outcome(JSONRecord(object: object, keys: configuration.columns, prefix: "line \(i + 1)")))
        }
        return out
    }

    func outcome(_ r: any FieldRecord) -> TranslationOutcome {
        do {
            return .message(try notification(r))
        } catch {
            return .failure(error)
        }
    }

    func notification(_ r: any FieldRecord) throws(TranslationError) -> CanonicalMessage {
        let c = configuration
        let recordID = try c.required(r, "recordId")
        let subject = try c.subject(r)
        let rawEvent = try c.required(r, "event")
        guard let event = c.eventValues[SocialCareFields.eventKey(rawEvent)]
            ?? SocialCareEvent.allCases.first(where: { SocialCareFields.eventKey($0.rawValue) == SocialCareFields.eventKey(rawEvent) })
        else {
            throw TranslationError(.socialCareEventUnknown, "event \(rawEvent.debugDescription) is not a known social care event (map it under eventValues in adapter.yaml)", at: r.location("event"))
        }
        var pathway: Int?
        if let raw = r.value("pathway") {
            let digits = raw.filter(\.isNumber)
            guard event == .dischargeToAssess else {
                throw TranslationError(.pathwayInvalid, "a pathway is only given with discharge-to-assess, not \(event.rawValue)", at: r.location("pathway"))
            }
            guard digits.count == 1, let p = Int(digits), (0...3).contains(p) else {
                throw TranslationError(.pathwayInvalid, "pathway \(raw.debugDescription) is not 0, 1, 2 or 3", at: r.location("pathway"))
            }
            pathway = p
        } else if event == .dischargeToAssess {
            throw TranslationError(.pathwayInvalid, "discharge-to-assess needs its pathway (0-3)", at: r.location("pathway"))
        }
        let from = try c.time(r, "effectiveFrom")
        let to = try c.time(r, "effectiveTo")
        guard let occurredAt = try c.time(r, "occurredAt") ?? from else {
            throw TranslationError(.valueMissing, "neither occurredAt nor effectiveFrom gives the time of the event", at: r.location("effectiveFrom"))
        }
        let payload = SocialCareNotification(
            event: event, pathway: pathway, service: r.value("service"), team: r.value("team"), effectiveFrom: from,
            effectiveTo: to, details: r.value("details"), contact: r.value("contact"))
        return c.canonical(messageID: recordID, occurredAt: occurredAt, subject: subject,
                           labels: c.sensitivity.events[event] ?? [], payload: .socialCareNotification(payload))
    }
}

/// A JSON event object; `keys` maps canonical fields to the feed's keys
/// (unmapped fields use their canonical name).
struct JSONRecord: FieldRecord {
    let object: [String: Any]
    let keys: [String: String]
    let prefix: String

    func value(_ key: String) -> String? {
        let v: String?
        switch object[keys[key] ?? key] {
        case let s as String: v = s
        case let n as NSNumber: v = n.stringValue
        default: v = nil
        }
        guard let t = v?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
        return t
    }

    func location(_ key: String) -> String {
        prefix.hasPrefix("$") ? "\(prefix).\(keys[key] ?? key)" : "\(prefix), \(keys[key] ?? key)"
    }

    var place: String { prefix }
}

/// Fields of a referral export (social prescribing).
enum ReferralFields {
    static let required: Set<String> = ["referralId", "nhsNumber", "toOrganisation", "requestedAt"]
    static let allowed: Set<String> = required.union([
        "localId", "family", "given", "birthDate", "gender", "postcode", "registeredPractice", "fromOrganisation",
        "fromService", "toService", "priority", "reason", "clinicalSummary", "consentToShare",
    ])
}

/// CSV referral exports → referral, one outcome per row.
struct ReferralCSVTranslator {
    let configuration: AdapterConfiguration

    func translate(_ text: String) -> [TranslationOutcome] {
        do {
            let table = try CSVTable(text, columns: configuration.columns, required: ReferralFields.required)
            return table.rows.map(outcome)
        } catch {
            return [.failure(error)]
        }
    }

    func outcome(_ r: any FieldRecord) -> TranslationOutcome {
        do {
            return .message(try referral(r))
        } catch {
            return .failure(error)
        }
    }

    func referral(_ r: any FieldRecord) throws(TranslationError) -> CanonicalMessage {
        let c = configuration
        let id = try c.required(r, "referralId")
        let subject = try c.subject(r)
        let to = try c.required(r, "toOrganisation")
        guard let requestedAt = try c.time(r, "requestedAt") else {
            throw TranslationError(.valueMissing, "requestedAt is empty", at: r.location("requestedAt"))
        }
        var priority = ReferralPriority.routine
        if let raw = r.value("priority") {
            let key = SocialCareFields.eventKey(raw)
            switch key {
            case "routine", "normal", "standard": priority = .routine
            case "urgent": priority = .urgent
            case "twoweekwait", "2ww": priority = .twoWeekWait
            case "emergency", "immediate": priority = .emergency
            default:
                throw TranslationError(.referralPriorityInvalid, "priority \(raw.debugDescription) is not routine, urgent, two-week-wait or emergency", at: r.location("priority"))
            }
        }
        var consent: Bool?
        if let raw = r.value("consentToShare") {
            switch raw.lowercased() {
            case "y", "yes", "true", "1": consent = true
            case "n", "no", "false", "0": consent = false
            default:
                throw TranslationError(.valueInvalid, "consentToShare \(raw.debugDescription) is not yes or no", at: r.location("consentToShare"))
            }
        }
        let referral = Referral(
            referralId: id, fromOrganisation: r.value("fromOrganisation") ?? c.organisation, fromService: r.value("fromService"),
            toOrganisation: to, toService: r.value("toService"), priority: priority, reason: r.value("reason"),
            clinicalSummary: r.value("clinicalSummary"), requestedAt: requestedAt, consentToShare: consent)
        return c.canonical(messageID: id, occurredAt: requestedAt, subject: subject, labels: [], payload: .referral(referral))
    }
}
