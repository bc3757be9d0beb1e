import HXAudit
import HXAuditIndex
import Testing

@Suite("Audit index: ingesting")
struct IngestTests {
    typealias F = AuditFixtures

    @Test("records and positions round trip", arguments: Backend.allCases)
    func roundTrip(backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let records = F.simpleChain(10, partition: 0) + F.simpleChain(5, partition: 1)
            let summary = try await store.ingest(records, positions: F.positions(after: records))
            #expect(summary == IngestSummary(stored: 15, repeats: 0, conflicts: []))
            #expect(try await store.positions(topic: F.auditTopic) == [0: 10, 1: 5])
            #expect(try await store.positions(topic: "another.topic").isEmpty)

            let found = try await store.search(AuditQuery())
            #expect(found.count == 15)
            // What comes back is what went in, byte for byte, with its place.
            let byId = Dictionary(uniqueKeysWithValues: records.map { ($0.record.decisionId, $0) })
            for r in found { #expect(byId[r.record.decisionId] == r) }

            // Positions never move back.
            _ = try await store.ingest([], positions: [AuditTopicPosition(topic: F.auditTopic, partition: 0, nextOffset: 3)])
            #expect(try await store.positions(topic: F.auditTopic) == [0: 10, 1: 5])
            // preparing again changes nothing
            try await store.prepare()
            #expect(try await store.search(AuditQuery()).count == 15)
        }
    }

    @Test("an exact repeat is counted and stored once", arguments: Backend.allCases)
    func exactRepeat(backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let records = F.simpleChain(6)
            _ = try await store.ingest(records, positions: F.positions(after: records))
            // Re-read at other offsets (an aborted transaction's records let through), and twice in one batch.
            let again = records.map {
                IndexedAuditRecord(record: $0.record, wireBytes: $0.wireBytes, topic: $0.topic, partition: 0, offset: $0.offset + 100)
            }
            let summary = try await store.ingest(again + [again[0]], positions: F.positions(after: again))
            #expect(summary == IngestSummary(stored: 0, repeats: 7, conflicts: []))
            let fresh = F.simpleChain(8).suffix(2)
            let mixed = try await store.ingest(Array(fresh) + Array(fresh), positions: [])
            #expect(mixed == IngestSummary(stored: 2, repeats: 2, conflicts: []))
            #expect(try await store.search(AuditQuery()).count == 8)
            #expect(try await store.conflicts().isEmpty)
            let report = try await store.verifyChain(F.chainId(partition: 0))
            #expect(report.isValid)
            #expect(report.summary.records == 8)
        }
    }

    @Test("a different record under a stored decision id is a conflict; the first is kept", arguments: Backend.allCases)
    func conflictingRepeat(backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let records = F.simpleChain(4)
            _ = try await store.ingest(records, positions: F.positions(after: records))
            let forged = F.conflicting(records[2], offset: 40)
            #expect(forged.record.decisionId == records[2].record.decisionId)
            #expect(forged.wireBytes != records[2].wireBytes)

            let summary = try await store.ingest([forged], positions: F.positions(after: [forged]))
            let expected = AuditIndexConflict(decisionId: records[2].record.decisionId, stored: records[2].place, conflicting: forged.place)
            #expect(summary == IngestSummary(stored: 0, repeats: 0, conflicts: [expected]))
            #expect(expected.stored.hash != expected.conflicting.hash)
            #expect(try await store.conflicts() == [expected])

            // The first stays, byte for byte.
            let kept = try await store.search(AuditQuery(outcome: .deny))
            #expect(kept.isEmpty)
            let all = try await store.search(AuditQuery())
            #expect(all.count == 4)
            #expect(all.contains(records[2]))

            // Read again (after a crash): reported again, recorded once.
            let again = try await store.ingest([forged], positions: [])
            #expect(again.conflicts == [expected])
            #expect(try await store.conflicts() == [expected])

            // A conflict inside one batch: the first of the batch is stored, the second recorded.
            let batch = F.simpleChain(6).suffix(2)
            let forgedInBatch = F.conflicting(batch.last!, offset: 60)
            let inBatch = try await store.ingest(Array(batch) + [forgedInBatch], positions: [])
            #expect(inBatch.stored == 2)
            #expect(inBatch.conflicts == [
                AuditIndexConflict(decisionId: batch.last!.record.decisionId, stored: batch.last!.place, conflicting: forgedInBatch.place)
            ])
            #expect(try await store.conflicts().count == 2)
        }
    }

    @Test("after a crash, indexing resumes from the stored positions without loss or duplicates", arguments: Backend.allCases)
    func crashResume(backend: Backend) async throws {
        let db = try await TestDatabase.make(backend)
        defer { db.remove() }
        // The topic: two partitions, 60 and 40 records.
        let topic = [0: F.simpleChain(60, partition: 0), 1: F.simpleChain(40, partition: 1)]

        // A first indexer reads batches of 25 records per partition, then "crashes":
        // the store is abandoned and reopened from the same database.
        var store = try await db.open()
        for start in stride(from: 0, to: 50, by: 25) {
            let batch = topic.values.flatMap { $0.dropFirst(start).prefix(25) }
            _ = try await store.ingest(batch, positions: F.positions(after: batch))
        }
        await store.close()

        store = try await db.open()
        let resume = try await store.positions(topic: F.auditTopic)
        #expect(resume == [0: 50, 1: 40])

        // The consumer rewinds a little further than told (at-least-once): the overlap is repeats only.
        var repeats = 0
        var stored = 0
        for (partition, records) in topic {
            let from = Int(resume[partition]!) - 10
            let tail = Array(records[from...])
            let summary = try await store.ingest(tail, positions: F.positions(after: tail))
            repeats += summary.repeats
            stored += summary.stored
            #expect(summary.conflicts.isEmpty)
        }
        #expect(repeats == 20)
        #expect(stored == 10)
        #expect(try await store.positions(topic: F.auditTopic) == [0: 60, 1: 40])

        let all = try await store.search(AuditQuery(limit: 1000))
        #expect(all.count == 100)
        #expect(Set(all.map(\.record.decisionId)).count == 100)
        for partition in [0, 1] {
            let report = try await store.verifyChain(F.chainId(partition: partition))
            #expect(report.isValid, "\(String(describing: report.problem))")
            #expect(report.summary.lastSequence == topic[partition]!.count)
        }
        await store.close()
    }
}
