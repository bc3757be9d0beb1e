import Crypto
import HXAudit
import HXCanonical
import HXPlace
import Testing

@Suite("Audit chains")
struct ChainTests {
    static let key = AuditKey(bytes: Array("0123456789abcdef0123456789abcdef".utf8))

    @Test func aChainStartsAtOneFromGenesisAndLinksEachRecord() {
        let records = Fixture.chain(4)
        #expect(records.map(\.chainId) == Array(repeating: "router:hx.canonical.discharge-summary.v1:0", count: 4))
        #expect(records.map(\.sequence) == [1, 2, 3, 4])
        #expect(records[0].previousHash == String(repeating: "0", count: 64))
        for i in 1..<records.count { #expect(records[i].previousHash == records[i - 1].hash) }
        #expect(records.allSatisfy { $0.hmac == nil })
    }

    @Test func sealingIsDeterministic() {
        #expect(Fixture.chain(5, key: Self.key).map(\.wireBytes) == Fixture.chain(5, key: Self.key).map(\.wireBytes))
    }

    @Test func resumingContinuesWithTheSameBytes() throws {
        let whole = Fixture.chain(6, key: Self.key)
        var chain = AuditChain.router(topic: Fixture.topic, partition: 0, key: Self.key)
        let first = chain.append((1...3).map { Fixture.entry($0) })
        // A restart: only the last committed record survives.
        var resumed = try AuditChain.resume(from: first[2], key: Self.key)
        #expect(resumed.id == first[2].chainId)
        #expect(resumed.nextSequence == 4)
        #expect(resumed.previousHash == first[2].hash)
        let rest = resumed.append((4...6).map { Fixture.entry($0) })
        #expect((first + rest).map(\.wireBytes) == whole.map(\.wireBytes))
        #expect(AuditVerifier(key: Self.key).verify(first + rest).isValid)
    }

    @Test func resumingRefusesADamagedRecord() {
        var altered = Fixture.chain(2)[1]
        altered.recipient = "SOMEONE-ELSE"
        #expect(throws: AuditChainError.altered(chainId: altered.chainId, sequence: 2)) { try AuditChain.resume(from: altered) }
        let keyed = Fixture.chain(2, key: Self.key)[1]
        #expect(throws: AuditChainError.badHMAC(chainId: keyed.chainId, sequence: 2)) {
            try AuditChain.resume(from: keyed, key: AuditKey(bytes: Array("another key".utf8)))
        }
        var zero = Fixture.chain(1)[0]
        zero.sequence = 0
        #expect(throws: AuditChainError.invalidSequence(0)) { try AuditChain.resume(from: zero) }
    }

    @Test func hmacRoundTrip() {
        let records = Fixture.chain(3, key: Self.key)
        for r in records {
            let expected = HMAC<Crypto.SHA256>.authenticationCode(for: r.canonicalBytes, using: SymmetricKey(data: Array("0123456789abcdef0123456789abcdef".utf8)))
            #expect(r.hmac == Hex.string(expected))
            #expect(AuditHashing.hmacMatches(r.hmac, bytes: r.canonicalBytes, key: Self.key))
        }
        #expect(AuditVerifier(key: Self.key).verify(records).isValid)
        // Without a key the HMAC is carried but not judged.
        #expect(AuditVerifier().verify(records).isValid)
    }

    @Test func everyKindChainsTheSameWay() throws {
        let input = AuditInput(topic: Fixture.topic, partition: 0, offset: 7, timestamp: Instant(rfc3339: "2026-03-02T12:00:00Z")!)
        var chain = AuditChain.router(topic: Fixture.topic, partition: 0, key: Self.key)
        let entries = [
            try AuditRecordBuilder.configurationReloaded(input: input, previousDigest: nil, newDigest: Fixture.digest),
            try AuditRecordBuilder.deadLetter(input: input, reasonCode: "canonical-json-syntax", value: Array("{oops".utf8),
                                              configurationDigest: Fixture.digest),
            Fixture.entry(8),
        ]
        let records = chain.append(entries)
        #expect(records.map(\.kind) == [.configurationReloaded, .deadLetter, .decision])
        #expect(records[1].details["valueSha256"] == AuditHashing.sha256Hex(Array("{oops".utf8)))
        #expect(records[1].reasons == ["canonical-json-syntax"])
        #expect(records[1].time == "2026-03-02T12:00:00.000Z")
        var console = AuditChain(id: "console:auditor-access", key: Self.key)
        let access = console.append(try AuditRecordBuilder.auditorAccess(
            requestId: "req-1", time: Instant(rfc3339: "2026-03-03T09:00:00Z")!, actor: "ig.lead@halton.example",
            role: "auditor", action: "search", query: "nhsNumber=9990000379", nhsNumber: "9990000379",
            configurationDigest: Fixture.digest))
        #expect(access.inputTopic == nil && access.inputOffset == nil && access.outcome == nil)
        let report = AuditVerifier(key: Self.key).verify(records + [access])
        #expect(report.isValid)
        #expect(report.chains.map(\.chainId) == ["console:auditor-access", "router:hx.canonical.discharge-summary.v1:0"])
    }

    @Test func inputsOutsideTheCanonicalFormAreRefused() {
        let bad = [
            AuditInput(topic: Fixture.topic, partition: -1, offset: 0, timestamp: Instant(millisecondsSinceEpoch: 0)),
            AuditInput(topic: Fixture.topic, partition: 0, offset: -5, timestamp: Instant(millisecondsSinceEpoch: 0)),
            AuditInput(topic: Fixture.topic, partition: 0, offset: 0, timestamp: Instant(millisecondsSinceEpoch: -1)),
        ]
        for input in bad {
            #expect(throws: AuditBuildError.self) {
                try AuditRecordBuilder.deadLetter(input: input, reasonCode: "x", value: [], configurationDigest: Fixture.digest)
            }
        }
    }
}
