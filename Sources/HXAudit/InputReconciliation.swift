/// Every input accounted for exactly once: what the soak and an operator's
/// `hx audit reconcile` check after traffic has stopped. Pure: given what is
/// on the canonical, audit, delivery and review topics, says which inputs
/// have no account and which outputs have no audit record.
package struct InputReconciliation: Sendable {
    /// Where a record was read: `topic:partition:offset`.
    package typealias Place = String

    /// One record on a delivery or review topic, by the decision it carries out.
    package struct Output: Sendable {
        package var place: Place
        package var topic: String
        package var decisionId: String

        package init(place: Place, topic: String, decisionId: String) {
            self.place = place
            self.topic = topic
            self.decisionId = decisionId
        }
    }

    package struct Report: Sendable, Equatable {
        package var inputs = 0
        /// Inputs by what became of them. An input may have several decisions
        /// (one per candidate recipient); it counts under each outcome once.
        package var byOutcome: [String: Int] = [:]
        package var deadLettered = 0
        /// Inputs with no audit record for which the caller found no candidate recipient.
        package var noCandidates = 0
        /// Inputs with no audit record of their own that repeat a message decided at another place
        /// (a resent message: the router decides a message id once).
        package var repeats = 0
        /// Inputs whose records all repeat decision ids first recorded at another input: a message
        /// resent after it left the router's repeat memory (docs/router.md "A message sent twice"),
        /// decided again under the same decision ids. Nothing is lost or shared twice (recipients
        /// and the index keep the first), but `hx audit verify` reports each as a conflict.
        package var decidedAgain: [Place] = []
        /// Inputs with no audit record and candidates: lost, or not yet routed.
        package var unaccounted: [Place] = []
        /// Deliveries and review records whose decision is not in the audit trail.
        package var outputsWithoutAudit: [Place] = []
        /// Decisions to deliver or review with no record on the topic they name.
        package var decisionsWithoutOutput: [String] = []
        /// Outputs for a decision whose outcome says nothing should be there (a denial delivered).
        package var outputsAgainstDecision: [Place] = []

        /// Inputs left out because the routers have not committed past them yet (set by
        /// the reader of a live log): in flight, or waiting for a router.
        package var pending = 0

        package var holds: Bool {
            unaccounted.isEmpty && outputsWithoutAudit.isEmpty && decisionsWithoutOutput.isEmpty && outputsAgainstDecision.isEmpty
        }
        /// Holds, and no input is left waiting for a router.
        package var complete: Bool { holds && pending == 0 }
    }

    /// Why an input may rightly have no audit record of its own.
    package enum Unrecorded: Sendable {
        /// The policy has no candidate recipient for it: nothing to decide.
        case noCandidates
        /// Its message id was decided at another input.
        case repeatOfDecided
        /// Neither: it should have records.
        case unexplained
    }

    package init() {}

    /// What reconciliation needs of an audit record: a few fields, so that a log
    /// of millions of records can be held (the whole records took 7 GB for five million).
    package struct Decision: Sendable {
        package var id: String
        package var isDeadLetter: Bool
        package var outcome: AuditOutcome?
        package var recipient: String?
        package var input: Place?

        /// Nil for records that decide nothing (configuration reloads, staff records).
        package init?(_ record: AuditRecord) {
            guard record.kind == .decision || record.kind == .deadLetter else { return nil }
            id = record.decisionId
            isDeadLetter = record.kind == .deadLetter
            outcome = record.outcome
            recipient = record.recipient
            if let t = record.inputTopic, let p = record.inputPartition, let o = record.inputOffset { input = "\(t):\(p):\(o)" }
        }
    }

    /// - Parameters:
    ///   - inputs: the records of the canonical topics to account for, by place. Only
    ///     decisions about these must have their delivery or review record.
    ///   - audit: every audit record (repeats allowed: the same decision id counts once).
    ///   - outputs: every delivery and review record.
    ///   - explain: for an input with no audit record, whether that is right (see `Unrecorded`).
    package func reconcile(
        inputs: [Place], audit: [AuditRecord], outputs: [Output], explain: (Place) -> Unrecorded
    ) -> Report {
        reconcile(inputs: inputs, decisions: audit.compactMap(Decision.init), outputs: outputs, explain: explain)
    }

    /// The same, from the decisions and dead letters of the audit trail (repeats allowed).
    package func reconcile(
        inputs: [Place], decisions all: [Decision], outputs: [Output], explain: (Place) -> Unrecorded
    ) -> Report {
        var report = Report()
        // The first record of each decision id stands (what recipients and the index keep);
        // every record still counts for the input it names.
        var decisions: [String: Decision] = [:]
        var byInput: [Place: [Decision]] = [:]
        for record in all {
            if decisions[record.id] == nil { decisions[record.id] = record }
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
            if records.allSatisfy({ decisions[$0.id]?.input != place }) {
                report.decidedAgain.append(place)
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
                case .deny, .rejected, nil: false
                }
            if expected { carriedOut.insert(output.decisionId) } else { report.outputsAgainstDecision.append(output.place) }
        }
        // A decision about an input not being accounted for (past a live log's routed position,
        // or gone from the canonical topic with its retention) may rightly have no output in view.
        let given = Set(inputs)
        for (id, decision) in decisions where !decision.isDeadLetter && decision.outcome != .deny && decision.outcome != .rejected && decision.outcome != nil {
            guard let input = decision.input, given.contains(input) else { continue }
            if !carriedOut.contains(id) { report.decisionsWithoutOutput.append(id) }
        }
        report.decisionsWithoutOutput.sort()
        return report
    }
}
