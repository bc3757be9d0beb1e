import HXCanonical

/// The secret an HMAC over audit records is keyed with. Bytes are handed in
/// (from a file or secret store the caller reads): this module does no I/O.
package struct AuditKey: Sendable, CustomStringConvertible {
    // Bytes, not swift-crypto's SymmetricKey, which is not Sendable.
    let bytes: [UInt8]

    package init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Never the key itself, so a key cannot leak through logging.
    package var description: String { "AuditKey(\(bytes.count * 8) bits)" }
}

/// How a record's `hash` and `hmac` are computed (docs/audit-chain.md):
/// both over `canonicalBytes`, which include `previousHash` and so link the
/// record to the one before it.
package enum AuditHashing {
    /// `previousHash` of every chain's first record.
    package static let genesisHash = String(repeating: "0", count: 64)

    package static func sha256Hex(_ bytes: [UInt8]) -> String {
        Digests.sha256Hex(bytes)
    }

    package static func hmacHex(_ bytes: [UInt8], key: AuditKey) -> String {
        Digests.hmacSHA256Hex(bytes, key: key.bytes)
    }

    /// Whether `hex` is the record's HMAC (compared in constant time).
    package static func hmacMatches(_ hex: String?, bytes: [UInt8], key: AuditKey) -> Bool {
        guard let hex else { return false }
        return Digests.hmacSHA256Matches(hex, bytes: bytes, key: key.bytes)
    }

    /// The record with `hash` (and `hmac` when keyed) computed from its content.
    package static func seal(_ record: AuditRecord, key: AuditKey?) -> AuditRecord {
        var sealed = record
        let bytes = record.canonicalBytes
        sealed.hash = sha256Hex(bytes)
        sealed.hmac = key.map { hmacHex(bytes, key: $0) }
        return sealed
    }

    /// `seal`, and the sealed record's `wireBytes`, made from the bytes just hashed
    /// (for writers that send the record at once, as the router does).
    package static func sealForWire(_ record: consuming AuditRecord, key: AuditKey?) -> (record: AuditRecord, wire: [UInt8]) {
        var sealed = record
        let (bytes, sealAt) = sealed.canonicalForm()
        sealed.hash = sha256Hex(bytes)
        sealed.hmac = key.map { hmacHex(bytes, key: $0) }
        return (sealed, sealed.wireBytes(canonical: bytes, sealAt: sealAt))
    }

    /// True when `hash` is the SHA-256 of the record's content.
    package static func hashMatches(_ record: AuditRecord) -> Bool {
        record.hash == sha256Hex(record.canonicalBytes)
    }
}
