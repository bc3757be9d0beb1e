import HXAudit

/// An audit record with the exact bytes it had on `hx.audit.ig.v1` and where
/// it was read. The bytes are what the index stores and returns, so a record
/// can be re-verified byte for byte; `record` is what they decode to.
public struct IndexedAuditRecord: Sendable, Equatable {
    public var record: AuditRecord
    /// The Kafka record value, unchanged.
    public var wireBytes: [UInt8]
    public var topic: String
    public var partition: Int
    public var offset: Int64

    /// `record` must be what `wireBytes` decode to (`AuditRecord(wire:)`); the
    /// index stores the bytes and searches by the record's fields.
    public init(record: AuditRecord, wireBytes: [UInt8], topic: String, partition: Int, offset: Int64) {
        self.record = record
        self.wireBytes = wireBytes
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// Decodes a Kafka record value (canonical form only, as `AuditRecord(wire:)` insists).
    public init(wire: [UInt8], topic: String, partition: Int, offset: Int64) throws(AuditRecordDecodingError) {
        self.init(record: try AuditRecord(wire: wire), wireBytes: wire, topic: topic, partition: partition, offset: offset)
    }

    /// A record as it goes on the topic: `wireBytes` from the record itself.
    public init(record: AuditRecord, topic: String, partition: Int, offset: Int64) {
        self.init(record: record, wireBytes: record.wireBytes, topic: topic, partition: partition, offset: offset)
    }

    public var place: AuditRecordPlace {
        AuditRecordPlace(
            topic: topic, partition: partition, offset: offset, chainId: record.chainId, sequence: record.sequence, hash: record.hash)
    }
}

/// The next offset to read from one partition of a topic.
public struct AuditTopicPosition: Sendable, Hashable {
    public var topic: String
    public var partition: Int
    public var nextOffset: Int64

    public init(topic: String, partition: Int, nextOffset: Int64) {
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
    }
}

/// Where one record sits, on the topic and in its chain, and its stated hash.
public struct AuditRecordPlace: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int
    public var offset: Int64
    public var chainId: String
    public var sequence: Int
    public var hash: String

    public init(topic: String, partition: Int, offset: Int64, chainId: String, sequence: Int, hash: String) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.chainId = chainId
        self.sequence = sequence
        self.hash = hash
    }

    public var description: String { "\(topic)/\(partition)@\(offset) (\(chainId) sequence \(sequence), hash \(hash))" }
}

/// One decision id read twice with different bytes: a verification failure
/// (docs/design.md). The first record stays indexed; the second is only recorded here.
public struct AuditIndexConflict: Sendable, Hashable, CustomStringConvertible {
    public var decisionId: String
    /// The record the index holds.
    public var stored: AuditRecordPlace
    /// The record that arrived later with the same decision id.
    public var conflicting: AuditRecordPlace

    public init(decisionId: String, stored: AuditRecordPlace, conflicting: AuditRecordPlace) {
        self.decisionId = decisionId
        self.stored = stored
        self.conflicting = conflicting
    }

    public var description: String { "decision \(decisionId): stored at \(stored), different record at \(conflicting)" }
}

/// What one `ingest` did.
public struct IngestSummary: Sendable, Equatable {
    /// Records newly stored.
    public var stored: Int
    /// Exact repeats of stored records (same decision id, same bytes): not stored again.
    public var repeats: Int
    /// Records with a stored decision id but different bytes, in input order.
    /// Reported each time such a record is read; the conflicts table holds each
    /// (decision id, place) once, so re-reading after a crash adds nothing there.
    public var conflicts: [AuditIndexConflict]

    public init(stored: Int = 0, repeats: Int = 0, conflicts: [AuditIndexConflict] = []) {
        self.stored = stored
        self.repeats = repeats
        self.conflicts = conflicts
    }
}

/// What one `prune` did.
public struct PruneSummary: Sendable, Equatable {
    /// The cutoff as stored (RFC 3339 UTC, milliseconds).
    public var cutoff: String
    /// Records deleted.
    public var deleted: Int
    /// For each chain pruned, the last record deleted: where verification of the rest starts.
    public var anchors: [String: AuditChainAnchor]

    public init(cutoff: String, deleted: Int, anchors: [String: AuditChainAnchor]) {
        self.cutoff = cutoff
        self.deleted = deleted
        self.anchors = anchors
    }
}

/// A page of one chain's records (`AuditIndexStore.chainPage`).
public struct AuditChainPage: Sendable, Equatable {
    public var records: [IndexedAuditRecord]
    /// Where the next page starts; nil when this page is empty (the chain is done).
    public var nextAfterSequence: Int?

    public init(records: [IndexedAuditRecord], nextAfterSequence: Int?) {
        self.records = records
        self.nextAfterSequence = nextAfterSequence
    }
}
