import HXCanonical
import HXPlace

/// Taking parts out of a message: sensitivity redaction (step 5) and data minimisation (step 6).
enum Redaction {
    /// The free text of each message type, which "may mention anything" and so
    /// goes whenever any label is redacted: the discharge narrative, a social
    /// care notification's details, a referral's reason and clinical summary.
    static func freeTextFields(of type: MessageType) -> [String] {
        switch type {
        case .dischargeSummary: ["payload.narrative"]
        case .socialCareNotification: ["payload.details"]
        case .referral: ["payload.reason", "payload.clinicalSummary"]
        }
    }

    /// Removes every list item carrying one of `labels`, then the free text.
    /// Returns the removed paths, items by their index in the message as received.
    static func redact(_ message: inout CanonicalMessage, labels: Set<SensitivityLabel>) -> [String] {
        var removed: [String] = []
        if case .dischargeSummary(var d) = message.payload {
            func carries(_ item: [SensitivityLabel]?) -> Bool { !(item ?? []).allSatisfy { !labels.contains($0) } }
            func filter<T>(_ items: [T], _ name: String, _ itemLabels: (T) -> [SensitivityLabel]?) -> [T] {
                var kept: [T] = []
                for (i, item) in items.enumerated() {
                    if carries(itemLabels(item)) { removed.append("payload.\(name)[\(i)]") } else { kept.append(item) }
                }
                return kept
            }
            d.diagnoses = filter(d.diagnoses, "diagnoses") { $0.sensitivity }
            d.procedures = filter(d.procedures, "procedures") { $0.sensitivity }
            d.medications = filter(d.medications, "medications") { $0.sensitivity }
            d.followUp = filter(d.followUp, "followUp") { $0.sensitivity }
            message.payload = .dischargeSummary(d)
        }
        for path in freeTextFields(of: message.type) where remove(path, from: &message) {
            removed.append(path)
        }
        return removed
    }

    /// Removes one excludable field; true when there was something to remove
    /// (only what was actually present is recorded as removed).
    @discardableResult
    static func remove(_ path: String, from message: inout CanonicalMessage) -> Bool {
        func clear<T>(_ value: inout T?) -> Bool {
            defer { value = nil }
            return value != nil
        }
        func empty<T>(_ value: inout [T]) -> Bool {
            defer { value = [] }
            return !value.isEmpty
        }
        var s = message.subject
        var changed = false
        switch path {
        case "subject.localIdentifiers": changed = empty(&s.localIdentifiers)
        case "subject.name": changed = clear(&s.name)
        case "subject.birthDate": changed = clear(&s.birthDate)
        case "subject.gender": changed = clear(&s.gender)
        case "subject.postcode": changed = clear(&s.postcode)
        case "subject.registeredPractice": changed = clear(&s.registeredPractice)
        default:
            switch message.payload {
            case .dischargeSummary(var d):
                switch path {
                case "payload.admittedAt": changed = clear(&d.admittedAt)
                case "payload.dischargingClinician": changed = clear(&d.dischargingClinician)
                case "payload.dischargeMethod": changed = clear(&d.dischargeMethod)
                case "payload.dischargeDestination": changed = clear(&d.dischargeDestination)
                case "payload.diagnoses": changed = empty(&d.diagnoses)
                case "payload.procedures": changed = empty(&d.procedures)
                case "payload.medications": changed = empty(&d.medications)
                case "payload.allergies": changed = empty(&d.allergies)
                case "payload.followUp": changed = empty(&d.followUp)
                case "payload.narrative": changed = clear(&d.narrative)
                default: break
                }
                message.payload = .dischargeSummary(d)
            case .socialCareNotification(var n):
                switch path {
                case "payload.pathway": changed = clear(&n.pathway)
                case "payload.service": changed = clear(&n.service)
                case "payload.team": changed = clear(&n.team)
                case "payload.effectiveFrom": changed = clear(&n.effectiveFrom)
                case "payload.effectiveTo": changed = clear(&n.effectiveTo)
                case "payload.details": changed = clear(&n.details)
                case "payload.contact": changed = clear(&n.contact)
                default: break
                }
                message.payload = .socialCareNotification(n)
            case .referral(var r):
                switch path {
                case "payload.fromService": changed = clear(&r.fromService)
                case "payload.toService": changed = clear(&r.toService)
                case "payload.reason": changed = clear(&r.reason)
                case "payload.clinicalSummary": changed = clear(&r.clinicalSummary)
                case "payload.consentToShare": changed = clear(&r.consentToShare)
                default: break
                }
                message.payload = .referral(r)
            }
        }
        message.subject = s
        return changed
    }

    /// The delivered message's labels: everything the original carried (its
    /// own list, its items, an implied safeguarding) less what was redacted,
    /// in the canonical label order so equal sets encode to equal bytes.
    static func recomputeSensitivity(_ message: CanonicalMessage, original: Set<SensitivityLabel>, redacted: Set<SensitivityLabel>) -> CanonicalMessage {
        var copy = message
        let kept = original.subtracting(redacted).union(message.itemSensitivity)
        copy.sensitivity = SensitivityLabel.allCases.filter(kept.contains)
        return copy
    }
}
