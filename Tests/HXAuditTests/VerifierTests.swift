import HXAudit
import Testing

@Suite("Chain verification")
struct VerifierTests {
    static let chainId = "router:hx.canonical.discharge-summary.v1:0"

    func only(_ report: AuditVerificationReport) -> AuditProblem? {
        #expect(report.problems.count == 1)
        return report.problems.first
    }

    @Test func stableCodes() {
        #expect(AuditProblem.Kind.allCases.map(\.rawValue)
            == ["altered", "missing", "reordered", "conflict", "bad-hmac", "broken-link", "malformed"])
    }

    @Test func anIntactChainVerifies() {
        let report = AuditVerifier().verify(Fixture.chain(5))
        #expect(report.isValid)
        #expect(report.chains == [AuditChainSummary(chainId: Self.chainId, firstSequence: 1, lastSequence: 5,
                                                    lastHash: Fixture.chain(5)[4].hash, records: 5, duplicates: 0)])
    }

    @Test func anAlteredFieldIsFoundAtItsRecord() {
        var records = Fixture.chain(5)
        records[2].outcome = .deny
        let p = only(AuditVerifier().verify(records))
        #expect(p?.kind == .altered && p?.sequence == 3 && p?.position == 2 && p?.chainId == Self.chainId)
    }

    @Test func anAlteredRecordWithARecomputedHashBreaksTheNextLink() {
        var records = Fixture.chain(5)
        records[2].nhsNumber = "9990000743"
        records[2] = Fixture.resealed(records[2])
        let p = only(AuditVerifier().verify(records))
        #expect(p?.kind == .brokenLink && p?.sequence == 4 && p?.position == 3)
    }

    @Test func aForgedFirstRecordBreaksTheGenesisLink() {
        var records = Fixture.chain(2)
        records[0].previousHash = String(repeating: "1", count: 64)
        records[0] = Fixture.resealed(records[0])
        let p = only(AuditVerifier().verify(records))
        #expect(p?.kind == .brokenLink && p?.sequence == 1)
    }

    @Test func aDeletedRecordIsMissing() {
        var records = Fixture.chain(5)
        records.remove(at: 2)
        let p = only(AuditVerifier().verify(records))
        #expect(p?.kind == .missing && p?.sequence == 3 && p?.position == 2)
        // A chain that does not start at 1 is missing its start.
        let q = only(AuditVerifier().verify(Array(Fixture.chain(5).dropFirst())))
        #expect(q?.kind == .missing && q?.sequence == 1 && q?.position == 0)
    }

    @Test func theLastRecordRemovedShowsOnlyInTheSummary() {
        // Nothing after it to betray the cut: callers compare lastSequence with what they expect.
        let report = AuditVerifier().verify(Array(Fixture.chain(5).dropLast()))
        #expect(report.isValid)
        #expect(report.chain(Self.chainId)?.lastSequence == 4)
    }

    @Test func swappedRecordsAreReordered() {
        var records = Fixture.chain(5)
        records.swapAt(2, 3)
        let p = only(AuditVerifier().verify(records))
        #expect(p?.kind == .reordered && p?.sequence == 3 && p?.position == 2)
    }

    @Test func aDifferentRecordAtATakenSequenceIsAConflict() {
        let records = Fixture.chain(5)
        var forged = records[2]
        forged.reasons = ["objection"]
        forged.outcome = .deny
        forged = Fixture.resealed(forged)
        // Right after the genuine one, and later in the log.
        for at in [3, 5] {
            var log = records
            log.insert(forged, at: at)
            let p = only(AuditVerifier().verify(log))
            #expect(p?.kind == .conflict && p?.sequence == 3 && p?.position == at)
        }
        // A forgery that arrives first is accepted; the genuine record then conflicts with it.
        var first = records
        first.insert(forged, at: 2)
        let p = only(AuditVerifier().verify(first))
        #expect(p?.kind == .conflict && p?.sequence == 3 && p?.position == 3)
    }

    @Test func exactRepeatsCountAsOneRecord() {
        let records = Fixture.chain(6)
        // At-least-once redelivery of one record, and an aborted-but-visible
        // batch (3…5) written again after a restart.
        let log = [records[0], records[0], records[1], records[2], records[3], records[4], records[2], records[3], records[4], records[5], records[5]]
        let report = AuditVerifier().verify(log)
        #expect(report.isValid)
        #expect(report.chain(Self.chainId)?.records == 6)
        #expect(report.chain(Self.chainId)?.duplicates == 5)
    }

    @Test func oneDecisionIdWithDifferentContentIsAConflict() throws {
        var records = Fixture.chain(3)
        var again = try AuditChain.resume(from: records[2])
        var copy = Fixture.entry(2)  // the decision of sequence 2, recorded again elsewhere with other content
        copy.inputOffset = 99
        records.append(again.append(copy))
        let p = only(AuditVerifier().verify(records))
        #expect(p?.kind == .conflict && p?.sequence == 4 && p?.position == 3)
        #expect(p?.message.contains("sequence 2") == true)
    }

    @Test func aWrongOrMissingHMACIsBad() throws {
        let key = AuditKey(bytes: Array("right key, thirty-two bytes long".utf8))
        let records = Fixture.chain(3, key: key)
        #expect(AuditVerifier(key: key).verify(records).isValid)
        let wrong = only(AuditVerifier(key: AuditKey(bytes: Array("wrong key".utf8))).verify(records))
        #expect(wrong?.kind == .badHMAC && wrong?.sequence == 1 && wrong?.position == 0)
        // A forger without the key can recompute the hash but not the HMAC.
        var forged = records
        forged[1].recipient = "ELSEWHERE"
        forged[1] = Fixture.resealed(forged[1])
        var links = try AuditChain.resume(from: forged[1])
        forged[2] = links.append(forged[2].entry)
        forged[1].hmac = records[1].hmac  // kept from the genuine record: it no longer matches
        let p = only(AuditVerifier(key: key).verify(forged))
        #expect(p?.kind == .badHMAC && p?.sequence == 2)
        // A key is required but the records carry none.
        let unkeyed = only(AuditVerifier(key: key).verify(Fixture.chain(2)))
        #expect(unkeyed?.kind == .badHMAC && unkeyed?.sequence == 1)
    }

    @Test func malformedRecordsAreReported() {
        var records = Fixture.chain(2)
        records[1].sequence = 0
        #expect(only(AuditVerifier().verify(records))?.kind == .malformed)
        var short = Fixture.chain(2)
        short[1].hash = "abc"
        #expect(only(AuditVerifier().verify(short))?.kind == .malformed)
        var upper = Fixture.chain(1)
        upper[0].hash = upper[0].hash.uppercased()
        #expect(only(AuditVerifier().verify(upper))?.kind == .malformed)
    }

    @Test func aWindowCanBeVerifiedFromAnAnchor() {
        let records = Fixture.chain(6)
        let window = Array(records[3...])
        let anchor = AuditChainAnchor(sequence: 3, hash: records[2].hash)
        let report = AuditVerifier(anchors: [Self.chainId: anchor]).verify(window)
        #expect(report.isValid)
        #expect(report.chain(Self.chainId)?.firstSequence == 4)
        let wrongAnchor = AuditChainAnchor(sequence: 3, hash: records[1].hash)
        #expect(only(AuditVerifier(anchors: [Self.chainId: wrongAnchor]).verify(window))?.kind == .brokenLink)
        // A record from before the window cannot be judged against it.
        let before = only(AuditVerifier(anchors: [Self.chainId: anchor]).verify([records[2]] + window))
        #expect(before?.kind == .reordered && before?.sequence == 3)
    }

    @Test func chainsAreJudgedIndependently() {
        let a = Fixture.chain(4, partition: 0)
        var b = Fixture.chain(4, partition: 1)
        b.remove(at: 1)
        var c = Fixture.chain(3, partition: 2)
        c[2].reasons = ["changed"]
        // Interleaved as a consumer of hx.audit.ig.v1 would read them.
        var log: [AuditRecord] = []
        for i in 0..<4 {
            log.append(a[i])
            if i < b.count { log.append(b[i]) }
            if i < c.count { log.append(c[i]) }
        }
        let report = AuditVerifier().verify(log)
        #expect(report.problems.map(\.chainId) == ["router:hx.canonical.discharge-summary.v1:1", "router:hx.canonical.discharge-summary.v1:2"])
        let p1 = report.problem(chainId: "router:hx.canonical.discharge-summary.v1:1")
        #expect(p1?.kind == .missing && p1?.sequence == 2)
        let p2 = report.problem(chainId: "router:hx.canonical.discharge-summary.v1:2")
        #expect(p2?.kind == .altered && p2?.sequence == 3)
        #expect(report.chain("router:hx.canonical.discharge-summary.v1:0")?.lastSequence == 4)
        #expect(report.problem(chainId: "router:hx.canonical.discharge-summary.v1:0") == nil)
    }
}
