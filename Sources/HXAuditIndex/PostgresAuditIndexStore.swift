import HXAudit
import NIOCore
import PostgresNIO
import HXSerial
import Synchronization

/// The index in PostgreSQL, for scale: one connection, used by one call at a
/// time (`SerialGate`), reopened on the next call if it drops. Records go in
/// as multi-row inserts that skip stored decision ids; those skipped are then
/// read back and compared byte for byte.
final class PostgresAuditIndexStore: AuditIndexStore {
    private let connector: PostgresConnector
    private let gate = SerialGate()
    private let state = Mutex<(connection: PostgresConnection?, closed: Bool)>((nil, false))
    private let sql = IndexSQL.postgres
    private let logger = PostgresConnector.silentLogger

    /// Rows per insert statement: 15 values each, well under PostgreSQL's 65535 bound values.
    static let rowsPerInsert = 1000

    /// Connects once, so that a wrong address or password shows at open.
    init(url: PostgresURL) async throws(AuditIndexError) {
        connector = PostgresConnector(url: url)
        let connection = try await connector.connect()
        state.withLock { $0.connection = connection }
    }

    // MARK: Access

    private func withConnection<T>(_ what: String, _ body: (PostgresConnection) async throws -> T) async throws(AuditIndexError) -> T {
        await gate.acquire()
        defer { gate.release() }
        let (current, closed) = state.withLock { ($0.connection, $0.closed) }
        if closed { throw .closed }
        let connection: PostgresConnection
        if let current, !current.isClosed {
            connection = current
        } else {
            connection = try await connector.connect()
            state.withLock { $0.connection = connection }
        }
        do {
            return try await body(connection)
        } catch let e as AuditIndexError {
            throw e
        } catch {
            if connection.isClosed { throw .unavailable("\(what): the connection to PostgreSQL was lost: \(PostgresConnector.reason(error))") }
            throw .query("\(what) failed: \(PostgresConnector.reason(error))")
        }
    }

    private func inTransaction<T>(_ what: String, _ body: (PostgresConnection) async throws -> T) async throws(AuditIndexError) -> T {
        try await withConnection(what) { c in
            try await c.query("BEGIN", logger: logger)
            do {
                let result = try await body(c)
                try await c.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await c.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    @discardableResult
    private func rows(_ c: PostgresConnection, _ text: String, _ values: [SQLValue]) async throws -> [PostgresRow] {
        try await c.query(PostgresQuery(unsafeSQL: text, binds: Self.bindings(values)), logger: logger).collect()
    }

    private static func bindings(_ values: [SQLValue]) -> PostgresBindings {
        var b = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .text(let s): b.append(s)
            case .int(let i): b.append(i)
            case .bytes(let bytes): b.append(ByteBuffer(bytes: bytes))
            }
        }
        return b
    }

    private static func stored(_ row: PostgresRow) throws -> StoredRecord {
        let (wire, topic, partition, offset, chain, sequence, hash) = try row.decode(
            (ByteBuffer, String, Int, Int64, String, Int, String).self)
        return StoredRecord(
            wire: Array(wire.readableBytesView), topic: topic, partition: partition, offset: offset, chainId: chain, sequence: sequence,
            hash: hash)
    }

    // MARK: AuditIndexStore

    func prepare() async throws(AuditIndexError) {
        do {
            try await inTransaction("creating the schema") { c in
                try await c.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.advisoryLock))", logger: logger)
                for statement in PostgresSchema.statements { try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                let version = String(PostgresSchema.version)
                try await c.query(
                    "INSERT INTO audit_index_meta (key, value) VALUES ('schema_version', \(version)) ON CONFLICT (key) DO NOTHING",
                    logger: logger)
                let stored = try await c.query("SELECT value FROM audit_index_meta WHERE key = 'schema_version'", logger: logger)
                    .collect().first?.decode(String.self)
                guard let stored, let n = Int(stored), n <= PostgresSchema.version else {
                    throw AuditIndexError.schema(
                        "the index has schema version \(stored ?? "?"), newer than this program's \(PostgresSchema.version)")
                }
            }
        } catch .query(let why) {
            throw .schema(why)
        }
    }

    func ingest(_ records: [IndexedAuditRecord], positions: [AuditTopicPosition]) async throws(AuditIndexError) -> IngestSummary {
        // The first record of each decision id is the one that may be stored;
        // later ones in the batch are compared with whatever that id ends up as.
        var firstIndex: [String: Int] = [:]
        var candidates: [IndexedAuditRecord] = []
        for (i, r) in records.enumerated() where firstIndex[r.record.decisionId] == nil {
            firstIndex[r.record.decisionId] = i
            candidates.append(r)
        }
        return try await inTransaction("ingest") { c in
            var inserted: Set<String> = []
            var start = 0
            while start < candidates.count {
                let chunk = candidates[start..<min(start + Self.rowsPerInsert, candidates.count)]
                start += chunk.count
                for row in try await c.query(Self.insertRecords(chunk), logger: logger).collect() {
                    inserted.insert(try row.decode(String.self))
                }
            }
            let skipped = candidates.map(\.record.decisionId).filter { !inserted.contains($0) }
            var stored: [String: StoredRecord] = [:]
            if !skipped.isEmpty {
                let query: PostgresQuery = """
                    SELECT wire, topic, kafka_partition, kafka_offset, chain_id, sequence, hash, decision_id
                    FROM audit_records WHERE decision_id = ANY(\(skipped))
                    """
                for row in try await c.query(query, logger: logger).collect() {
                    let (wire, topic, partition, offset, chain, sequence, hash, id) = try row.decode(
                        (ByteBuffer, String, Int, Int64, String, Int, String, String).self)
                    stored[id] = StoredRecord(
                        wire: Array(wire.readableBytesView), topic: topic, partition: partition, offset: offset, chainId: chain,
                        sequence: sequence, hash: hash)
                }
            }
            var summary = IngestSummary()
            var reasons: [(String, String)] = []
            for (i, r) in records.enumerated() {
                let id = r.record.decisionId
                let first = firstIndex[id]!
                if i == first, inserted.contains(id) {
                    summary.stored += 1
                    for reason in Set(r.record.reasons).sorted() { reasons.append((id, reason)) }
                    continue
                }
                guard let existing = stored[id] ?? (inserted.contains(id) ? records[first].asStored : nil) else {
                    throw AuditIndexError.query("ingest: decision \(id) was neither inserted nor found")
                }
                if let conflict = RepeatCheck.conflict(incoming: r, stored: existing) {
                    try await c.query(
                        PostgresQuery(unsafeSQL: sql.insertConflict, binds: Self.bindings(conflict.values(wire: r.wireBytes))), logger: logger)
                    summary.conflicts.append(conflict)
                } else {
                    summary.repeats += 1
                }
            }
            var from = 0
            while from < reasons.count {
                let chunk = reasons[from..<min(from + 10 * Self.rowsPerInsert, reasons.count)]
                from += chunk.count
                try await c.query(Self.insertReasons(chunk), logger: logger)
            }
            for p in positions {
                try await c.query(
                    """
                    INSERT INTO audit_positions (topic, kafka_partition, next_offset) VALUES (\(p.topic), \(p.partition), \(p.nextOffset))
                    ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = GREATEST(audit_positions.next_offset, EXCLUDED.next_offset)
                    """, logger: logger)
            }
            return summary
        }
    }

    private static func insertRecords(_ chunk: ArraySlice<IndexedAuditRecord>) -> PostgresQuery {
        var b = PostgresBindings(capacity: chunk.count * 15)
        var rows: [String] = []
        rows.reserveCapacity(chunk.count)
        for r in chunk {
            let e = r.record
            let n = b.count
            rows.append("(" + (1...15).map { "$\(n + $0)" }.joined(separator: ",") + ")")
            b.append(e.decisionId)
            b.append(e.kind.rawValue)
            b.append(e.time)
            b.append(e.nhsNumber)
            b.append(e.source?.organisation)
            b.append(e.recipient)
            b.append(e.outcome?.rawValue)
            b.append(e.agreementId)
            b.append(e.chainId)
            b.append(e.sequence)
            b.append(r.topic)
            b.append(Int32(r.partition))
            b.append(r.offset)
            b.append(e.hash)
            b.append(ByteBuffer(bytes: r.wireBytes))
        }
        let sql = """
            INSERT INTO audit_records (decision_id, kind, time, nhs_number, source_org, recipient, outcome, agreement_id,
                chain_id, sequence, topic, kafka_partition, kafka_offset, hash, wire)
            VALUES \(rows.joined(separator: ","))
            ON CONFLICT (decision_id) DO NOTHING RETURNING decision_id
            """
        return PostgresQuery(unsafeSQL: sql, binds: b)
    }

    private static func insertReasons(_ chunk: ArraySlice<(String, String)>) -> PostgresQuery {
        let ids = chunk.map(\.0)
        let reasons = chunk.map(\.1)
        return """
            INSERT INTO audit_reasons (decision_id, reason) SELECT * FROM unnest(\(ids)::text[], \(reasons)::text[])
            ON CONFLICT DO NOTHING
            """
    }

    func positions(topic: String) async throws(AuditIndexError) -> [Int: Int64] {
        try await withConnection("reading positions") { c in
            var result: [Int: Int64] = [:]
            let rows = try await c.query(
                "SELECT kafka_partition, next_offset FROM audit_positions WHERE topic = \(topic)", logger: logger)
            for try await (partition, next) in rows.decode((Int, Int64).self) { result[partition] = next }
            return result
        }
    }

    func search(_ query: AuditQuery) async throws(AuditIndexError) -> [IndexedAuditRecord] {
        let (text, values) = sql.search(try NormalisedQuery(query))
        return try await withConnection("search") { c in
            try await rows(c, text, values).map { row in try Self.stored(row).decoded() }
        }
    }

    func outcomeCounts(since: String) async throws(AuditIndexError) -> [AuditOutcome: Int] {
        try await withConnection("counting outcomes") { c in
            var counts: [AuditOutcome: Int] = [:]
            for row in try await rows(c, sql.outcomeCounts, [.text(since)]) {
                let (outcome, count) = try row.decode((String?, Int64).self)
                if let outcome = outcome.flatMap(AuditOutcome.init(rawValue:)) { counts[outcome] = Int(count) }
            }
            return counts
        }
    }

    func agreementOutcomeCounts(since: String) async throws(AuditIndexError) -> [String: [AuditOutcome: Int]] {
        try await withConnection("counting decisions per agreement") { c in
            var counts: [String: [AuditOutcome: Int]] = [:]
            for row in try await rows(c, sql.agreementOutcomeCounts, [.text(since)]) {
                let (agreement, outcome, count) = try row.decode((String?, String?, Int64).self)
                if let agreement, let outcome = outcome.flatMap(AuditOutcome.init(rawValue:)) { counts[agreement, default: [:]][outcome] = Int(count) }
            }
            return counts
        }
    }

    func chainIds() async throws(AuditIndexError) -> [String] {
        try await withConnection("listing chains") { c in
            try await rows(c, IndexSQL.chainIds, []).map { try $0.decode(String.self) }
        }
    }

    func chainPage(chainId: String, afterSequence: Int, limit: Int) async throws(AuditIndexError) -> AuditChainPage {
        try PageLimit.check(limit)
        let (text, values) = sql.chainPage(chainId: chainId, after: afterSequence, limit: limit)
        return try await withConnection("reading a chain") { c in
            let stored = try await rows(c, text, values).map(Self.stored)
            let records = try stored.map { (s) throws(AuditIndexError) in try s.decoded() }
            return AuditChainPage(records: records, nextAfterSequence: stored.last?.sequence)
        }
    }

    func conflicts() async throws(AuditIndexError) -> [AuditIndexConflict] {
        try await withConnection("reading conflicts") { c in
            try await rows(c, IndexSQL.conflicts, []).map { row in
                let columns = try row.decode((String, String, Int, Int64, String, Int, String, String, Int, Int64, String, Int, String).self)
                return AuditIndexConflict(
                    decisionId: columns.0,
                    stored: AuditRecordPlace(
                        topic: columns.1, partition: columns.2, offset: columns.3, chainId: columns.4, sequence: columns.5,
                        hash: columns.6),
                    conflicting: AuditRecordPlace(
                        topic: columns.7, partition: columns.8, offset: columns.9, chainId: columns.10, sequence: columns.11,
                        hash: columns.12))
            }
        }
    }

    func prune(olderThan cutoff: String) async throws(AuditIndexError) -> PruneSummary {
        let cutoff = try IndexTime.stored(cutoff, name: "cutoff")
        return try await inTransaction("pruning") { c in
            var deleted = 0
            var anchors: [String: AuditChainAnchor] = [:]
            for row in try await rows(c, sql.chainsWithOldRecords, [.text(cutoff)]) {
                let chain = try row.decode(String.self)
                let firstKept = try await rows(c, sql.firstKeptSequence, [.text(chain), .text(cutoff)]).first?.decode(Int?.self)
                    ?? IndexSQL.maxSequence
                let bounds: [SQLValue] = [.text(chain), .int(firstKept)]
                guard let anchor = try await rows(c, sql.pruneAnchor, bounds).first?.decode((Int, String).self) else { continue }
                try await rows(c, sql.deletePrunedReasons, bounds)
                let result = try await c.query(
                    PostgresQuery(unsafeSQL: sql.deletePrunedRecords + " RETURNING 1", binds: Self.bindings(bounds)), logger: logger)
                deleted += try await result.collect().count
                anchors[chain] = AuditChainAnchor(sequence: anchor.0, hash: anchor.1)
            }
            let id = try await c.query(
                "INSERT INTO audit_prunes (cutoff, deleted) VALUES (\(cutoff), \(deleted)) RETURNING id", logger: logger
            ).collect().first!.decode(Int64.self)
            for (chain, a) in anchors {
                try await c.query(
                    "INSERT INTO audit_prune_anchors (prune_id, chain_id, sequence, hash) VALUES (\(id), \(chain), \(a.sequence), \(a.hash))",
                    logger: logger)
            }
            return PruneSummary(cutoff: cutoff, deleted: deleted, anchors: anchors)
        }
    }

    func pruneAnchors() async throws(AuditIndexError) -> [String: AuditChainAnchor] {
        try await withConnection("reading prune anchors") { c in
            var result: [String: AuditChainAnchor] = [:]
            for row in try await rows(c, IndexSQL.latestAnchors, []) {
                let (chain, sequence, hash) = try row.decode((String, Int, String).self)
                result[chain] = AuditChainAnchor(sequence: sequence, hash: hash)
            }
            return result
        }
    }

    func close() async {
        await gate.acquire()
        defer { gate.release() }
        let connection = state.withLock { s in
            defer { (s.connection, s.closed) = (nil, true) }
            return s.connection
        }
        try? await connection?.close()
    }
}
