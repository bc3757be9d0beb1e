import HXAudit

/// A queryable copy of `hx.audit.ig.v1` (docs/design.md "Shape": the audit index).
/// Two backends, SQLite and PostgreSQL, behave the same; `AuditIndex.open`
/// makes one. Every method may be called concurrently; a store serialises
/// what must not interleave.
package protocol AuditIndexStore: Sendable {
    /// Creates or upgrades the schema. Idempotent; call before anything else.
    func prepare() async throws(AuditIndexError)

    /// Stores records read from the audit topic and, in the same database
    /// transaction, the next offset to read for each partition: after a crash,
    /// reading resumes from `positions(topic:)` and nothing is lost or stored
    /// twice (exactly-once indexing). A record whose decision id is stored with
    /// byte-identical bytes is a repeat: counted, not stored again. The same
    /// decision id with different bytes is a conflict: kept in the conflicts
    /// table (both places and hashes) and reported, never replacing the first.
    /// Positions only move forward: a position behind the stored one is ignored.
    func ingest(_ records: [IndexedAuditRecord], positions: [AuditTopicPosition]) async throws(AuditIndexError) -> IngestSummary

    /// Partition → next offset to read, for one topic (empty when nothing was ingested).
    func positions(topic: String) async throws(AuditIndexError) -> [Int: Int64]

    /// Records matching every filter of `query`, newest first, at most `query.limit`.
    func search(_ query: AuditQuery) async throws(AuditIndexError) -> [IndexedAuditRecord]

    /// How many decisions of each outcome were recorded at or after `since`
    /// (RFC 3339 UTC with milliseconds, as records store their time): the
    /// console's "decisions by outcome". Outcomes with none are absent.
    func outcomeCounts(since: String) async throws(AuditIndexError) -> [AuditOutcome: Int]

    /// The same per agreement judged (the agreement register): decisions from
    /// `since` (RFC 3339) on, by agreement id and outcome. Decisions that judged
    /// no agreement (identity held for review, no agreement at all) are not counted.
    func agreementOutcomeCounts(since: String) async throws(AuditIndexError) -> [String: [AuditOutcome: Int]]

    /// Every chain id with records in the index, sorted.
    func chainIds() async throws(AuditIndexError) -> [String]

    /// One page of a chain's records, in sequence order, for `AuditVerifier`:
    /// those whose stored sequence is above `afterSequence` (records sharing a
    /// sequence, which only a conflict or tampering makes, in topic order). A
    /// page holds `limit` records, fewer at the chain's end, and more only when
    /// records share its last sequence: one sequence is never split between pages.
    /// Continue from `nextAfterSequence`: the stored sequence of the page's last
    /// row, which differs from its record's own sequence only if the index was
    /// tampered with. Throws `recordUnreadable` for bytes that no longer decode.
    func chainPage(chainId: String, afterSequence: Int, limit: Int) async throws(AuditIndexError) -> AuditChainPage

    /// Every conflict recorded, in the order found.
    func conflicts() async throws(AuditIndexError) -> [AuditIndexConflict]

    /// Retention: deletes records older than `cutoff` (RFC 3339) from the index
    /// (the topic keeps everything) and records a prune marker: the cutoff, the
    /// count and, per chain, the last deleted record's sequence and hash, from
    /// which `AuditVerifier` continues the chain (`pruneAnchors`). Only a
    /// chain's prefix is deleted: a record older than the cutoff that follows a
    /// newer one in its chain is kept until that one goes, so what remains of a
    /// chain is always whole from its anchor.
    func prune(olderThan cutoff: String) async throws(AuditIndexError) -> PruneSummary

    /// Per chain, the anchor of the latest prune: verification of that chain
    /// from the index starts there instead of at sequence 1.
    func pruneAnchors() async throws(AuditIndexError) -> [String: AuditChainAnchor]

    /// Releases the database. Later calls throw `closed`.
    func close() async
}

extension AuditIndexStore {
    /// The records of `chainPage`.
    package func chainRecords(chainId: String, afterSequence: Int, limit: Int) async throws(AuditIndexError) -> [IndexedAuditRecord] {
        try await chainPage(chainId: chainId, afterSequence: afterSequence, limit: limit).records
    }

    /// Verifies one chain from the index, page by page so that a long chain is
    /// never in memory at once: each page is checked from where the previous
    /// one ended (its last sequence and hash), the first from the chain's prune
    /// anchor if any. The report is `AuditVerifier`'s for the whole chain, with
    /// one difference: a record moved across a page boundary is reported as
    /// `missing` at the sequence where the page expected it, since the page
    /// that holds it is not read until later.
    package func verifyChain(_ chainId: String, key: AuditKey? = nil, pageSize: Int = 10_000) async throws(AuditIndexError)
        -> ChainVerification
    {
        var anchor = try await pruneAnchors()[chainId]
        var summary = AuditChainSummary(chainId: chainId, firstSequence: nil, lastSequence: nil, lastHash: nil, records: 0, duplicates: 0)
        var after = anchor?.sequence ?? 0
        var position = 0
        while true {
            let page = try await chainPage(chainId: chainId, afterSequence: after, limit: pageSize)
            guard let next = page.nextAfterSequence else { break }
            let anchors = anchor.map { [chainId: $0] } ?? [:]
            let report = AuditVerifier(key: key, anchors: anchors).verify(page.records.map(\.record))
            if let part = report.chain(chainId) {
                summary.firstSequence = summary.firstSequence ?? part.firstSequence
                summary.lastSequence = part.lastSequence ?? summary.lastSequence
                summary.lastHash = part.lastHash ?? summary.lastHash
                summary.records += part.records
                summary.duplicates += part.duplicates
                if let last = part.lastSequence, let hash = part.lastHash { anchor = AuditChainAnchor(sequence: last, hash: hash) }
            }
            if var problem = report.problem(chainId: chainId) {
                problem.position += position
                return ChainVerification(summary: summary, problem: problem)
            }
            position += page.records.count
            after = next
        }
        return ChainVerification(summary: summary, problem: nil)
    }
}

/// The verification of one chain from the index.
package struct ChainVerification: Sendable, Equatable {
    /// What was accepted, from the anchor (or sequence 1) up to the first problem.
    package var summary: AuditChainSummary
    /// The first place the chain goes wrong, if it does.
    package var problem: AuditProblem?

    package var isValid: Bool { problem == nil }
}
