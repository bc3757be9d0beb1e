import ArgumentParser
import Foundation
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
            count once. Run it when traffic has stopped and the routers have caught up: an input not yet \
            routed shows as unaccounted. Exit status 0 when everything is accounted for, 1 otherwise. Prints \
            counts, and places (topic:partition:offset) and decision ids, never content.
            """
        )

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var config: ConfigDirectoryOption

        @Option(help: "At most this many places listed per kind of problem.") var show: Int = 20

        func run() async throws {
            LogSetup.bootstrap()
            let place = try RouterCommand.load(config.url)
            let client = try kafka.clientConfiguration(clientID: "hx-audit-reconcile")
            let report = try await LogReconciler(client: client, place: place).read().report
            print(summary(report))
            if !report.holds { throw ExitCode(1) }
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
            list("outputs without an audited decision", r.outputsWithoutAudit)
            list("audited decisions to deliver or review with no output", r.decisionsWithoutOutput)
            list("outputs a decision does not allow", r.outputsAgainstDecision)
            lines.append(r.holds ? "every input is accounted for" : "reconciliation FAILED")
            return lines.joined(separator: "\n")
        }
    }
}
