import HXAudit
import HXAuditIndex
import Testing

@Suite("Audit index: searching")
struct SearchTests {
    typealias F = AuditFixtures

    /// 120 decisions over two chains with every searched field varied, and two
    /// dead letters; times interleave across the chains.
    static let records: [IndexedAuditRecord] = {
        func entries(partition: Int) -> [AuditEntry] {
            (1...60).map { n in
                let i = n + partition * 7
                let outcome = AuditOutcome.allCases[i % 4]
                let reasons: [String] =
                    switch outcome {
                    case .deny: ["sensitivity-denied:sexual-health", "no-agreement"]
                    case .deliverRedacted: ["sensitivity-redacted:safeguarding"]
                    case .review: ["identity-unresolved"]
                    case .rejected: ["identity-rejected"]
                    case .deliver: []
                    }
                return F.decision(
                    n, partition: partition, nhsNumber: outcome == .review ? nil : F.nhsNumbers[(i / 3) % 4], source: F.sources[i % 2],
                    recipient: F.recipients[i % 3], outcome: outcome, reasons: reasons, agreementId: F.agreements[(i / 2) % 2],
                    seconds: 2 * n + partition)
            } + [F.deadLetter(1000 + partition, partition: partition)]
                // Sent to its own organisation: found once by an organisation search, not twice.
                + [F.decision(500, partition: partition, source: "RWW", recipient: "RWW", seconds: 500 + partition)]
        }
        return F.chain(entries(partition: 0), partition: 0) + F.chain(entries(partition: 1), partition: 1)
    }()

    /// What the index should answer: the filter applied here, newest first.
    static func expected(_ q: AuditQuery, _ keep: (AuditRecord) -> Bool) -> [String] {
        let sorted = records.filter { keep($0.record) }.sorted {
            ($0.record.time, $0.topic, $0.partition, $0.offset) > ($1.record.time, $1.topic, $1.partition, $1.offset)
        }
        return sorted.prefix(q.limit).map(\.record.decisionId)
    }

    static let cases: [(String, AuditQuery, @Sendable (AuditRecord) -> Bool)] = [
        ("everything", AuditQuery(), { _ in true }),
        ("nhs number", AuditQuery(nhsNumber: F.nhsNumbers[1]), { $0.nhsNumber == F.nhsNumbers[1] }),
        ("organisation as source", AuditQuery(organisation: "RBN"), { $0.source?.organisation == "RBN" || $0.recipient == "RBN" }),
        ("organisation as recipient", AuditQuery(organisation: "HBC-ASC"), { $0.source?.organisation == "HBC-ASC" || $0.recipient == "HBC-ASC" }),
        ("agreement", AuditQuery(agreementId: F.agreements[1]), { $0.agreementId == F.agreements[1] }),
        ("outcome", AuditQuery(outcome: .deliverRedacted), { $0.outcome == .deliverRedacted }),
        ("reason", AuditQuery(reason: "no-agreement"), { $0.reasons.contains("no-agreement") }),
        ("kind", AuditQuery(kind: .deadLetter), { $0.kind == .deadLetter }),
        ("time range", AuditQuery(from: F.time(20), to: F.time(41)), { $0.time >= F.time(20) && $0.time < F.time(41) }),
        ("time range with offset", AuditQuery(from: "2026-03-01T17:00:20+01:00", to: "2026-03-01T16:00:41.000Z"),
         { $0.time >= F.time(20) && $0.time < F.time(41) }),
        ("limit", AuditQuery(limit: 7), { _ in true }),
        ("organisation, limit", AuditQuery(organisation: "N81035", limit: 3), { $0.recipient == "N81035" }),
        ("organisation as source and recipient", AuditQuery(organisation: "RWW", limit: 5),
         { $0.source?.organisation == "RWW" || $0.recipient == "RWW" }),
        ("subject, newest first, limit", AuditQuery(nhsNumber: F.nhsNumbers[2], limit: 5), { $0.nhsNumber == F.nhsNumbers[2] }),
        ("combined", AuditQuery(nhsNumber: F.nhsNumbers[3], organisation: "RWW", outcome: .deny, reason: "sensitivity-denied:sexual-health",
                                kind: .decision, from: F.time(10), to: F.time(110)),
         { $0.nhsNumber == F.nhsNumbers[3] && ($0.source?.organisation == "RWW" || $0.recipient == "RWW") && $0.outcome == .deny
             && $0.reasons.contains("sensitivity-denied:sexual-health") && $0.kind == .decision && $0.time >= F.time(10) && $0.time < F.time(110) }),
        ("combined agreement and recipient", AuditQuery(organisation: "N81037", agreementId: F.agreements[0], outcome: .deliver),
         { ($0.source?.organisation == "N81037" || $0.recipient == "N81037") && $0.agreementId == F.agreements[0] && $0.outcome == .deliver }),
        ("nothing matches", AuditQuery(nhsNumber: "9990009999"), { _ in false }),
    ]

    @Test("every filter, alone and combined, newest first", arguments: Backend.allCases)
    func filters(backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await store.ingest(Self.records, positions: F.positions(after: Self.records))
            for (name, query, keep) in Self.cases {
                let expected = Self.expected(query, keep)
                let found = try await store.search(query)
                #expect(found.map(\.record.decisionId) == expected, "\(name)")
                if name != "nothing matches" { #expect(!expected.isEmpty, "\(name): the fixture has matches") }
            }
            // The organisation filter finds a source organisation and a recipient alike.
            #expect(try await store.search(AuditQuery(organisation: "RBN")).allSatisfy { $0.record.source?.organisation == "RBN" })
            #expect(try await store.search(AuditQuery(organisation: "RWW", limit: 2)).map(\.record.recipient) == ["RWW", "RWW"])
            #expect(try await store.search(AuditQuery(organisation: "HBC-ASC")).allSatisfy { $0.record.recipient == "HBC-ASC" })
            // Newest first.
            let times = try await store.search(AuditQuery(nhsNumber: F.nhsNumbers[0])).map(\.record.time)
            #expect(times == times.sorted(by: >))
        }
    }

    @Test("decisions counted by outcome from a time on, for the console's overview", arguments: Backend.allCases)
    func outcomeCounts(backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await store.ingest(Self.records, positions: F.positions(after: Self.records))
            for since in [F.time(0), F.time(41), F.time(1000)] {
                var expected: [AuditOutcome: Int] = [:]
                for r in Self.records where r.record.kind == .decision && r.record.time >= since {
                    if let o = r.record.outcome { expected[o, default: 0] += 1 }
                }
                #expect(try await store.outcomeCounts(since: since) == expected, "since \(since)")
            }
            #expect(try await store.outcomeCounts(since: F.time(41)).values.reduce(0, +) < Self.records.count - 2, "only decisions, only from then")
        }
    }

    @Test("decisions counted by agreement and outcome, for the agreement register", arguments: Backend.allCases)
    func agreementOutcomeCounts(backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await store.ingest(Self.records, positions: F.positions(after: Self.records))
            for since in [F.time(0), F.time(41), F.time(1000)] {
                var expected: [String: [AuditOutcome: Int]] = [:]
                for r in Self.records where r.record.kind == .decision && r.record.time >= since {
                    if let a = r.record.agreementId, let o = r.record.outcome { expected[a, default: [:]][o, default: 0] += 1 }
                }
                #expect(try await store.agreementOutcomeCounts(since: since) == expected, "since \(since)")
            }
            #expect(!(try await store.agreementOutcomeCounts(since: F.time(0))).isEmpty, "the fixtures judge agreements")
        }
    }

    @Test("bad arguments are typed errors that do not echo what was typed", arguments: Backend.allCases)
    func badArguments(backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let nhs = F.nhsNumbers[0]
            let error = await #expect(throws: AuditIndexError.self) { _ = try await store.search(AuditQuery(nhsNumber: nhs, from: nhs)) }
            #expect(error?.code == "index-argument-invalid")
            #expect(error.map { !String(describing: $0).contains(nhs) } == true)
            let limit = await #expect(throws: AuditIndexError.self) { _ = try await store.search(AuditQuery(limit: 0)) }
            #expect(limit?.code == "index-argument-invalid")
            let cutoff = await #expect(throws: AuditIndexError.self) { _ = try await store.prune(olderThan: "last year") }
            #expect(cutoff?.code == "index-argument-invalid")
        }
    }
}
