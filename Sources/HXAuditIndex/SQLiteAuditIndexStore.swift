import Foundation
import GRDB
import HXAudit
import Synchronization

/// The embedded index: one SQLite file in WAL mode, through GRDB's pool
/// (one writer, concurrent readers). `synchronous = NORMAL` may lose the last
/// transactions on power loss but never splits one, and records and positions
/// commit together, so indexing resumes where the file says.
final class SQLiteAuditIndexStore: AuditIndexStore {
    private let pool: DatabasePool
    private let path: String
    private let closed = Mutex(false)
    private let sql = IndexSQL.sqlite
    /// Page cache per connection, KiB.
    static let cacheKiB = 256 * 1024

    init(path: String) throws(AuditIndexError) {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Inserts land all over the decision-id and NHS-number indexes: with
            // SQLite's 2 MiB default cache, a large index is read back from disk
            // on nearly every insert (measured with audit-index-bench).
            try db.execute(sql: "PRAGMA cache_size = -\(Self.cacheKiB)")
            // Checkpoints copy the WAL back into the file; fewer, larger ones
            // write a hot index page once instead of again and again.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw .unavailable("cannot open the SQLite index at \(path): \(Self.reason(error))")
        }
        self.path = path
    }

    // MARK: Access

    private func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(AuditIndexError) -> T {
        try checkOpen()
        do {
            return try await pool.write(body)
        } catch {
            throw Self.mapped(error, what)
        }
    }

    private func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(AuditIndexError) -> T {
        try checkOpen()
        do {
            return try await pool.read(body)
        } catch {
            throw Self.mapped(error, what)
        }
    }

    private func checkOpen() throws(AuditIndexError) {
        if closed.withLock({ $0 }) { throw .closed }
    }

    private static func mapped(_ error: any Error, _ what: String) -> AuditIndexError {
        if let e = error as? AuditIndexError { return e }
        return .query("\(what) failed: \(reason(error))")
    }

    /// SQLite's code and message; GRDB keeps bound values out of its errors,
    /// and they are left out here too.
    static func reason(_ error: any Error) -> String {
        if let e = error as? DatabaseError {
            return "SQLite error \(e.extendedResultCode.rawValue) (\(e.message ?? "no message"))"
        }
        return String(describing: type(of: error))
    }

    // MARK: AuditIndexStore

    func prepare() async throws(AuditIndexError) {
        try checkOpen()
        let version = SQLiteSchema.version
        do {
            try await pool.write { db in
                for statement in SQLiteSchema.statements { try db.execute(sql: statement) }
                try db.execute(
                    sql: "INSERT INTO audit_index_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING",
                    arguments: [String(version)])
                let stored = try String.fetchOne(db, sql: "SELECT value FROM audit_index_meta WHERE key = 'schema_version'")
                guard let stored, let n = Int(stored), n <= version else {
                    throw AuditIndexError.schema("the index has schema version \(stored ?? "?"), newer than this program's \(version)")
                }
            }
        } catch let e as AuditIndexError {
            throw e
        } catch {
            throw .schema("creating the schema failed: \(Self.reason(error))")
        }
    }

    func ingest(_ records: [IndexedAuditRecord], positions: [AuditTopicPosition]) async throws(AuditIndexError) -> IngestSummary {
        let sql = self.sql
        return try await write("ingest") { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO audit_records (decision_id, kind, time, nhs_number, source_org, recipient, outcome, agreement_id,
                        chain_id, sequence, topic, kafka_partition, kafka_offset, hash, wire)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (decision_id) DO NOTHING
                    """)
            let insertReason = try db.cachedStatement(
                sql: "INSERT INTO audit_reasons (decision_id, reason) VALUES (?, ?) ON CONFLICT DO NOTHING")
            let select = try db.cachedStatement(sql: sql.storedByDecision)
            let insertConflict = try db.cachedStatement(sql: sql.insertConflict)
            var summary = IngestSummary()
            for r in records {
                let e = r.record
                try insert.execute(arguments: [
                    e.decisionId, e.kind.rawValue, e.time, e.nhsNumber, e.source?.organisation, e.recipient, e.outcome?.rawValue,
                    e.agreementId, e.chainId, e.sequence, r.topic, r.partition, r.offset, e.hash, Data(r.wireBytes),
                ])
                if db.changesCount == 1 {
                    summary.stored += 1
                    for reason in e.reasons { try insertReason.execute(arguments: [e.decisionId, reason]) }
                    continue
                }
                guard let row = try Row.fetchOne(select, arguments: [e.decisionId]) else {
                    throw AuditIndexError.query("ingest: decision \(e.decisionId) was neither inserted nor found")
                }
                if let conflict = RepeatCheck.conflict(incoming: r, stored: Self.stored(row)) {
                    try insertConflict.execute(arguments: Self.arguments(conflict.values(wire: r.wireBytes)))
                    summary.conflicts.append(conflict)
                } else {
                    summary.repeats += 1
                }
            }
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO audit_positions (topic, kafka_partition, next_offset) VALUES (?, ?, ?)
                    ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = MAX(next_offset, excluded.next_offset)
                    """)
            for p in positions { try upsert.execute(arguments: [p.topic, p.partition, p.nextOffset]) }
            return summary
        }
    }

    func positions(topic: String) async throws(AuditIndexError) -> [Int: Int64] {
        try await read("reading positions") { db in
            var result: [Int: Int64] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT kafka_partition, next_offset FROM audit_positions WHERE topic = ?", arguments: [topic])
            while let row = try rows.next() { result[row[0]] = row[1] }
            return result
        }
    }

    func search(_ query: AuditQuery) async throws(AuditIndexError) -> [IndexedAuditRecord] {
        let (text, values) = sql.search(try NormalisedQuery(query))
        return try await read("search") { db in
            try Row.fetchAll(db, sql: text, arguments: Self.arguments(values)).map { row throws(AuditIndexError) in
                try Self.stored(row).decoded()
            }
        }
    }

    func outcomeCounts(since: String) async throws(AuditIndexError) -> [AuditOutcome: Int] {
        let text = sql.outcomeCounts
        return try await read("counting outcomes") { db in
            var counts: [AuditOutcome: Int] = [:]
            for row in try Row.fetchAll(db, sql: text, arguments: [since]) {
                if let outcome = (row[0] as String?).flatMap(AuditOutcome.init(rawValue:)) { counts[outcome] = row[1] }
            }
            return counts
        }
    }

    func agreementOutcomeCounts(since: String) async throws(AuditIndexError) -> [String: [AuditOutcome: Int]] {
        let text = sql.agreementOutcomeCounts
        return try await read("counting decisions per agreement") { db in
            var counts: [String: [AuditOutcome: Int]] = [:]
            for row in try Row.fetchAll(db, sql: text, arguments: [since]) {
                if let agreement = row[0] as String?, let outcome = (row[1] as String?).flatMap(AuditOutcome.init(rawValue:)) {
                    counts[agreement, default: [:]][outcome] = row[2]
                }
            }
            return counts
        }
    }

    func chainIds() async throws(AuditIndexError) -> [String] {
        try await read("listing chains") { db in try String.fetchAll(db, sql: IndexSQL.chainIds) }
    }

    func chainPage(chainId: String, afterSequence: Int, limit: Int) async throws(AuditIndexError) -> AuditChainPage {
        try PageLimit.check(limit)
        let (text, values) = sql.chainPage(chainId: chainId, after: afterSequence, limit: limit)
        return try await read("reading a chain") { db in
            let rows = try Row.fetchAll(db, sql: text, arguments: Self.arguments(values)).map(Self.stored)
            let records = try rows.map { (s) throws(AuditIndexError) in try s.decoded() }
            return AuditChainPage(records: records, nextAfterSequence: rows.last?.sequence)
        }
    }

    func conflicts() async throws(AuditIndexError) -> [AuditIndexConflict] {
        try await read("reading conflicts") { db in
            try Row.fetchAll(db, sql: IndexSQL.conflicts).map { row in
                AuditIndexConflict(
                    decisionId: row[0],
                    stored: AuditRecordPlace(topic: row[1], partition: row[2], offset: row[3], chainId: row[4], sequence: row[5], hash: row[6]),
                    conflicting: AuditRecordPlace(
                        topic: row[7], partition: row[8], offset: row[9], chainId: row[10], sequence: row[11], hash: row[12]))
            }
        }
    }

    func prune(olderThan cutoff: String) async throws(AuditIndexError) -> PruneSummary {
        let cutoff = try IndexTime.stored(cutoff, name: "cutoff")
        let sql = self.sql
        return try await write("pruning") { db in
            var deleted = 0
            var anchors: [String: AuditChainAnchor] = [:]
            for chain in try String.fetchAll(db, sql: sql.chainsWithOldRecords, arguments: [cutoff]) {
                let firstKept = try Int.fetchOne(db, sql: sql.firstKeptSequence, arguments: [chain, cutoff]) ?? IndexSQL.maxSequence
                guard let anchor = try Row.fetchOne(db, sql: sql.pruneAnchor, arguments: [chain, firstKept]) else { continue }
                try db.execute(sql: sql.deletePrunedReasons, arguments: [chain, firstKept])
                try db.execute(sql: sql.deletePrunedRecords, arguments: [chain, firstKept])
                deleted += db.changesCount
                anchors[chain] = AuditChainAnchor(sequence: anchor[0], hash: anchor[1])
            }
            try db.execute(sql: "INSERT INTO audit_prunes (cutoff, deleted) VALUES (?, ?)", arguments: [cutoff, deleted])
            let id = db.lastInsertedRowID
            for (chain, a) in anchors {
                try db.execute(
                    sql: "INSERT INTO audit_prune_anchors (prune_id, chain_id, sequence, hash) VALUES (?, ?, ?, ?)",
                    arguments: [id, chain, a.sequence, a.hash])
            }
            return PruneSummary(cutoff: cutoff, deleted: deleted, anchors: anchors)
        }
    }

    func pruneAnchors() async throws(AuditIndexError) -> [String: AuditChainAnchor] {
        try await read("reading prune anchors") { db in
            var result: [String: AuditChainAnchor] = [:]
            for row in try Row.fetchAll(db, sql: IndexSQL.latestAnchors) {
                result[row[0]] = AuditChainAnchor(sequence: row[1], hash: row[2])
            }
            return result
        }
    }

    func close() async {
        let wasOpen = closed.withLock { c in
            defer { c = true }
            return !c
        }
        guard wasOpen else { return }
        // Outstanding work finishes first: GRDB's close waits for its queues.
        try? pool.close()
    }

    // MARK: Rows

    private static func stored(_ row: Row) -> StoredRecord {
        let wire: Data = row[0]
        return StoredRecord(
            wire: [UInt8](wire), topic: row[1], partition: row[2], offset: row[3], chainId: row[4], sequence: row[5], hash: row[6])
    }

    private static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(
            values.map { v -> (any DatabaseValueConvertible)? in
                switch v {
                case .text(let s): s
                case .int(let i): i
                case .bytes(let b): Data(b)
                }
            })
    }
}
