import HXAudit

/// Where a router continues a chain after a restart or rebalance, worked
/// out from the chain's records on the audit topic and the group's committed
/// offset (docs/design.md: "a chain continues ... from the record of the last
/// committed input offset").
///
/// The audit topic, not the committed offset, is the authority: the
/// development broker ignores offsets sent within a transaction, and a crash
/// between a transaction's commit and the plain commit after it leaves the
/// committed offset behind. So:
/// - the last record L of the chain names the last input X that was worked on;
/// - if the committed offset is past X, X's transaction committed: continue
///   after L, from the committed offset (inputs after X that made no record,
///   such as a message with no candidate recipient, are not redone);
/// - otherwise X may be incomplete (a broker that shows aborted transactions
///   can show part of one): continue from the record before X's first, found
///   by following the hash links back from L, and redo X. Its records come
///   out byte-identical; consumers de-duplicate by decision id.
package enum ChainResumption {
    package enum Plan: Sendable {
        /// Continue `state` from input offset `from`; nil: the group's reset position (the partition's start).
        case resume(RouterChainState, from: Int?)
        /// The records read do not reach back far enough: read from an earlier offset.
        case needEarlierRecords
    }

    package enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// A record links to a previous hash no record has, with nothing earlier left to read.
        case brokenLink(chainId: String, sequence: Int)
        /// A router chain's record without an input offset.
        case noInputOffset(chainId: String, sequence: Int)
        case chain(AuditChainError)

        package var code: String {
            switch self {
            case .brokenLink: "audit-chain-broken"
            case .noInputOffset: "audit-record-no-input"
            case .chain: "audit-chain-invalid"
            }
        }

        package var description: String {
            switch self {
            case .brokenLink(let id, let seq):
                "\(code): \(id) sequence \(seq) links to a record that is not on the audit topic; run hx audit verify before routing more"
            case .noInputOffset(let id, let seq): "\(code): \(id) sequence \(seq) names no input offset"
            case .chain(let e): "\(code): \(e)"
            }
        }
    }

    /// - Parameters:
    ///   - records: the chain's records in the order of the audit partition, from some offset to its end.
    ///   - reachesStart: the records were read from the partition's first offset.
    ///   - committed: the group's committed offset of the chain's input partition.
    ///   - remember: how many of the chain's last records `RouterChainState.recent` holds.
    package static func plan(
        chainId: String, records: [AuditRecord], reachesStart: Bool, committed: Int?, key: AuditKey?,
        remember: Int = RecentMessages.defaultCapacity
    ) throws(Failure) -> Plan {
        let fresh = RouterChainState(chain: AuditChain(id: chainId, key: key), lastDigest: nil, recent: RecentMessages(capacity: remember))
        guard let last = records.last else { return reachesStart ? .resume(fresh, from: committed) : .needEarlierRecords }
        guard let x = last.inputOffset else { throw .noInputOffset(chainId: chainId, sequence: last.sequence) }
        var byHash: [String: AuditRecord] = [:]
        for r in records { byHash[r.hash] = r }
        /// The record before `r` in the chain; nil at sequence 1; throws or asks for more when it is not among `records`.
        func previous(_ r: AuditRecord) throws(Failure) -> AuditRecord?? {
            if r.sequence == 1 { return .some(nil) }
            guard let p = byHash[r.previousHash], p.sequence == r.sequence - 1 else {
                if reachesStart { throw .brokenLink(chainId: chainId, sequence: r.sequence) }
                return nil
            }
            return .some(p)
        }
        /// The chain continued after `head` (nil: from nothing), its last records remembered.
        func resume(after head: AuditRecord?, from offset: Int?) throws(Failure) -> Plan {
            guard let head else { return .resume(fresh, from: offset) }
            var tail: [AuditRecord] = [head]
            while tail.count < remember {
                guard let step = try previous(tail[tail.count - 1]) else { return .needEarlierRecords }
                guard let p = step else { break }
                tail.append(p)
            }
            var state = try Self.state(after: head, key: key, remember: remember)
            state.remember(tail.reversed())
            return .resume(state, from: offset)
        }
        if let committed, committed > x { return try resume(after: last, from: committed) }
        // Back along the hash links to the last record of an earlier input.
        var current = last
        while true {
            guard let offset = current.inputOffset else { throw .noInputOffset(chainId: chainId, sequence: current.sequence) }
            if offset < x { return try resume(after: current, from: x) }
            guard let step = try previous(current) else { return .needEarlierRecords }
            guard let p = step else { return try resume(after: nil, from: x) }
            current = p
        }
    }

    static func state(after record: AuditRecord, key: AuditKey?, remember: Int) throws(Failure) -> RouterChainState {
        do {
            return RouterChainState(chain: try AuditChain.resume(from: record, key: key), lastDigest: record.configurationDigest,
                                    recent: RecentMessages(capacity: remember))
        } catch {
            throw .chain(error)
        }
    }
}
