import HXAudit

/// A row of `audit_records` as read back: the stored bytes and place. The
/// record is decoded from the bytes, never rebuilt from the columns, so what
/// a reader gets is what was on the topic (or what tampering left).
struct StoredRecord: Sendable {
    var wire: [UInt8]
    var topic: String
    var partition: Int
    var offset: Int64
    /// The chain and sequence columns, which name the row if its bytes do not decode.
    var chainId: String
    var sequence: Int
    var hash: String

    var place: AuditRecordPlace {
        AuditRecordPlace(topic: topic, partition: partition, offset: offset, chainId: chainId, sequence: sequence, hash: hash)
    }

    func decoded() throws(AuditIndexError) -> IndexedAuditRecord {
        do {
            return try IndexedAuditRecord(wire: wire, topic: topic, partition: partition, offset: offset)
        } catch {
            // The decoding error's text can quote the bytes; only its code is kept.
            throw .recordUnreadable(chainId: chainId, sequence: sequence, reason: "does not decode (\(error.code))")
        }
    }
}

/// Tells a repeat from a conflict: one rule for both backends.
enum RepeatCheck {
    /// nil when `incoming` is an exact repeat of `stored`; else the conflict to record.
    static func conflict(incoming: IndexedAuditRecord, stored: StoredRecord) -> AuditIndexConflict? {
        guard incoming.wireBytes != stored.wire else { return nil }
        return AuditIndexConflict(decisionId: incoming.record.decisionId, stored: stored.place, conflicting: incoming.place)
    }
}

extension IndexedAuditRecord {
    /// This record as the row it becomes, for in-batch comparison before it is read back.
    var asStored: StoredRecord {
        StoredRecord(
            wire: wireBytes, topic: topic, partition: partition, offset: offset, chainId: record.chainId, sequence: record.sequence,
            hash: record.hash)
    }
}

/// Page bounds checked once for both backends.
enum PageLimit {
    static func check(_ limit: Int) throws(AuditIndexError) {
        guard limit >= 1 else { throw .invalidArgument("limit \(limit) is below 1") }
    }
}
