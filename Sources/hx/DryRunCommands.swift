import ArgumentParser
import Foundation
import HXAuditIndex
import HXCanonical
import HXConfigFile
import HXPlace
import HXPolicy
import HXPolicyTesting
import HXProposal
import HXTopics
import HXTranslate

// Commands that need no Kafka, so a trust IT team or an IG lead can check a
// mapping or a rule before deploying it. Exit statuses follow sysexits:
// 65 (EX_DATAERR) for rejected input, 78 (EX_CONFIG) for bad configuration.

/// Prints every configuration problem (`file:line:column: error: ...`) to standard error.
func report(_ issues: [ConfigIssue]) {
    for issue in issues { FileHandle.standardError.write(Data((issue.description + "\n").utf8)) }
}

/// The place's configuration from `folder`; on any problem, every one is
/// printed with file and line and the command stops with exit 78 (EX_CONFIG).
func loadPlace(_ folder: String) throws -> PlaceConfiguration {
    do {
        return try PlaceConfiguration.load(directory: URL(fileURLWithPath: folder, isDirectory: true))
    } catch {
        report(error.issues)
        throw ExitCode(78)
    }
}

struct TranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate feed files with an adapter's mapping and print one JSON object per message.",
        discussion: """
        Prints {"ok": true, "message": {...}} for each translated message and \
        {"ok": false, "error": {"code", "message", "location"}} for each rejected one. \
        Exit status 0 when all succeed, 65 when any input was rejected, 78 when the adapter's configuration is wrong.
        """
    )

    @Option(help: ArgumentHelp("The adapter's folder (holding adapter.yaml).", valueName: "adapters/NAME"))
    var adapter: String

    @Option(help: "The sensitivity code list (default: config/sensitivity-codes.yaml beside the adapters folder).")
    var sensitivityCodes: String?

    @Argument(help: "Feed files to translate.")
    var files: [String]

    func run() throws {
        let configuration: AdapterConfiguration
        switch AdapterConfiguration.load(directory: URL(fileURLWithPath: adapter, isDirectory: true), sensitivityCodes: sensitivityCodes.map { URL(fileURLWithPath: $0) }) {
        case .success(let loaded): configuration = loaded
        case .failure(let errors):
            report(errors.issues)
            throw ExitCode(78)
        }
        var outcomes: [TranslationOutcome] = []
        for file in files {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw ValidationError("cannot read \(file): \(error.localizedDescription)")
            }
            let translated = Translator.translate(configuration: configuration, input: data)
            FileHandle.standardOutput.write(Translator.jsonLines(translated))
            outcomes += translated
        }
        let status = Translator.exitStatus(outcomes)
        if status != 0 { throw ExitCode(status) }
    }
}

struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Show what the router would decide for a canonical message, and why, without Kafka.",
        discussion: "Agreements are judged as in force at --at (default now); objections come from --consent, one JSON directive per line."
    )

    @Option(help: "The place's configuration folder.")
    var config: String = "config"

    @Option(help: "Consent directives (JSON lines), as the IG team records them.")
    var consent: String?

    @Option(help: "The time to judge agreements and directives at, RFC 3339 (default: now).")
    var at: String?

    @Option(help: ArgumentHelp("The canonical message to decide on.", valueName: "MESSAGE.json"))
    var explain: String

    func run() throws {
        let place = try loadPlace(config)
        var state = ConsentState.empty
        if let consent {
            let text: String
            do { text = try String(contentsOfFile: consent, encoding: .utf8) } catch {
                throw ValidationError("cannot read \(consent): \(error.localizedDescription)")
            }
            do { state = ConsentState(directives: try ConsentState.parseJSONLines(text)) } catch {
                FileHandle.standardError.write(Data("\(consent): \(error)\n".utf8))
                throw ExitCode(65)
            }
        }
        let instant: Instant
        if let at {
            guard let timestamp = RFC3339Timestamp(at) else { throw ValidationError("--at must be an RFC 3339 time such as 2026-07-01T09:00:00+01:00, not '\(at)'") }
            instant = Instant(timestamp)
        } else {
            instant = Instant(Date())
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: explain)) } catch {
            throw ValidationError("cannot read \(explain): \(error.localizedDescription)")
        }
        let message: CanonicalMessage
        do { message = try CanonicalJSON.decode(data) } catch {
            FileHandle.standardError.write(Data("\(explain): \(error)\n".utf8))
            throw ExitCode(65)
        }
        print(PolicyEngine.route(message, configuration: place, consent: state, at: instant).explainJSON)
    }
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the place's configuration.",
        subcommands: [Check.self, Impact.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate organisations, agreements, identity matching's link rule, topics, the sensitivity code list and the audit index retention; name file, line and problem for each error (exit 78 on error).",
            discussion: "Warnings (agreements expiring within 90 days, say) are printed but do not fail the check."
        )

        @Argument(help: "The configuration folder.")
        var directory: String = "config"

        func run() throws {
            let (issues, place) = Self.check(URL(fileURLWithPath: directory, isDirectory: true))
            let digest = place?.configurationDigest
            report(issues)
            let errors = issues.filter { $0.severity == .error }.count
            let warnings = issues.count - errors
            if errors > 0 {
                print("\(directory): \(errors) error(s), \(warnings) warning(s)")
                throw ExitCode(78)
            }
            print("\(directory): valid, \(warnings) warning(s); configuration digest \(digest ?? "-")")
        }

        /// The rules live in HXProposal, so the console checks an uploaded proposal the same way.
        static func check(_ url: URL) -> (issues: [ConfigIssue], place: PlaceConfiguration?) {
            let checked = ConfigurationCheck.check(url)
            return (checked.issues, checked.place)
        }
    }
}

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the declarative test cases kept beside the configuration: an adapter's tests.yaml, or the agreements' config/tests.",
        discussion: "With no folder, runs the agreements' cases under config/tests and every adapter under adapters/. Exit 1 when any case fails."
    )

    @Argument(help: "An adapter folder (with adapter.yaml and tests.yaml) or a configuration folder (with organisations.yaml and tests/).")
    var directory: String?

    func run() throws {
        let fileManager = FileManager.default
        var targets: [URL] = []
        if let directory {
            targets = [URL(fileURLWithPath: directory, isDirectory: true)]
        } else {
            targets = [URL(fileURLWithPath: "config", isDirectory: true)]
            let adapters = (try? fileManager.contentsOfDirectory(atPath: "adapters")) ?? []
            targets += adapters.sorted().map { URL(fileURLWithPath: "adapters/\($0)", isDirectory: true) }
                .filter { fileManager.fileExists(atPath: $0.appendingPathComponent("adapter.yaml").path) }
        }
        var passed = 0, failed = 0
        for target in targets {
            if fileManager.fileExists(atPath: target.appendingPathComponent("adapter.yaml").path) {
                let result = AdapterTestRunner.run(directory: target)
                for failure in result.failures { print(failure.description) }
                passed += result.cases - Set(result.failures.map(\.testCase)).count
                failed += Set(result.failures.map(\.testCase)).count
                print("\(target.relativePath): \(result.cases) case(s), \(result.failures.count) failure(s)")
            } else if fileManager.fileExists(atPath: target.appendingPathComponent(PlaceConfiguration.organisationsFile).path) {
                do {
                    let place = try PlaceConfiguration.load(directory: target)
                    let result = try PolicyTestRunner.run(directory: target.appendingPathComponent("tests"), configuration: place)
                    for line in result.results where !line.passed {
                        print("\(line.location): FAIL \(line.name)")
                        for failure in line.failures { print("    \(failure)") }
                    }
                    passed += result.passedCount
                    failed += result.failedCount
                    print("\(target.relativePath)/tests: \(result.results.count) case(s), \(result.failedCount) failure(s)")
                } catch {
                    report(error.issues)
                    throw ExitCode(78)
                }
            } else {
                throw ValidationError("\(target.relativePath) holds neither adapter.yaml nor organisations.yaml")
            }
        }
        print("hx test: \(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }
}
