/// What the router's decisions add up to, for people watching a run: how much
/// was shared with whom, and what was withheld and why. Counts only, never
/// identifiers. Each decision counts once however often its record was written
/// (a retried batch writes the same record again).
package struct FlowSummary: Sendable, Equatable {
    /// Decisions by outcome.
    package var outcomes: [AuditOutcome: Int] = [:]
    /// Messages shared (deliver and deliver-redacted) per recipient.
    package var sharedWith: [String: Int] = [:]
    /// Why messages were withheld: for deny and review, each reason code with its count.
    package var withheld: [AuditOutcome: [String: Int]] = [:]
    /// Why deliveries were redacted: each reason code with its count.
    package var redactions: [String: Int] = [:]
    /// Inputs the router itself dead-lettered (invalid on a canonical topic).
    package var routerDeadLetters = 0
    /// Distinct messages decided.
    package var messages = 0

    private var seenDecisions: Set<String> = []
    private var seenMessages: Set<String> = []

    package init() {}

    package init(_ records: [AuditRecord]) {
        for record in records { add(record) }
    }

    /// Counts `record` unless its decision was counted already.
    package mutating func add(_ record: AuditRecord) {
        guard seenDecisions.insert(record.decisionId).inserted else { return }
        switch record.kind {
        case .deadLetter:
            routerDeadLetters += 1
        case .decision:
            guard let outcome = record.outcome else { return }
            if let id = record.messageId, seenMessages.insert(id).inserted { messages += 1 }
            outcomes[outcome, default: 0] += 1
            switch outcome {
            case .deliver:
                sharedWith[record.recipient ?? "?", default: 0] += 1
            case .deliverRedacted:
                sharedWith[record.recipient ?? "?", default: 0] += 1
                for reason in record.reasons { redactions[reason, default: 0] += 1 }
            case .deny, .review, .rejected:
                // A decision with no reason code would be a router fault; shown rather than hidden.
                for reason in record.reasons.isEmpty ? ["(no reason recorded)"] : record.reasons {
                    withheld[outcome, default: [:]][reason, default: 0] += 1
                }
            }
        case .configurationReloaded, .auditorAccess, .deadLetterReplay, .deliveryStatus, .configurationImpactRun, .identityResolution:
            return
        }
    }

    package var decisions: Int { outcomes.values.reduce(0, +) }

    /// Counts largest first, then by name, as "name n, name n".
    package static func listing(_ counts: [String: Int]) -> String {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}
