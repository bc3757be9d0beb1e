/// The SQLite schema, version 1. Times are RFC 3339 UTC text with
/// milliseconds (text order is time order); `wire` holds the exact topic bytes.
enum SQLiteSchema {
    static let version = 1

    static let statements: [String] = [
        """
        CREATE TABLE IF NOT EXISTS audit_index_meta (
            key TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_records (
            decision_id TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL,
            time TEXT NOT NULL,
            nhs_number TEXT,
            source_org TEXT,
            recipient TEXT,
            outcome TEXT,
            agreement_id TEXT,
            chain_id TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            topic TEXT NOT NULL,
            kafka_partition INTEGER NOT NULL,
            kafka_offset INTEGER NOT NULL,
            hash TEXT NOT NULL,
            wire BLOB NOT NULL
        )
        """,
    ] + RecordIndexes.statements + [
        """
        CREATE TABLE IF NOT EXISTS audit_reasons (
            decision_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (decision_id, reason)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX IF NOT EXISTS audit_reasons_reason ON audit_reasons (reason)",
        """
        CREATE TABLE IF NOT EXISTS audit_positions (
            topic TEXT NOT NULL,
            kafka_partition INTEGER NOT NULL,
            next_offset INTEGER NOT NULL,
            PRIMARY KEY (topic, kafka_partition)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_conflicts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            decision_id TEXT NOT NULL,
            stored_topic TEXT NOT NULL,
            stored_partition INTEGER NOT NULL,
            stored_offset INTEGER NOT NULL,
            stored_chain_id TEXT NOT NULL,
            stored_sequence INTEGER NOT NULL,
            stored_hash TEXT NOT NULL,
            new_topic TEXT NOT NULL,
            new_partition INTEGER NOT NULL,
            new_offset INTEGER NOT NULL,
            new_chain_id TEXT NOT NULL,
            new_sequence INTEGER NOT NULL,
            new_hash TEXT NOT NULL,
            new_wire BLOB NOT NULL,
            UNIQUE (decision_id, new_topic, new_partition, new_offset)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_prunes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            cutoff TEXT NOT NULL,
            deleted INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_prune_anchors (
            prune_id INTEGER NOT NULL,
            chain_id TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            hash TEXT NOT NULL,
            PRIMARY KEY (chain_id, prune_id)
        ) WITHOUT ROWID
        """,
    ]
}
