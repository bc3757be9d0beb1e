/// A value bound into a statement; both backends map it to their own type.
enum SQLValue: Sendable {
    case text(String)
    case int(Int)
    case bytes([UInt8])
}

extension AuditIndexConflict {
    /// The values of `IndexSQL.insertConflict`, with the conflicting record's bytes as evidence.
    func values(wire: [UInt8]) -> [SQLValue] {
        [
            .text(decisionId), .text(stored.topic), .int(stored.partition), .int(Int(stored.offset)), .text(stored.chainId),
            .int(stored.sequence), .text(stored.hash), .text(conflicting.topic), .int(conflicting.partition),
            .int(Int(conflicting.offset)), .text(conflicting.chainId), .int(conflicting.sequence), .text(conflicting.hash),
            .bytes(wire),
        ]
    }
}

/// Statements both backends share, written once with a placeholder function
/// (`?` for SQLite, `$n` for PostgreSQL) so the two cannot drift apart.
struct IndexSQL {
    /// The n-th placeholder (1-based).
    var placeholder: @Sendable (Int) -> String

    static let sqlite = IndexSQL { _ in "?" }
    static let postgres = IndexSQL { "$\($0)" }

    /// The columns `StoredRecord` is read from, in this order.
    static let storedColumns = "wire, topic, kafka_partition, kafka_offset, chain_id, sequence, hash"

    /// The largest sequence a record can have (2^53 − 1): "no upper bound".
    static let maxSequence = 9_007_199_254_740_991

    func search(_ q: NormalisedQuery) -> (sql: String, values: [SQLValue]) {
        var values: [SQLValue] = []
        func bind(_ v: SQLValue) -> String {
            values.append(v)
            return placeholder(values.count)
        }
        let order = "ORDER BY time DESC, topic DESC, kafka_partition DESC, kafka_offset DESC"
        /// One SELECT with every filter but the organisation, plus `extra`; binds as it goes.
        func select(_ extra: String?) -> String {
            var terms: [String] = extra.map { [$0] } ?? []
            if let v = q.nhsNumber { terms.append("nhs_number = \(bind(.text(v)))") }
            if let v = q.agreementId { terms.append("agreement_id = \(bind(.text(v)))") }
            if let v = q.outcome { terms.append("outcome = \(bind(.text(v)))") }
            if let v = q.kind { terms.append("kind = \(bind(.text(v)))") }
            if let v = q.from { terms.append("time >= \(bind(.text(v)))") }
            if let v = q.to { terms.append("time < \(bind(.text(v)))") }
            if let v = q.reason {
                terms.append("EXISTS (SELECT 1 FROM audit_reasons x WHERE x.decision_id = r.decision_id AND x.reason = \(bind(.text(v))))")
            }
            let filter = terms.isEmpty ? "" : " WHERE " + terms.joined(separator: " AND ")
            return "SELECT \(Self.storedColumns), time, decision_id FROM audit_records r\(filter) \(order) LIMIT \(bind(.int(q.limit)))"
        }
        guard let organisation = q.organisation else {
            return (select(nil), values)
        }
        // Source OR recipient as one condition would sort every record of a busy
        // organisation; as two searches, each reads its own index newest first
        // and stops at the limit. UNION drops a record found by both.
        let source = select("source_org = \(bind(.text(organisation)))")
        let recipient = select("recipient = \(bind(.text(organisation)))")
        let sql = """
            SELECT \(Self.storedColumns) FROM (
                SELECT * FROM (\(source)) AS s UNION SELECT * FROM (\(recipient)) AS t
            ) AS u \(order) LIMIT \(bind(.int(q.limit)))
            """
        return (sql, values)
    }

    /// A chain page: `limit` rows after `after`, widened to the end of the last sequence.
    func chainPage(chainId: String, after: Int, limit: Int) -> (sql: String, values: [SQLValue]) {
        let values: [SQLValue] = [.text(chainId), .int(after), .text(chainId), .int(after), .int(limit - 1)]
        let p = (1...5).map(placeholder)
        let sql = """
            SELECT \(Self.storedColumns) FROM audit_records
            WHERE chain_id = \(p[0]) AND sequence > \(p[1]) AND sequence <= COALESCE(
                (SELECT sequence FROM audit_records WHERE chain_id = \(p[2]) AND sequence > \(p[3])
                 ORDER BY sequence LIMIT 1 OFFSET \(p[4])), \(Self.maxSequence))
            ORDER BY sequence, topic, kafka_partition, kafka_offset
            """
        return (sql, values)
    }

    var outcomeCounts: String {
        "SELECT outcome, COUNT(*) FROM audit_records WHERE kind = 'decision' AND time >= \(placeholder(1)) GROUP BY outcome"
    }

    var agreementOutcomeCounts: String {
        "SELECT agreement_id, outcome, COUNT(*) FROM audit_records WHERE kind = 'decision' AND time >= \(placeholder(1))"
            + " AND agreement_id IS NOT NULL GROUP BY agreement_id, outcome"
    }

    var storedByDecision: String { "SELECT \(Self.storedColumns) FROM audit_records WHERE decision_id = \(placeholder(1))" }

    var chainsWithOldRecords: String { "SELECT DISTINCT chain_id FROM audit_records WHERE time < \(placeholder(1))" }

    var firstKeptSequence: String {
        "SELECT MIN(sequence) FROM audit_records WHERE chain_id = \(placeholder(1)) AND time >= \(placeholder(2))"
    }

    /// The last record before the first kept one (the first in topic order if a sequence repeats).
    var pruneAnchor: String {
        """
        SELECT sequence, hash FROM audit_records WHERE chain_id = \(placeholder(1)) AND sequence < \(placeholder(2))
        ORDER BY sequence DESC, topic, kafka_partition, kafka_offset LIMIT 1
        """
    }

    var deletePrunedReasons: String {
        """
        DELETE FROM audit_reasons WHERE decision_id IN
            (SELECT decision_id FROM audit_records WHERE chain_id = \(placeholder(1)) AND sequence < \(placeholder(2)))
        """
    }

    var deletePrunedRecords: String {
        "DELETE FROM audit_records WHERE chain_id = \(placeholder(1)) AND sequence < \(placeholder(2))"
    }

    /// The anchor of each chain's latest prune.
    static let latestAnchors = """
        SELECT chain_id, sequence, hash FROM audit_prune_anchors a
        WHERE prune_id = (SELECT MAX(prune_id) FROM audit_prune_anchors b WHERE b.chain_id = a.chain_id)
        """

    static let conflicts = """
        SELECT decision_id, stored_topic, stored_partition, stored_offset, stored_chain_id, stored_sequence, stored_hash,
               new_topic, new_partition, new_offset, new_chain_id, new_sequence, new_hash
        FROM audit_conflicts ORDER BY id
        """

    static let chainIds = "SELECT DISTINCT chain_id FROM audit_records ORDER BY chain_id"

    var insertConflict: String {
        let p = (1...14).map(placeholder).joined(separator: ", ")
        return """
            INSERT INTO audit_conflicts (decision_id, stored_topic, stored_partition, stored_offset, stored_chain_id,
                stored_sequence, stored_hash, new_topic, new_partition, new_offset, new_chain_id, new_sequence, new_hash, new_wire)
            VALUES (\(p))
            ON CONFLICT (decision_id, new_topic, new_partition, new_offset) DO NOTHING
            """
    }
}

/// The indexes on `audit_records`, the same text in both backends. Each search
/// filter reads its own index in time order, so "newest first, limit N" stops
/// after N rows however large the index.
enum RecordIndexes {
    static let statements: [String] = [
        "CREATE INDEX IF NOT EXISTS audit_records_nhs_time ON audit_records (nhs_number, time)",
        "CREATE INDEX IF NOT EXISTS audit_records_source_time ON audit_records (source_org, time)",
        "CREATE INDEX IF NOT EXISTS audit_records_recipient_time ON audit_records (recipient, time)",
        "CREATE INDEX IF NOT EXISTS audit_records_agreement_time ON audit_records (agreement_id, time)",
        "CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (time)",
        // Not unique: a conflict or tampering can put two records at one sequence.
        "CREATE INDEX IF NOT EXISTS audit_records_chain_sequence ON audit_records (chain_id, sequence)",
    ]
}
