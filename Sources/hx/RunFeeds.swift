import ArgumentParser
import Foundation
import HXAdapterRuntime
import HXAudit
import HXCanonical
import HXOperations
import HXTranslate
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// The adapters of `hx run`: every adapter under adapters/, as `hx adapter run`
/// builds it, listening on 127.0.0.1. Drop folders move under `drops`
/// (emptied each run: a new broker has seen none of their files).
enum RunAdapters {
    struct Running {
        var name: String
        var endpoint: SourceFeeder.Endpoint
        var samples: URL
        var service: AdapterService
    }

    static func start(catalogue: AdapterCatalogue, servers: String, anyPorts: Bool, drops: URL, logger: Logger) async throws -> [Running] {
        let configurations = try catalogue.load()
        var running: [Running] = []
        for (name, configuration) in configurations.sorted(by: { $0.key < $1.key }) {
            let directory = catalogue.directory.appendingPathComponent(name, isDirectory: true)
            var settings = AdapterCommandRunner.Settings()
            if case .folder = configuration.source {
                let folder = drops.appendingPathComponent(name, isDirectory: true)
                try? FileManager.default.removeItem(at: folder)
                settings.dropFolder = folder.path
            }
            settings.listenHost = "127.0.0.1"
            settings.folderPollInterval = .milliseconds(200)
            if anyPorts {
                settings.mllpPort = 0
                settings.httpPort = 0
            }
            let service: AdapterService
            do {
                service = try await AdapterCommandRunner.makeService(
                    configuration: configuration, adapterDirectory: directory, bootstrapServers: servers, metricsPort: nil,
                    registry: PrometheusCollectorRegistry(), settings: settings, logger: logger)
            } catch {
                throw ValidationError("adapter \(name) could not open its source (\(configuration.source)): \(error). Is the port in use? `--adapter-ports any` chooses free ones.")
            }
            let endpoint: SourceFeeder.Endpoint
            switch service.source {
            case let listener as MLLPListener: endpoint = .mllp(host: "127.0.0.1", port: listener.port)
            case let listener as FHIRHTTPListener: endpoint = .http(host: "127.0.0.1", port: listener.port, path: listener.path)
            case let folder as DropFolderSource: endpoint = .folder(folder.folder)
            default: throw ValidationError("adapter \(name): a source hx run cannot feed")
            }
            running.append(Running(name: name, endpoint: endpoint, samples: directory.appendingPathComponent("samples", isDirectory: true), service: service))
        }
        return running
    }
}

/// Sends each adapter its sample files through the adapter's own source, then
/// waits until every input is accounted for and prints what flowed, what was
/// withheld and why. It stays until shutdown, or with `--exit-when-settled`
/// ends the run.
final class SampleTraffic: Service, Sendable {
    let adapters: [(name: String, endpoint: SourceFeeder.Endpoint, samples: URL)]
    let reconciler: LogReconciler
    let settleTimeout: Duration
    let consolePort: Int
    let servers: String
    let exitWhenSettled: Bool
    private let outcome = Mutex<Bool?>(nil)

    /// Whether every input was accounted for when the summary was printed (nil: not yet printed).
    var settled: Bool? { outcome.withLock { $0 } }

    init(adapters: [(name: String, endpoint: SourceFeeder.Endpoint, samples: URL)], reconciler: LogReconciler,
         settleTimeout: Duration, consolePort: Int, servers: String, exitWhenSettled: Bool) {
        self.adapters = adapters
        self.reconciler = reconciler
        self.settleTimeout = settleTimeout
        self.consolePort = consolePort
        self.servers = servers
        self.exitWhenSettled = exitWhenSettled
    }

    struct Fed {
        var adapter: String
        var file: String
        var answer: SourceFeeder.Answer
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            var fed: [Fed] = []
            for adapter in self.adapters {
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: adapter.samples.path)) ?? []).sorted()
                for file in files {
                    guard let data = FileManager.default.contents(atPath: adapter.samples.appendingPathComponent(file).path) else { continue }
                    let answer = try await Self.send(Array(data), name: file, to: adapter.endpoint)
                    fed.append(Fed(adapter: adapter.name, file: file, answer: answer))
                    print("feed:       \(adapter.name) \(file): \(answer)")
                }
            }
            let clock = ContinuousClock()
            let fedAt = clock.now
            var snapshot = try await self.reconciler.read(flows: true)
            while !snapshot.report.complete && clock.now < fedAt + self.settleTimeout {
                try await Task.sleep(for: .seconds(1))
                snapshot = try await self.reconciler.read(flows: true)
            }
            self.outcome.withLock { $0 = snapshot.report.complete }
            print(RunSummary(fed: fed, snapshot: snapshot, waited: clock.now - fedAt, consolePort: self.consolePort, servers: self.servers).text)
        }
        // Returning ends the run (--exit-when-settled); otherwise the system runs on until Ctrl-C.
        if !exitWhenSettled { try? await gracefulShutdown() }
    }

    /// As a sender would: an answer of "not taken" (AR, 503, file left in place) is tried again a few times.
    static func send(_ bytes: [UInt8], name: String, to endpoint: SourceFeeder.Endpoint) async throws -> SourceFeeder.Answer {
        var answer = SourceFeeder.Answer.notTaken("not sent")
        for attempt in 1...5 {
            do {
                answer = try await SourceFeeder.send(bytes, name: name, to: endpoint, timeout: .seconds(30))
            } catch let error as SourceFeeder.FeedError {
                answer = .notTaken(error.description)
            }
            guard case .notTaken = answer, attempt < 5 else { break }
            try await Task.sleep(for: .seconds(2))
        }
        return answer
    }

}

/// The text `hx run` prints once the sample feeds are accounted for.
struct RunSummary {
    let fed: [SampleTraffic.Fed]
    let snapshot: LogReconciler.Snapshot
    let waited: Duration
    let consolePort: Int
    let servers: String

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
        if consolePort != 0 { line("look", "the console at http://localhost:\(consolePort) (dead letters, topics, the audit log for the auditor)") }
        line("check", "hx audit reconcile --bootstrap-servers \(servers); hx audit verify --bootstrap-servers \(servers)")
        return lines.joined(separator: "\n")
    }
}
