import ArgumentParser
import Foundation
import HXConfigFile
import HXIdentityMatch
import HXIdentityTrace
import HXPlace

struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Identity matching without Kafka.",
        subcommands: [Trace.self]
    )

    struct Trace: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Match a CSV of people against identity facts, as the router would (docs/design.md \"Batch tracing\").",
            discussion: """
            REQUESTS.csv has the header reference,family,given,sex,birthDate,postcode,address (birthDate YYYY-MM-DD, sex \
            male|female|other|unknown, any column may be empty). Prints CSV: reference,outcome,nhsNumber,score,candidates, \
            one line per request, outcome linked|review|none, candidates the NHS numbers considered, ';' separated. \
            The link threshold and margin come from DIR/identity.yaml. Exit 65 (naming file and line) for a malformed \
            row or fact, 78 for a configuration error. Progress goes to standard error when it is a terminal.
            """
        )

        @Option(help: ArgumentHelp("Identity facts, one hx.identity.v1 value per line.", valueName: "FACTS.jsonl"))
        var facts: String

        @Option(help: ArgumentHelp("The configuration folder holding identity.yaml.", valueName: "DIR"))
        var config: String = "config"

        @Argument(help: ArgumentHelp("The people to trace.", valueName: "REQUESTS.csv"))
        var requests: String

        func run() async throws {
            let rule = try loadRule()
            let requestText: String
            do { requestText = try String(contentsOfFile: requests, encoding: .utf8) } catch {
                throw ValidationError("cannot read \(requests): \(error.localizedDescription)")
            }
            let parsed = TraceRequests.parse(requestText, file: requests)
            let factData: Data
            do { factData = try Data(contentsOf: URL(fileURLWithPath: facts)) } catch {
                throw ValidationError("cannot read \(facts): \(error.localizedDescription)")
            }
            let progress = Progress(total: parsed.requests.count)
            progress.note("reading and indexing \(facts)")
            // Each fact indexed as it is read: no array of a million facts beside the index.
            var index = CandidateIndex()
            index.reserveCapacity(TraceFacts.lineCount(factData))
            let factErrors = TraceFacts.read(factData, file: facts) { index.replace(with: $0) }
            let errors = parsed.errors.sorted { $0.line < $1.line } + factErrors
            guard errors.isEmpty else {
                for e in errors { FileHandle.standardError.write(Data("\(e)\n".utf8)) }
                throw ExitCode(65)
            }
            let lines = await IdentityTrace.runConcurrently(parsed.requests, index: index, rule: rule) { progress.done($0) }
            progress.finish()
            var out = lines.joined(separator: "\n")
            out += "\n"
            FileHandle.standardOutput.write(Data(out.utf8))
        }

        func loadRule() throws -> LinkRule {
            let url = URL(fileURLWithPath: config, isDirectory: true).appendingPathComponent(IdentityRuleLoader.fileName)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                report([ConfigIssue(file: url.path, line: nil, column: nil,
                                    message: "cannot read the file: tracing needs the place's link threshold and margin")])
                throw ExitCode(78)
            }
            let read = IdentityRuleLoader.parse(file: url.path, text: text)
            guard let rule = read.rule else {
                report(read.issues)
                throw ExitCode(78)
            }
            return rule
        }
    }

    /// Progress on standard error, only when a person is watching it: a
    /// pipeline's log gets nothing. Counts only, never who.
    final class Progress {
        let total: Int
        let shown = isatty(STDERR_FILENO) == 1

        init(total: Int) { self.total = total }

        func note(_ text: String) {
            guard shown else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        }

        func done(_ count: Int) { note("traced \(count) of \(total)") }

        func finish() {
            guard shown else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[Ktraced \(total) request(s)\n".utf8))
        }
    }
}
