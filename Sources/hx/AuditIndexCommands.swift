import ArgumentParser
import Foundation
import HXAudit
import HXAuditIndex
import HXAuditIndexing
import HXCanonical
import HXPlace
import HXKafka
import HXService
import Prometheus
import Logging

/// Where the audit index is: a SQLite file by default, PostgreSQL when a URL is given.
struct AuditIndexOptions: ParsableArguments {
    @Option(name: .customLong("index"), help: ArgumentHelp("SQLite file of the audit index (env HX_AUDIT_INDEX).", valueName: "path"))
    var path: String = ProcessInfo.processInfo.environment["HX_AUDIT_INDEX"] ?? "var/audit-index.sqlite"

    @Option(name: .customLong("index-url"), help: ArgumentHelp(
        "PostgreSQL instead of SQLite, e.g. postgres://hx@db:5432/audit?sslmode=require (env HX_AUDIT_INDEX_URL).", valueName: "url"))
    var urlOption: String?

    var url: String? { urlOption ?? ProcessInfo.processInfo.environment["HX_AUDIT_INDEX_URL"] }
    var location: AuditIndexLocation { url.map { .postgres(url: $0) } ?? .sqlite(path: path) }

    /// Opens the index, runs `body` on it, and closes it whether or not `body` throws.
    /// The index's own errors reach the user as ValidationErrors (they name no patient data).
    func withStore<T>(_ body: (any AuditIndexStore) async throws -> T) async throws -> T {
        let store = try await open()
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch let error as AuditIndexError {
            await store.close()
            throw ValidationError("\(error)")
        } catch {
            await store.close()
            throw error
        }
    }

    /// Opens and prepares the index; a problem stops the command naming the index, never its contents.
    func open() async throws -> any AuditIndexStore {
        if url == nil {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        do {
            let store = try await AuditIndex.open(location)
            try await store.prepare()
            return store
        } catch {
            throw ValidationError("audit index \(url == nil ? path : "at --index-url"): \(error)")
        }
    }
}

extension AuditCommand {
    struct Index: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read hx.audit.ig.v1 into the audit index (SQLite, or PostgreSQL with --index-url).",
            discussion: """
            Each chunk of records is stored in one database transaction together with the offsets to read \
            next, so indexing killed at any point resumes where it stopped, and a record read twice is stored \
            once. A decision id met again with different content is kept as a conflict and reported (exit 1); \
            `hx audit verify --index` reports it too. Without --follow, stops at the topic's current end.
            """
        )

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var index: AuditIndexOptions

        @Flag(help: "Keep indexing new records until interrupted.")
        var follow = false

        @Option(help: .hidden) var chunk: Int = 5_000

        @Option(help: "With --follow: port for Prometheus /metrics and /health (0: any free port).")
        var metricsPort: Int = 9466

        @Option(help: "Address the metrics endpoint listens on.")
        var listen: String = "0.0.0.0"

        func run() async throws {
            LogSetup.bootstrap()
            let logger = Logger(label: "hx.audit.index")
            let client = try kafka.clientConfiguration(clientID: "hx-audit-index")
            let progress = try await index.withStore { store -> AuditIndexFeed.Progress? in
                let feed = AuditIndexFeed(client: client, store: store, chunk: max(1, chunk), logger: logger)
                guard !follow else {
                    try await followServingMetrics(feed, logger: logger)
                    return nil
                }
                return try await feed.catchUp()
            }
            guard let p = progress else { return }
            print("indexed \(p.stored) records (\(p.repeats) repeats, \(p.conflicts) conflicts, \(p.unreadable) unreadable)")
            if p.conflicts > 0 { throw ExitCode(1) }
        }
    }
}

extension AuditCommand.Index {
    /// Runs as a service: indexes until stopped, with /metrics (records by result) and /health beside it.
    func followServingMetrics(_ feed: AuditIndexFeed, logger: Logger) async throws {
        let registry = PrometheusCollectorRegistry()
        func counter(_ result: String) -> Counter {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "hx", subsystem: "audit_index", metricName: "records", unitName: "total",
                                                 helpText: "Audit records read into the index, by result."),
                labels: [("result", result)])
        }
        let (stored, repeats, conflicts, unreadable) = (counter("stored"), counter("repeat"), counter("conflict"), counter("unreadable"))
        let metrics = try await MetricsServer.bind(host: listen, port: metricsPort, registry: registry, component: "audit-index", logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await metrics.run() }
            do {
                try await feed.follow { p in
                    stored.increment(by: Int64(p.stored))
                    repeats.increment(by: Int64(p.repeats))
                    conflicts.increment(by: Int64(p.conflicts))
                    unreadable.increment(by: Int64(p.unreadable))
                    logger.notice("indexed", metadata: ["stored": "\(p.stored)", "repeats": "\(p.repeats)", "conflicts": "\(p.conflicts)", "unreadable": "\(p.unreadable)"])
                }
            } catch {
                metrics.stop()
                throw error
            }
            metrics.stop()
            try await group.waitForAll()
        }
    }
}

extension AuditCommand {
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Search the audit index; newest first.",
            discussion: "Every filter given must match. Times are RFC 3339 or a date (UTC midnight); --to is exclusive."
        )

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

        @OptionGroup var index: AuditIndexOptions
        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var auditor: AuditorOptions
        @Option(help: "Ten-digit NHS number.") var nhsNumber: String?
        @Option(help: "Organisation code, as sender or recipient.") var organisation: String?
        @Option(help: "Data sharing agreement id.") var agreement: String?
        @Option(help: "deliver, deliver-redacted, deny or review.") var outcome: String?
        @Option(help: "A reason code, e.g. objection.") var reason: String?
        @Option(help: "decision, dead-letter, configuration-reloaded or auditor-access.") var kind: String?
        @Option(help: "At or after this time.") var from: String?
        @Option(help: "Before this time.") var to: String?
        @Option(help: "At most this many records.") var limit: Int = AuditQuery.defaultLimit
        @Option(help: "table, json (the records themselves) or csv.") var format: Format = .table

        func validate() throws {
            if let n = nhsNumber, n.count != 10 || !n.allSatisfy(\.isASCII) || !n.allSatisfy(\.isNumber) {
                throw ValidationError("--nhs-number must be ten digits")
            }
            if let o = outcome, AuditOutcome(rawValue: o) == nil {
                throw ValidationError("--outcome \(o): expected one of \(AuditOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let k = kind, AuditRecordKind(rawValue: k) == nil {
                throw ValidationError("--kind \(k): expected one of \(AuditRecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            LogSetup.bootstrap()
            let query = AuditQuery(
                nhsNumber: nhsNumber, organisation: organisation, agreementId: agreement, outcome: outcome.flatMap(AuditOutcome.init),
                reason: reason, kind: kind.flatMap(AuditRecordKind.init), from: from, to: to, limit: limit)
            let place = try auditor.place()
            // The filters as asked, the NHS number apart (it has its own field in the access record).
            let asked = [("organisation", organisation), ("agreement", agreement), ("outcome", outcome), ("reason", reason), ("kind", kind),
                         ("from", from), ("to", to)].compactMap { name, value in value.map { "\(name)=\($0)" } } + ["limit=\(limit)", "format=\(format.rawValue)"]
            let found = try await index.withStore { store in
                try await auditor.record("search", query: asked.joined(separator: " "), nhsNumber: nhsNumber, place: place, kafka: kafka)
                return try await store.search(query)
            }
            switch format {
            case .json: print("[" + found.map { String(decoding: $0.wireBytes, as: UTF8.self) }.joined(separator: ",\n") + "]")
            case .csv: print(AuditSearchOutput.csv(found.map(\.record)))
            case .table: print(AuditSearchOutput.table(found.map(\.record)))
            }
        }
    }
}

/// The columns an auditor reads a search by, as text (CSV: `AuditSearchExport`, shared with the console).
enum AuditSearchOutput {
    static let header = AuditSearchExport.header
    static func row(_ r: AuditRecord) -> [String] { AuditSearchExport.row(r) }
    static func csv(_ records: [AuditRecord]) -> String { AuditSearchExport.csv(records) }

    static func table(_ records: [AuditRecord]) -> String {
        let rows = [header] + records.map(row)
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        let lines = rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return (lines + ["\(records.count) records"]).joined(separator: "\n")
    }
}

/// Who is looking, so that `hx audit search` and `report` can record it on the audit topic first.
struct AuditorOptions: ParsableArguments {
    @Option(help: "The auditor's name, recorded with every search and report (env HX_AUDITOR, else the login name).")
    var actor: String?

    @Option(help: "File holding the audit HMAC key (env HX_AUDIT_KEY_FILE): the access record carries an HMAC like the routers' records.")
    var auditKeyFile: String?

    @Option(help: "The place configuration directory; its digest is recorded with the access.")
    var config: String = "config"

    var who: String {
        let env = ProcessInfo.processInfo.environment
        return actor ?? env["HX_AUDITOR"] ?? env["USER"] ?? env["LOGNAME"] ?? "unknown"
    }

    func place() throws -> PlaceConfiguration { try loadPlace(config) }

    /// Records the access; nothing is shown when this fails.
    func record(_ action: String, query: String, nhsNumber: String?, place: PlaceConfiguration, kafka: KafkaOptions) async throws {
        let recorder = AuditAccessRecorder(
            client: try kafka.clientConfiguration(clientID: "hx-auditor"), key: try loadAuditKey(auditKeyFile), logger: Logger(label: "hx.audit.access"))
        do {
            _ = try await recorder.record(actor: who, action: action, query: query, nhsNumber: nhsNumber, configurationDigest: place.configurationDigest)
        } catch {
            throw ValidationError("could not record this access on \(HXTopic.audit), so nothing is shown: \(error)")
        }
    }
}
