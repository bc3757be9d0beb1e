import HXAudit
import HXAuditIndex
import Testing

@Suite("Audit index: retention")
struct PruneTests {
    typealias F = AuditFixtures

    @Test("pruning deletes old records, keeps new ones, and anchors each chain for verification", arguments: Backend.allCases)
    func prune(backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let a = F.simpleChain(20, partition: 0)  // times 1…20 s
            let b = F.chain((1...6).map { F.decision($0, partition: 1, reasons: ["r\($0)"], seconds: 100 + $0) }, partition: 1)
            _ = try await store.ingest(a + b, positions: F.positions(after: a + b))

            let summary = try await store.prune(olderThan: F.time(8))
            #expect(summary.cutoff == F.time(8))
            #expect(summary.deleted == 7)
            let anchor = AuditChainAnchor(sequence: 7, hash: a[6].record.hash)
            #expect(summary.anchors == [F.chainId(partition: 0): anchor])
            #expect(try await store.pruneAnchors() == [F.chainId(partition: 0): anchor])

            let left = try await store.search(AuditQuery())
            #expect(left.count == 13 + 6)
            #expect(left.allSatisfy { $0.record.time >= F.time(8) })
            #expect(try await store.search(AuditQuery(to: F.time(8))).isEmpty)

            // The rest verifies clean from the anchor, and would not without it.
            let remainder = try await store.chainRecords(chainId: F.chainId(partition: 0), afterSequence: 0, limit: 100).map(\.record)
            #expect(remainder.map(\.sequence) == Array(8...20))
            #expect(AuditVerifier(anchors: try await store.pruneAnchors()).verify(remainder).isValid)
            #expect(AuditVerifier().verify(remainder).problem(chainId: F.chainId(partition: 0))?.kind == .missing)
            #expect(try await store.verifyChain(F.chainId(partition: 0)).isValid)
            #expect(try await store.verifyChain(F.chainId(partition: 1)).isValid)

            // A later prune moves the anchor; one that deletes nothing keeps it.
            let second = try await store.prune(olderThan: F.time(15))
            #expect(second.deleted == 7)
            #expect(try await store.pruneAnchors()[F.chainId(partition: 0)] == AuditChainAnchor(sequence: 14, hash: a[13].record.hash))
            let none = try await store.prune(olderThan: F.time(15))
            #expect(none.deleted == 0)
            #expect(try await store.pruneAnchors()[F.chainId(partition: 0)]?.sequence == 14)
            #expect(try await store.verifyChain(F.chainId(partition: 0)).isValid)

            // Pruning a whole chain leaves its anchor and removes its reasons with it.
            let all = try await store.prune(olderThan: F.time(1000))
            #expect(all.deleted == 6 + 6)
            #expect(try await store.search(AuditQuery(reason: "r3")).isEmpty)
            #expect(try await store.chainIds().isEmpty)
            #expect(try await store.pruneAnchors()[F.chainId(partition: 1)] == AuditChainAnchor(sequence: 6, hash: b[5].record.hash))
        }
    }

    @Test("an old record after a newer one in its chain waits, so the chain stays whole", arguments: Backend.allCases)
    func prefixOnly(backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            // Sequence 3 is older than sequence 2 (a producer clock going back).
            let seconds = [1, 10, 2, 3, 20]
            let chain = F.chain(seconds.enumerated().map { F.decision($0.offset + 1, seconds: $0.element) })
            _ = try await store.ingest(chain, positions: [])
            let summary = try await store.prune(olderThan: F.time(5))
            #expect(summary.deleted == 1)
            #expect(summary.anchors == [F.chainId(partition: 0): AuditChainAnchor(sequence: 1, hash: chain[0].record.hash)])
            #expect(try await store.verifyChain(F.chainId(partition: 0)).isValid)
        }
    }
}
