import Foundation
import HXAdapterRuntime
import HXAudit
import HXCanonical
import HXOperations
import HXPlace

/// The text `hx run` prints once the sample feeds are accounted for.
struct RunSummary {
    let fed: [SampleTraffic.Fed]
    let snapshot: LogReconciler.Snapshot
    let waited: Duration
    let consolePort: Int
    let servers: String
    var deliveries: [DeliveryBoard.Row] = []

    var text: String {
        let r = snapshot.report
        let flows = snapshot.flows ?? FlowSummary()
        let accepted = fed.filter { $0.answer == .accepted }.count
        var refusals: [String: Int] = [:]
        var notTaken = 0
        for f in fed {
            switch f.answer {
            case .accepted: break
            case .refused(let codes): for code in codes { refusals[code, default: 0] += 1 }
            case .notTaken: notTaken += 1
            }
        }
        let refused = fed.count - accepted - notTaken
        let seconds = Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18
        var lines = ["summary:    the sample feeds, \(String(format: "%.1f", seconds)) s after the last was answered"]
        func line(_ label: String, _ text: String) { lines.append("  " + (label + ":").padding(toLength: 11, withPad: " ", startingAt: 0) + " " + text) }
        let deadLetters = refusals.values.reduce(0, +)
        line("sent", "\(fed.count) files to \(Set(fed.map(\.adapter)).count) adapters: \(accepted) accepted, \(refused) refused (\(deadLetters) messages dead-lettered)"
             + (notTaken > 0 ? ", \(notTaken) NOT taken" : ""))
        if !refusals.isEmpty { line("refused", FlowSummary.listing(refusals) + " (reason codes of the dead letters on \(HXTopic.deadLetter))") }
        let decided = r.inputs - r.repeats - r.noCandidates - r.deadLettered - r.unaccounted.count - r.decidedAgain.count
        var inputs = "\(r.inputs) on the canonical topics: \(decided) decided"
        if r.repeats > 0 { inputs += ", \(r.repeats) repeats of a decided message" }
        if r.noCandidates > 0 { inputs += ", \(r.noCandidates) with no candidate recipient" }
        if !r.decidedAgain.isEmpty { inputs += ", \(r.decidedAgain.count) decided again after the router's repeat memory" }
        if r.deadLettered > 0 { inputs += ", \(r.deadLettered) dead-lettered by the router" }
        line("inputs", inputs)
        line("accounted", r.complete
             ? "every input, and every delivery and review record carries out an audited decision"
             : r.holds ? "NOT YET: \(r.pending) inputs not yet routed (past the routers' committed positions)"
             : "NO: \(r.unaccounted.count) inputs without a decision, \(r.outputsWithoutAudit.count + r.outputsAgainstDecision.count) outputs without a matching decision, \(r.decisionsWithoutOutput.count) decisions without their output (hx audit reconcile lists them)")
        let outcomes = AuditOutcome.allCases.map { "\($0.rawValue) \(flows.outcomes[$0] ?? 0)" }.joined(separator: ", ")
        line("decisions", "\(flows.decisions) for \(flows.messages) messages: \(outcomes)")
        if !flows.sharedWith.isEmpty { line("shared", "with \(flows.sharedWith.count) recipients: " + FlowSummary.listing(flows.sharedWith)) }
        if !flows.redactions.isEmpty { line("redacted", FlowSummary.listing(flows.redactions)) }
        for outcome in [AuditOutcome.deny, .review] {
            guard let reasons = flows.withheld[outcome] else { continue }
            line(outcome == .deny ? "withheld" : "in review", "\(flows.outcomes[outcome] ?? 0) decisions: " + FlowSummary.listing(reasons))
        }
        let mesh = DeliverySettings.Transport.mesh.rawValue
        for row in deliveries where row.records > 0 {
            var text: String
            if row.transport == mesh {
                text = "\(row.recipient): \(row.sent) of \(row.records) sent over MESH, \(row.acknowledged) acknowledged by the practice (infrastructure and business)"
            } else {
                text = "\(row.recipient): \(row.sent) of \(row.records) sent and acknowledged by its system"
            }
            if row.failed > 0 { text += ", \(row.failed) FAILED (dead letters, stage deliver)" }
            if row.undelivered > 0 { text += ", \(row.undelivered) NOT YET (\(row.state.rawValue)\(row.lastProblem.map { ": \($0.reason)" } ?? ""))" }
            if row.awaitingAcknowledgement > 0 {
                text += ", \(row.awaitingAcknowledgement) NOT YET acknowledged by the practice within the settle timeout"
                    + (row.overdue > 0 ? " (\(row.overdue) overdue)" : "")
            }
            line("delivered", text)
        }
        // Recipients the samples share nothing with, on one line: with the GP practices, they are many.
        let idle = deliveries.filter { $0.records == 0 }.map(\.recipient)
        if !idle.isEmpty { line("delivered", "nothing to \(idle.joined(separator: ", ")): none of the samples is shared with them") }
        if consolePort != 0 { line("look", "the console at http://localhost:\(consolePort) (dead letters, topics, the audit log for the auditor)") }
        line("check", "hx audit reconcile --bootstrap-servers \(servers); hx audit verify --bootstrap-servers \(servers)")
        return lines.joined(separator: "\n")
    }
}
