import HXAudit

/// An audit record with the exact bytes it had on `hx.audit.ig.v1` and where
/// it was read. The bytes are what the index stores and returns, so a record
/// can be re-verified byte for byte; `record` is what they decode to.
package struct IndexedAuditRecord: Sendable, Equatable {
    package var record: AuditRecord
    /// The Kafka record value, unchanged.
    package var wireBytes: [UInt8]
    package var topic: String
    package var partition: Int
    package var offset: Int64

    /// `record` must be what `wireBytes` decode to (`AuditRecord(wire:)`); the
    /// index stores the bytes and searches by the record's fields.
    package init(record: AuditRecord, wireBytes: [UInt8], topic: String, partition: Int, offset: Int64) {
        self.record = record
        self.wireBytes = wireBytes
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// Decodes a Kafka record value (canonical form only, as `AuditRecord(wire:)` insists).
    package init(wire: [UInt8], topic: String, partition: Int, offset: Int64) throws(AuditRecordDecodingError) {
        self.init(record: try AuditRecord(wire: wire), wireBytes: wire, topic: topic, partition: partition, offset: offset)
    }

    /// A record as it goes on the topic: `wireBytes` from the record itself.
    package init(record: AuditRecord, topic: String, partition: Int, offset: Int64) {
        self.init(record: record, wireBytes: record.wireBytes, topic: topic, partition: partition, offset: offset)
    }

    package var place: AuditRecordPlace {
        AuditRecordPlace(
            topic: topic, partition: partition, offset: offset, chainId: record.chainId, sequence: record.sequence, hash: record.hash)
    }
}

/// The next offset to read from one partition of a topic.
package struct AuditTopicPosition: Sendable, Hashable {
    package var topic: String
    package var partition: Int
    package var nextOffset: Int64

    package init(topic: String, partition: Int, nextOffset: Int64) {
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
    }
}

/// Where one record sits, on the topic and in its chain, and its stated hash.
package struct AuditRecordPlace: Sendable, Hashable, CustomStringConvertible {
    package var topic: String
    package var partition: Int
    package var offset: Int64
    package var chainId: String
    package var sequence: Int
    package var hash: String

    package init(topic: String, partition: Int, offset: Int64, chainId: String, sequence: Int, hash: String) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.chainId = chainId
        self.sequence = sequence
        self.hash = hash
    }

    package var description: String { "\(topic)/\(partition)@\(offset) (\(chainId) sequence \(sequence), hash \(hash))" }
}

/// One decision id read twice with different bytes: a verification failure
/// (docs/design.md). The first record stays indexed; the second is only recorded here.
package struct AuditIndexConflict: Sendable, Hashable, CustomStringConvertible {
    package var decisionId: String
    /// The record the index holds.
    package var stored: AuditRecordPlace
    /// The record that arrived later with the same decision id.
    package var conflicting: AuditRecordPlace

    package init(decisionId: String, stored: AuditRecordPlace, conflicting: AuditRecordPlace) {
        self.decisionId = decisionId
        self.stored = stored
        self.conflicting = conflicting
    }

    package var description: String { "decision \(decisionId): stored at \(stored), different record at \(conflicting)" }
}

/// What one `ingest` did.
package struct IngestSummary: Sendable, Equatable {
    /// Records newly stored.
    package var stored: Int
    /// Exact repeats of stored records (same decision id, same bytes): not stored again.
    package var repeats: Int
    /// Records with a stored decision id but different bytes, in input order.
    /// Reported each time such a record is read; the conflicts table holds each
    /// (decision id, place) once, so re-reading after a crash adds nothing there.
    package var conflicts: [AuditIndexConflict]

    package init(stored: Int = 0, repeats: Int = 0, conflicts: [AuditIndexConflict] = []) {
        self.stored = stored
        self.repeats = repeats
        self.conflicts = conflicts
    }
}

/// What one `prune` did.
package struct PruneSummary: Sendable, Equatable {
    /// The cutoff as stored (RFC 3339 UTC, milliseconds).
    package var cutoff: String
    /// Records deleted.
    package var deleted: Int
    /// For each chain pruned, the last record deleted: where verification of the rest starts.
    package var anchors: [String: AuditChainAnchor]

    package init(cutoff: String, deleted: Int, anchors: [String: AuditChainAnchor]) {
        self.cutoff = cutoff
        self.deleted = deleted
        self.anchors = anchors
    }
}

/// A page of one chain's records (`AuditIndexStore.chainPage`).
package struct AuditChainPage: Sendable, Equatable {
    package var records: [IndexedAuditRecord]
    /// Where the next page starts; nil when this page is empty (the chain is done).
    package var nextAfterSequence: Int?

    package init(records: [IndexedAuditRecord], nextAfterSequence: Int?) {
        self.records = records
        self.nextAfterSequence = nextAfterSequence
    }
}
