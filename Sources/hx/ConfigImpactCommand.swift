import ArgumentParser
import Foundation
import HXAudit
import HXCanonical
import HXConfigFile
import HXImpact
import HXPlace
import HXProposal

extension ConfigCommand {
    struct Impact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Before a change to the agreements is applied: what it would start, stop or change, on the inputs of a window.",
            discussion: """
            Decides every input on the canonical topics in the window again, under the configuration in force (--config) \
            and the proposed one (--proposed), each with the consent directives and identity facts as written by the \
            input's time, and reports per agreement, recipient and reason code the flows that would start, stop or change \
            form (fields removed or redacted), as counts. Nothing is written to Kafka and nothing is applied. The proposal \
            is checked first with the rules of `hx config check`; any error is printed with file and line (exit 78). No \
            patient identifier is printed.
            """
        )

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var config: ConfigDirectoryOption

        @Option(help: ArgumentHelp("The proposed configuration folder.", valueName: "DIR"))
        var proposed: String

        @Option(help: "Start of the window, RFC 3339 (default: 7 days before --to).")
        var from: String?

        @Option(help: "End of the window, RFC 3339 (default: now).")
        var to: String?

        @Option(help: "table (default) or json.")
        var format: OutputFormat = .table

        enum OutputFormat: String, ExpressibleByArgument { case table, json }

        func run() async throws {
            LogSetup.bootstrap()
            let (issues, candidate) = Check.check(URL(fileURLWithPath: proposed, isDirectory: true))
            report(issues)
            guard let candidate, !issues.contains(where: { $0.severity == .error }) else {
                FileHandle.standardError.write(Data("hx: the proposed configuration \(proposed) is not valid; nothing compared\n".utf8))
                throw ExitCode(78)
            }
            let current = try loadPlace(config.config)
            let end = try to.map { try Self.time($0, option: "--to") } ?? Int64(Date().timeIntervalSince1970 * 1000)
            let start = try from.map { try Self.time($0, option: "--from") } ?? end - 7 * 86_400_000
            guard start <= end else { throw ValidationError("--from must not be after --to") }

            var reading = ImpactReading(client: try kafka.clientConfiguration(clientID: "hx-config-impact"), from: start, to: end)
            // Only for a person watching: a pipe or a file gets the report alone.
            if isatty(STDERR_FILENO) == 1 {
                reading.progress = { n in FileHandle.standardError.write(Data("\r\u{1B}[Kinputs decided: \(n)".utf8)) }
            }
            let report = try await reading.read(current: current, proposed: candidate)
            if reading.progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }

            let rendering = ImpactRendering(
                heading: .init(current: config.config, currentDigest: current.configurationDigest, proposed: proposed,
                               proposedDigest: candidate.configurationDigest, from: Self.rfc3339(start), to: Self.rfc3339(end)),
                report: report)
            switch format {
            case .json: print(rendering.json.rendered)
            case .table: print(rendering.table, terminator: "")
            }
        }

        static func time(_ text: String, option: String) throws -> Int64 {
            guard let timestamp = RFC3339Timestamp(text) else {
                throw ValidationError("\(option) must be an RFC 3339 time such as 2026-07-01T09:00:00+01:00, not '\(text)'")
            }
            return Instant(timestamp).millisecondsSinceEpoch
        }

        static func rfc3339(_ milliseconds: Int64) -> String {
            AuditTime.rfc3339(Instant(millisecondsSinceEpoch: milliseconds)) ?? String(milliseconds)
        }
    }
}
