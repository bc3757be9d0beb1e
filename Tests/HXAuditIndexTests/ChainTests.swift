import HXAudit
import HXAuditIndex
import Testing

@Suite("Audit index: chains, verification and tampering")
struct ChainTests {
    typealias F = AuditFixtures

    @Test("chain pages come in sequence order", arguments: Backend.allCases)
    func paging(backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let a = F.simpleChain(25, partition: 0)
            let b = F.simpleChain(3, partition: 1)
            // Interleaved and out of order on the way in: the index orders by sequence.
            _ = try await store.ingest(Array(a.reversed()) + b, positions: [])
            #expect(try await store.chainIds() == [F.chainId(partition: 0), F.chainId(partition: 1)])

            var sequences: [[Int]] = []
            var after = 0
            while true {
                let page = try await store.chainPage(chainId: F.chainId(partition: 0), afterSequence: after, limit: 10)
                guard let next = page.nextAfterSequence else { break }
                #expect(page.records.allSatisfy { $0.record.chainId == F.chainId(partition: 0) })
                sequences.append(page.records.map(\.record.sequence))
                after = next
            }
            #expect(sequences == [Array(1...10), Array(11...20), Array(21...25)])
            #expect(try await store.chainRecords(chainId: F.chainId(partition: 0), afterSequence: 20, limit: 3).map(\.record.sequence) == [21, 22, 23])
            #expect(try await store.chainRecords(chainId: "router:no-such-topic:0", afterSequence: 0, limit: 10).isEmpty)
            #expect(try await store.verifyChain(F.chainId(partition: 0), pageSize: 7).isValid)
        }
    }

    /// A chain of 12 and a second chain of 5; `tamper` changes the first in the database.
    private func tampered(_ backend: Backend, _ tamper: (TestDatabase, [IndexedAuditRecord]) async throws -> Void)
        async throws -> (ChainVerification, ChainVerification)
    {
        var reports: (ChainVerification, ChainVerification)?
        try await withStore(backend) { store, db in
            let chain = F.simpleChain(12, partition: 0)
            let other = F.simpleChain(5, partition: 1)
            _ = try await store.ingest(chain + other, positions: F.positions(after: chain + other))
            #expect(try await store.verifyChain(F.chainId(partition: 0)).isValid)
            try await tamper(db, chain)
            reports = (
                try await store.verifyChain(F.chainId(partition: 0), pageSize: 4), try await store.verifyChain(F.chainId(partition: 1))
            )
        }
        return reports!
    }

    @Test("a record altered in the index is named by chain and sequence", arguments: Backend.allCases)
    func altered(backend: Backend) async throws {
        let (report, other) = try await tampered(backend) { db, chain in
            // Another recipient, written in canonical form with the original hash: decodes, but the hash no longer matches.
            var forged = chain[6].record
            forged.recipient = "N81037"
            try await db.execute(
                "UPDATE audit_records SET wire = \(db.bytesLiteral(forged.wireBytes)) WHERE chain_id = '\(F.chainId(partition: 0))' AND sequence = 7")
        }
        let problem = try #require(report.problem)
        #expect(problem.kind == .altered)
        #expect(problem.sequence == 7)
        #expect(problem.chainId == "router:hx.canonical.discharge-summary.v1:0")
        #expect(report.summary.lastSequence == 6)
        #expect(other.isValid)
    }

    @Test("a record deleted from the index is named missing", arguments: Backend.allCases)
    func deleted(backend: Backend) async throws {
        let (report, other) = try await tampered(backend) { db, _ in
            try await db.execute("DELETE FROM audit_records WHERE chain_id = '\(F.chainId(partition: 0))' AND sequence = 5")
        }
        let problem = try #require(report.problem)
        #expect(problem.kind == .missing)
        #expect(problem.sequence == 5)
        #expect(other.isValid)
    }

    @Test("two records swapped in the index are named reordered", arguments: Backend.allCases)
    func swapped(backend: Backend) async throws {
        func swap(_ a: Int, _ b: Int) -> (TestDatabase, [IndexedAuditRecord]) async throws -> Void {
            { db, _ in
                try await db.execute(
                    """
                    UPDATE audit_records SET sequence = CASE sequence WHEN \(a) THEN \(b) ELSE \(a) END
                    WHERE chain_id = '\(F.chainId(partition: 0))' AND sequence IN (\(a), \(b))
                    """)
            }
        }
        // Pages of 4 (sequences 1-4, 5-8, 9-12): 6 and 7 share a page.
        let (report, other) = try await tampered(backend, swap(6, 7))
        let problem = try #require(report.problem)
        #expect(problem.kind == .reordered)
        #expect(problem.sequence == 6)
        #expect(report.summary.lastSequence == 5)
        #expect(other.isValid)
        // Across a page boundary the page that expected 4 never sees it: named missing, at the same place.
        let (across, _) = try await tampered(backend, swap(4, 5))
        #expect(across.problem?.kind == .missing)
        #expect(across.problem?.sequence == 4)
    }

    @Test("bytes that no longer decode are a typed error naming the place", arguments: Backend.allCases)
    func unreadable(backend: Backend) async throws {
        try await withStore(backend) { store, db in
            let chain = F.simpleChain(3)
            _ = try await store.ingest(chain, positions: [])
            try await db.execute(
                "UPDATE audit_records SET wire = \(db.bytesLiteral(Array("{\"nhsNumber\":\"9990000379\"}".utf8))) WHERE sequence = 2")
            let error = await #expect(throws: AuditIndexError.self) {
                _ = try await store.chainRecords(chainId: F.chainId(partition: 0), afterSequence: 0, limit: 10)
            }
            #expect(error == .recordUnreadable(chainId: F.chainId(partition: 0), sequence: 2, reason: "does not decode (audit-record-invalid)"))
            #expect(error.map { !String(describing: $0).contains("9990000379") } == true)
        }
    }
}
