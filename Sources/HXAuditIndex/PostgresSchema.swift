/// The PostgreSQL schema, version 1: the SQLite schema's tables and indexes
/// in PostgreSQL's types. `time` is compared in the "C" collation, so text
/// order is time order whatever the database's default collation.
enum PostgresSchema {
    static let version = 1

    /// Serialises concurrent `prepare` calls (two indexers starting at once).
    static let advisoryLock: Int64 = 0x6878_6175_6469_7431  // "hxaudit1"

    static let statements: [String] = [
        """
        CREATE TABLE IF NOT EXISTS audit_index_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_records (
            decision_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            time TEXT COLLATE "C" NOT NULL,
            nhs_number TEXT,
            source_org TEXT,
            recipient TEXT,
            outcome TEXT,
            agreement_id TEXT,
            chain_id TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            topic TEXT NOT NULL,
            kafka_partition INTEGER NOT NULL,
            kafka_offset BIGINT NOT NULL,
            hash TEXT NOT NULL,
            wire BYTEA NOT NULL
        )
        """,
    ] + RecordIndexes.statements + [
        """
        CREATE TABLE IF NOT EXISTS audit_reasons (
            decision_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (decision_id, reason)
        )
        """,
        "CREATE INDEX IF NOT EXISTS audit_reasons_reason ON audit_reasons (reason)",
        """
        CREATE TABLE IF NOT EXISTS audit_positions (
            topic TEXT NOT NULL,
            kafka_partition INTEGER NOT NULL,
            next_offset BIGINT NOT NULL,
            PRIMARY KEY (topic, kafka_partition)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_conflicts (
            id BIGSERIAL PRIMARY KEY,
            decision_id TEXT NOT NULL,
            stored_topic TEXT NOT NULL,
            stored_partition INTEGER NOT NULL,
            stored_offset BIGINT NOT NULL,
            stored_chain_id TEXT NOT NULL,
            stored_sequence BIGINT NOT NULL,
            stored_hash TEXT NOT NULL,
            new_topic TEXT NOT NULL,
            new_partition INTEGER NOT NULL,
            new_offset BIGINT NOT NULL,
            new_chain_id TEXT NOT NULL,
            new_sequence BIGINT NOT NULL,
            new_hash TEXT NOT NULL,
            new_wire BYTEA NOT NULL,
            UNIQUE (decision_id, new_topic, new_partition, new_offset)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_prunes (
            id BIGSERIAL PRIMARY KEY,
            cutoff TEXT NOT NULL,
            deleted BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_prune_anchors (
            prune_id BIGINT NOT NULL REFERENCES audit_prunes (id),
            chain_id TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            hash TEXT NOT NULL,
            PRIMARY KEY (chain_id, prune_id)
        )
        """,
    ]
}
