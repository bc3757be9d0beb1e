import ArgumentParser
import Foundation
import HXAccess
import HXAudit
import HXKafka
import HXOperations
import HXPlace

extension AuditCommand {
    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every input on the canonical topics is accounted for, and every delivery and review record is audited.",
            discussion: """
            Reads the canonical topics, hx.audit.ig.v1, every hx.deliver.* topic and hx.review.v1 to their ends. \
            Each input must have its decisions or a dead-letter record in the audit trail, or have no candidate \
            recipient under --config (nothing to share); each delivery and review record must carry out an \
            audited decision to deliver or review there; each such decision must have its record. Repeats \
            count once. Safe on a live system: it reads the routers' committed positions (group \
            --router-group) first and judges only the inputs before them, so work in flight is not \
            mistaken for loss; later inputs are counted as not yet routed. Exit status 0 when everything \
            is accounted for, 1 when something is not, 75 when all judged is accounted for but inputs wait \
            for a router (run it again, or see whether the routers are running). Prints counts, and places \
            (topic:partition:offset) and decision ids, never content.
            """
        )

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var config: ConfigDirectoryOption

        @Option(help: "At most this many places listed per kind of problem.") var show: Int = 20
        @Option(help: "The routers' consumer group.") var routerGroup: String = AccessPlan.Names.routerGroup

        func run() async throws {
            LogSetup.bootstrap()
            let place = try RouterCommand.load(config.url)
            let client = try kafka.clientConfiguration(clientID: "hx-audit-reconcile")
            let report = try await LogReconciler(client: client, place: place, routerGroup: routerGroup).read().report
            print(summary(report))
            if !report.holds { throw ExitCode(1) }
            if report.pending > 0 { throw ExitCode(75) }
        }

        func summary(_ r: InputReconciliation.Report) -> String {
            var lines = ["inputs \(r.inputs): " + (["deliver", "deliver-redacted", "deny", "review"].map { "\($0) \(r.byOutcome[$0] ?? 0)" }
                + ["dead-lettered \(r.deadLettered)", "repeats of a decided message \(r.repeats)", "no candidate recipient \(r.noCandidates)"]).joined(separator: ", ")]
            func list(_ name: String, _ items: [String]) {
                guard !items.isEmpty else { return }
                lines.append("\(name): \(items.count)")
                lines += items.prefix(show).map { "  \($0)" }
            }
            list("unaccounted inputs", r.unaccounted)
            // Not a failure: the first decision stands; the verifier names the repeated decision ids.
            list("inputs decided again (a message resent after the router's repeat memory; hx audit verify reports each decision id as a conflict)", r.decidedAgain)
            list("outputs without an audited decision", r.outputsWithoutAudit)
            list("audited decisions to deliver or review with no output", r.decisionsWithoutOutput)
            list("outputs a decision does not allow", r.outputsAgainstDecision)
            if r.pending > 0 { lines.append("not yet routed (past the routers' committed positions, not judged): \(r.pending)") }
            lines.append(r.complete ? "every input is accounted for" : r.holds ? "everything judged is accounted for; inputs wait for a router" : "reconciliation FAILED")
            return lines.joined(separator: "\n")
        }
    }
}
