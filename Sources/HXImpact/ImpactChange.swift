/// What a proposed configuration does to one flow (a message to a recipient),
/// compared with the configuration in force.
package enum ImpactChange: String, Sendable, CaseIterable, Comparable {
    /// Delivered under the proposal, not today.
    case start
    /// Delivered today, not under the proposal.
    case stop
    /// Delivered under both, with other fields removed or redacted.
    case changeForm = "change-form"

    package static func < (a: ImpactChange, b: ImpactChange) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Reason codes the impact report adds to the router's own (`HXPolicy.ReasonCode`).
package enum ImpactReason {
    /// One configuration does not consider the recipient for the message at all (no
    /// relationship or agreement makes it a candidate), so there is no decision to quote.
    package static let notCandidate = "not-a-candidate"
    /// Delivered under both with a different set of fields removed by data
    /// minimisation (an agreement's `excludedFields`), no redaction changed.
    package static let minimisationChanged = "minimisation-changed"
}

/// One line of the report: a kind of change, under one agreement, to one
/// recipient, for one reason. Organisation codes and agreement ids only:
/// nothing here names a patient.
package struct ImpactKey: Hashable, Sendable, Comparable {
    package var change: ImpactChange
    /// The agreement the flow goes under: today's for a stop, the proposal's for a
    /// start or change of form; nil where none covers it.
    package var agreement: String?
    /// Organisation code of the recipient.
    package var recipient: String
    /// For a stop, why the proposal does not deliver (its deciding reason); for a
    /// start, why today's configuration does not; for a change of form, the
    /// redaction that is added or dropped, else `minimisation-changed`.
    package var reason: String

    package init(change: ImpactChange, agreement: String?, recipient: String, reason: String) {
        self.change = change
        self.agreement = agreement
        self.recipient = recipient
        self.reason = reason
    }

    package static func < (a: ImpactKey, b: ImpactKey) -> Bool {
        (a.change, a.agreement ?? "", a.recipient, a.reason) < (b.change, b.agreement ?? "", b.recipient, b.reason)
    }
}

/// How many flows a line counts, and for changes of form which fields each
/// removes or gives back (list items by list: `payload.diagnoses[]`).
package struct ImpactCount: Sendable, Equatable {
    package var messages = 0
    /// Field path → flows in which the proposal removes it and today's configuration does not.
    package var fieldsRemoved: [String: Int] = [:]
    /// Field path → flows in which today's configuration removes it and the proposal does not.
    package var fieldsRestored: [String: Int] = [:]

    package init(messages: Int = 0, fieldsRemoved: [String: Int] = [:], fieldsRestored: [String: Int] = [:]) {
        self.messages = messages
        self.fieldsRemoved = fieldsRemoved
        self.fieldsRestored = fieldsRestored
    }

    package mutating func merge(_ other: ImpactCount) {
        messages += other.messages
        fieldsRemoved.merge(other.fieldsRemoved, uniquingKeysWith: +)
        fieldsRestored.merge(other.fieldsRestored, uniquingKeysWith: +)
    }
}
