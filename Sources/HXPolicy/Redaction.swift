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
            d.allergies = filter(d.allergies, "allergies") { $0.sensitivity }
            d.followUp = filter(d.followUp, "followUp") { $0.sensitivity }
            message.payload = .dischargeSummary(d)
        }
        for path in freeTextFields(of: message.type) where ExcludableFields.remove(path, from: &message) {
            removed.append(path)
        }
        return removed
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
