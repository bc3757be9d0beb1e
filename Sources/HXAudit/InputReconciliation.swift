/// Every input accounted for exactly once: what the soak and an operator's
/// `hx audit reconcile` check after traffic has stopped. Pure: given what is
/// on the canonical, audit, delivery and review topics, says which inputs
/// have no account and which outputs have no audit record.
public struct InputReconciliation: Sendable {
    /// Where a record was read: `topic:partition:offset`.
    public typealias Place = String

    /// One record on a delivery or review topic, by the decision it carries out.
    public struct Output: Sendable {
        public var place: Place
        public var topic: String
        public var decisionId: String

        public init(place: Place, topic: String, decisionId: String) {
            self.place = place
            self.topic = topic
            self.decisionId = decisionId
        }
    }

    public struct Report: Sendable, Equatable {
        public var inputs = 0
        /// Inputs by what became of them. An input may have several decisions
        /// (one per candidate recipient); it counts under each outcome once.
        public var byOutcome: [String: Int] = [:]
        public var deadLettered = 0
        /// Inputs with no audit record for which the caller found no candidate recipient.
        public var noCandidates = 0
        /// Inputs with no audit record of their own that repeat a message decided at another place
        /// (a resent message: the router decides a message id once).
        public var repeats = 0
        /// Inputs with no audit record and candidates: lost, or not yet routed.
        public var unaccounted: [Place] = []
        /// Deliveries and review records whose decision is not in the audit trail.
        public var outputsWithoutAudit: [Place] = []
        /// Decisions to deliver or review with no record on the topic they name.
        public var decisionsWithoutOutput: [String] = []
        /// Outputs for a decision whose outcome says nothing should be there (a denial delivered).
        public var outputsAgainstDecision: [Place] = []

        public var holds: Bool {
            unaccounted.isEmpty && outputsWithoutAudit.isEmpty && decisionsWithoutOutput.isEmpty && outputsAgainstDecision.isEmpty
        }
    }

    /// Why an input may rightly have no audit record of its own.
    public enum Unrecorded: Sendable {
        /// The policy has no candidate recipient for it: nothing to decide.
        case noCandidates
        /// Its message id was decided at another input.
        case repeatOfDecided
        /// Neither: it should have records.
        case unexplained
    }

    public init() {}

    /// What reconciliation needs of an audit record: a few fields, so that a log
    /// of millions of records can be held (the whole records took 7 GB for five million).
    public struct Decision: Sendable {
        public var id: String
        public var isDeadLetter: Bool
        public var outcome: AuditOutcome?
        public var recipient: String?
        public var input: Place?

        /// Nil for records that decide nothing (configuration reloads, staff records).
        public init?(_ record: AuditRecord) {
            guard record.kind == .decision || record.kind == .deadLetter else { return nil }
            id = record.decisionId
            isDeadLetter = record.kind == .deadLetter
            outcome = record.outcome
            recipient = record.recipient
            if let t = record.inputTopic, let p = record.inputPartition, let o = record.inputOffset { input = "\(t):\(p):\(o)" }
        }
    }

    /// - Parameters:
    ///   - inputs: every record of the canonical topics, by place.
    ///   - audit: every audit record (repeats allowed: the same decision id counts once).
    ///   - outputs: every delivery and review record.
    ///   - explain: for an input with no audit record, whether that is right (see `Unrecorded`).
    public func reconcile(
        inputs: [Place], audit: [AuditRecord], outputs: [Output], explain: (Place) -> Unrecorded
    ) -> Report {
        reconcile(inputs: inputs, decisions: audit.compactMap(Decision.init), outputs: outputs, explain: explain)
    }

    /// The same, from the decisions and dead letters of the audit trail (repeats allowed).
    public func reconcile(
        inputs: [Place], decisions all: [Decision], outputs: [Output], explain: (Place) -> Unrecorded
    ) -> Report {
        var report = Report()
        var decisions: [String: Decision] = [:]
        var byInput: [Place: [Decision]] = [:]
        for record in all {
            guard decisions[record.id] == nil else { continue }
            decisions[record.id] = record
            if let place = record.input { byInput[place, default: []].append(record) }
        }
        for place in inputs {
            report.inputs += 1
            guard let records = byInput[place], !records.isEmpty else {
                switch explain(place) {
                case .noCandidates: report.noCandidates += 1
                case .repeatOfDecided: report.repeats += 1
                case .unexplained: report.unaccounted.append(place)
                }
                continue
            }
            if records.contains(where: \.isDeadLetter) { report.deadLettered += 1 }
            for outcome in Set(records.compactMap(\.outcome?.rawValue)) { report.byOutcome[outcome, default: 0] += 1 }
        }
        var carriedOut = Set<String>()
        for output in outputs {
            guard let decision = decisions[output.decisionId] else {
                report.outputsWithoutAudit.append(output.place)
                continue
            }
            let expected: Bool =
                switch decision.outcome {
                case .deliver, .deliverRedacted: decision.recipient.map { output.topic == "hx.deliver.\($0.lowercased())" } ?? false
                case .review: output.topic == "hx.review.v1"
                case .deny, nil: false
                }
            if expected { carriedOut.insert(output.decisionId) } else { report.outputsAgainstDecision.append(output.place) }
        }
        for (id, decision) in decisions where !decision.isDeadLetter && decision.outcome != .deny && decision.outcome != nil {
            if !carriedOut.contains(id) { report.decisionsWithoutOutput.append(id) }
        }
        report.decisionsWithoutOutput.sort()
        return report
    }
}
