// `audit-index-bench`: the audit index's indexing rate and subject-search latency,
// SQLite and PostgreSQL, on the same synthetic records in one run.
//
//   audit-index-bench [--records N] [--subjects S] [--searches Q] [--batch B] [--chains C]
//                     [--backend sqlite|postgres|both] [--postgres-url URL] [--dir DIR] [--seed N]
//
// Fills a fresh index per backend with N router-shaped records (default 1,000,000)
// over S NHS numbers (default 200,000), C chains (default 12), ingesting B records
// per transaction with their positions, as `hx audit index` would; the time to make
// and seal the records is not counted. Then Q searches (default 1,000) for one random
// NHS number each, newest first, limit 1,000, after 50 unmeasured ones, and 100
// searches for an organisation's newest 100. Without --postgres-url, PostgreSQL is a
// server of its own (scripts/test-postgres.sh, fsync on) in --dir; SQLite's file goes there too.
import Foundation
import HXAuditIndex
import HXDevBroker

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

func fail(_ text: String) -> Never {
    log("audit-index-bench: \(text)")
    exit(1)
}

/// Runs scripts/test-postgres.sh to its end.
func postgresScript(_ arguments: [String]) async throws -> Int32 {
    let script = packageRoot.appendingPathComponent("scripts/test-postgres.sh").path
    let p = try ChildProcess(executable: script, arguments: arguments, output: nil)
    while p.isRunning { try await Task.sleep(for: .milliseconds(50)) }
    return ((p.status ?? -1) >> 8) & 0xff
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func directorySize(_ path: String) -> Int64 {
    guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total: Int64 = 0
    for case let name as String in e {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + name)
        total += (attributes?[.size] as? Int64) ?? 0
    }
    return total
}

struct Backend {
    var name: String
    var store: any AuditIndexStore
    var sizeOnDisk: () -> Int64
    var ingestTime: Duration = .zero
}

var postgresDirectory: String?
var backends: [Backend] = []
let pid = getpid()

do {
    for name in options.backends {
        switch name {
        case "sqlite":
            let path = "\(options.directory)/audit-index-bench-\(pid).sqlite"
            let store = try await AuditIndex.open(.sqlite(path: path))
            try await store.prepare()
            backends.append(Backend(name: "SQLite", store: store) {
                ["", "-wal", "-shm"].reduce(Int64(0)) { sum, suffix in
                    sum + ((try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int64) ?? 0)
                }
            })
        default:
            var url = options.postgresURL
            if url == nil {
                let dir = "\(options.directory)/audit-index-bench-pg-\(pid)"
                let port = try DevBroker.freePort()
                setenv("TEST_POSTGRES_FSYNC", "on", 1)
                guard try await postgresScript(["start", dir, String(port), String(pid)]) == 0 else { fail("PostgreSQL did not start") }
                postgresDirectory = dir
                url = "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable"
            }
            let store = try await AuditIndex.open(.postgres(url: url!))
            try await store.prepare()
            let dir = postgresDirectory
            backends.append(Backend(name: "PostgreSQL", store: store) { dir.map(directorySize) ?? 0 })
        }
    }
} catch {
    fail("\(error)")
}

log("filling: \(options.records) records, \(options.subjects) NHS numbers, \(options.chains) chains, \(options.batch) per transaction")
var workload = Workload(total: options.records, subjects: options.subjects, chains: options.chains, seed: options.seed)
let clock = ContinuousClock()
var nextReport = options.records / 10
do {
    while workload.produced < options.records {
        let batch = workload.next(options.batch)
        var last: [Int: Int64] = [:]
        for r in batch { last[r.partition] = r.offset + 1 }
        let positions = last.map { AuditTopicPosition(topic: Workload.auditTopic, partition: $0.key, nextOffset: $0.value) }
        for i in backends.indices {
            let started = clock.now
            let summary = try await backends[i].store.ingest(batch, positions: positions)
            backends[i].ingestTime += clock.now - started
            if summary.stored != batch.count { fail("\(backends[i].name) stored \(summary.stored) of \(batch.count)") }
        }
        if workload.produced >= nextReport {
            nextReport += options.records / 10
            let rates = backends.map { "\($0.name) \(Int(Double(workload.produced) / seconds($0.ingestTime))) records/s" }
            log("  \(workload.produced) records: " + rates.joined(separator: ", "))
        }
    }
} catch {
    fail("\(error)")
}

struct SearchResult {
    var p50: Double, p99: Double, max: Double, meanRows: Double
}

func measure(_ store: any AuditIndexStore, _ queries: [AuditQuery]) async throws -> SearchResult {
    var times: [Double] = []
    var rows = 0
    for q in queries {
        let started = clock.now
        rows += try await store.search(q).count
        times.append(seconds(clock.now - started) * 1000)
    }
    times.sort()
    return SearchResult(p50: percentile(times, 0.5), p99: percentile(times, 0.99), max: times.last ?? .nan, meanRows: Double(rows) / Double(queries.count))
}

var subjectQueries: [AuditQuery] = []
for _ in 0..<(options.searches + 50) { subjectQueries.append(AuditQuery(nhsNumber: workload.randomSubject(), limit: 1000)) }
let organisationQueries = (0..<100).map { AuditQuery(organisation: workload.practices[$0 % 30], limit: 100) }

var lines: [String] = []
do {
    for b in backends {
        _ = try await measure(b.store, Array(subjectQueries.prefix(50)))
        let subject = try await measure(b.store, Array(subjectQueries.dropFirst(50)))
        let organisation = try await measure(b.store, organisationQueries)
        let rate = Double(options.records) / seconds(b.ingestTime)
        let size = Double(b.sizeOnDisk()) / 1_048_576
        lines.append(String(
            format: "| %@ | %d | %.0f | %.1f | %.2f | %.2f | %.2f | %.1f | %.2f | %.2f | %.0f |", b.name, options.records, rate,
            seconds(b.ingestTime), subject.p50, subject.p99, subject.max, subject.meanRows, organisation.p50, organisation.p99, size))
        await b.store.close()
    }
} catch {
    fail("\(error)")
}

print("""
    audit-index-bench: \(options.records) records, \(options.subjects) NHS numbers, \(options.chains) chains, \(options.batch) records per transaction; \
    \(options.searches) subject searches (newest first, limit 1000), 100 organisation searches (limit 100)

    | backend | records | indexing records/s | indexing s | subject p50 ms | subject p99 ms | subject max ms | rows per subject | organisation p50 ms | organisation p99 ms | size MiB |
    |---|---|---|---|---|---|---|---|---|---|---|
    """)
for line in lines { print(line) }

if options.backends.contains("sqlite") {
    let path = "\(options.directory)/audit-index-bench-\(pid).sqlite"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}
if let dir = postgresDirectory { _ = try? await postgresScript(["stop", dir]) }
