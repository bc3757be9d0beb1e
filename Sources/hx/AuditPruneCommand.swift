import ArgumentParser
import Foundation
import HXAuditIndex

extension AuditCommand {
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove records older than the retention in config/audit-index.yaml from the audit index.",
            discussion: """
            Only the index is pruned; hx.audit.ig.v1 keeps everything. Each chain is cut at a record, and that \
            record's sequence and hash are kept as the chain's anchor, so `hx audit verify --from-index` checks what \
            remains from there instead of reporting pruned records as missing.
            """
        )

        @OptionGroup var index: AuditIndexOptions
        @Option(help: "The place configuration directory (holds audit-index.yaml).") var config: String = "config"
        @Option(help: "Now, for the cutoff (RFC 3339); for a rehearsal or a test.") var now: String?

        func run() async throws {
            LogSetup.bootstrap()
            let retention: AuditRetention
            do {
                retention = try AuditRetention.load(directory: URL(fileURLWithPath: config, isDirectory: true))
            } catch {
                report(error.issues)
                throw ExitCode(78)
            }
            var clock = Date()
            if let now {
                guard let parsed = try? Date(now, strategy: .iso8601) else { throw ValidationError("--now \(now): not an RFC 3339 time") }
                clock = parsed
            }
            let cutoff = retention.cutoff(now: clock)
            let summary = try await index.withStore { try await $0.prune(olderThan: cutoff) }
            print("pruned \(summary.deleted) records older than \(cutoff) (retention \(retention.years) years); \(summary.anchors.count) chains now start from an anchor")
        }
    }
}
