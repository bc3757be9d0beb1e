/// One hash chain of audit records (docs/design.md: one per router input partition).
/// A value: the router keeps one per assigned partition, and after a restart
/// or rebalance rebuilds it with `resume(from:)` from the record of the last
/// committed input offset, so a redone batch is sealed with the same bytes.
package struct AuditChain: Sendable {
    package let id: String
    /// The sequence number the next record gets.
    package private(set) var nextSequence: Int
    /// The hash the next record links to.
    package private(set) var previousHash: String
    let key: AuditKey?

    /// A new chain: first record sequence 1, linked to 64 zeros.
    package init(id: String, key: AuditKey? = nil) {
        self.id = id
        self.key = key
        nextSequence = 1
        previousHash = AuditHashing.genesisHash
    }

    /// `router:<topic>:<partition>`, e.g. `router:hx.canonical.referral.v1:3`.
    package static func routerChainId(topic: String, partition: Int) -> String { "router:\(topic):\(partition)" }

    /// `delivery:<code>`: one chain per recipient, written by its delivery worker.
    package static func deliveryChainId(recipient: String) -> String { "delivery:\(recipient)" }

    package static func router(topic: String, partition: Int, key: AuditKey? = nil) -> AuditChain {
        AuditChain(id: routerChainId(topic: topic, partition: partition), key: key)
    }

    /// Continues the chain that `last` ends. The record is checked first
    /// (hash, and HMAC when keyed): extending a chain from a damaged record
    /// would hide the damage behind a valid-looking continuation.
    package static func resume(from last: AuditRecord, key: AuditKey? = nil) throws(AuditChainError) -> AuditChain {
        guard last.sequence >= 1, last.sequence < AuditJSON.maxSafeInteger else { throw .invalidSequence(last.sequence) }
        guard AuditHashing.hashMatches(last) else { throw .altered(chainId: last.chainId, sequence: last.sequence) }
        if let key, !AuditHashing.hmacMatches(last.hmac, bytes: last.canonicalBytes, key: key) {
            throw .badHMAC(chainId: last.chainId, sequence: last.sequence)
        }
        var chain = AuditChain(id: last.chainId, key: key)
        chain.nextSequence = last.sequence + 1
        chain.previousHash = last.hash
        return chain
    }

    /// Seals `entries` in order as the chain's next records.
    package mutating func append(_ entries: [AuditEntry]) -> [AuditRecord] {
        entries.map { append($0) }
    }

    package mutating func append(_ entry: AuditEntry) -> AuditRecord {
        let record = AuditHashing.seal(draft(entry), key: key)
        advance(past: record)
        return record
    }

    /// `append`, also giving the record's `wireBytes` (made while sealing, not written again).
    package mutating func appendForWire(_ entry: consuming AuditEntry) -> (record: AuditRecord, wire: [UInt8]) {
        let sealed = AuditHashing.sealForWire(draft(entry), key: key)
        advance(past: sealed.record)
        return sealed
    }

    private func draft(_ entry: consuming AuditEntry) -> AuditRecord {
        // 2^53 records would take a billion a second for a hundred days; stop
        // rather than write a number other readers cannot hold exactly.
        precondition(nextSequence < AuditJSON.maxSafeInteger, "audit chain \(id) has reached its last sequence number")
        return AuditRecord(entry: entry, chainId: id, sequence: nextSequence, previousHash: previousHash, hash: "", hmac: nil)
    }

    private mutating func advance(past record: AuditRecord) {
        nextSequence += 1
        previousHash = record.hash
    }
}

package enum AuditChainError: Error, Sendable, Equatable, CustomStringConvertible {
    case altered(chainId: String, sequence: Int)
    case badHMAC(chainId: String, sequence: Int)
    case invalidSequence(Int)

    package var description: String {
        switch self {
        case .altered(let chain, let seq): "cannot resume \(chain) from sequence \(seq): its hash does not match its content"
        case .badHMAC(let chain, let seq): "cannot resume \(chain) from sequence \(seq): its HMAC does not match the key"
        case .invalidSequence(let seq): "cannot resume from sequence \(seq): not a valid sequence number"
        }
    }
}
