import Foundation
import HXCanonical
import HXPlace
import HXPolicy
import Testing
@testable import HXAudit

/// The audit record's bytes written directly (`canonicalBytes`, `wireBytes`) against
/// the AuditJSON tree (`json(sealed:)`), the reference they replaced: byte for byte,
/// over fixtures, every kind of entry, awkward strings and numbers, and the records
/// the router makes for real messages; and chains sealed with the reference's bytes
/// (as the old code wrote them) verify and resume with the new code.
@Suite struct AuditBytesDifferentialTests {
    static func check(_ r: AuditRecord, sourceLocation: SourceLocation = #_sourceLocation) {
        for (actual, reference) in [(r.canonicalBytes, r.json(sealed: false).bytes), (r.wireBytes, r.json(sealed: true).bytes)] where actual != reference {
            // Shown as text, but compared as bytes: Swift strings would call é and e + U+0301 equal.
            Issue.record("bytes differ:\n\(String(decoding: actual, as: UTF8.self))\nreference:\n\(String(decoding: reference, as: UTF8.self))",
                         sourceLocation: sourceLocation)
        }
    }

    /// A chain sealed the way the old code sealed it: SHA-256 (and HMAC) over the reference bytes.
    static func referenceChain(_ entries: [AuditEntry], id: String, key: AuditKey?) -> [AuditRecord] {
        var previous = AuditHashing.genesisHash
        return entries.enumerated().map { n, entry in
            var r = AuditRecord(entry: entry, chainId: id, sequence: n + 1, previousHash: previous, hash: "", hmac: nil)
            let bytes = r.json(sealed: false).bytes
            r.hash = AuditHashing.sha256Hex(bytes)
            r.hmac = key.map { AuditHashing.hmacHex(bytes, key: $0) }
            previous = r.hash
            return r
        }
    }

    static let key = AuditKey(bytes: Array("0123456789abcdef0123456789abcdef".utf8))

    @Test func fixtures() {
        for r in Fixture.chain(20) + Fixture.chain(20, partition: 3, key: Self.key) { Self.check(r) }
        var chain = AuditChain.router(topic: Fixture.topic, partition: 0)
        Self.check(chain.append(Fixture.documentedEntry))
    }

    static let awkward = ["", "\"", "\\", "/", "\u{0}", "\u{1F}", "\u{7F}", "é", "e\u{301}", "😀", "\u{2028}", "\u{FEFF}", "\u{10FFFF}",
                          "tab\tnew\nline\r", "\u{8}\u{C}", String(repeating: "x", count: 2_000)]

    /// Every kind, every optional absent and present, awkward strings, numbers at their limits,
    /// details with names that sort differently by UTF-8 and UTF-16.
    @Test func generatedEntries() {
        var random = Seeded(8785)
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        func text() -> String { random.next() % 3 == 0 ? pick(Self.awkward) : pick(["RWW", "HBC-ASC", "deliver", "payload.narrative"]) }
        func maybe() -> String? { random.next() % 2 == 0 ? nil : text() }
        func number() -> Int? {
            random.next() % 3 == 0 ? nil : pick([0, 1, 9, 10, 42, 99, 100, 12_345, -1, -10, AuditJSON.maxSafeInteger, -AuditJSON.maxSafeInteger])
        }
        let detailNames = ["stage", "valueSha256", "previousDigest", "B", "a", "\u{FF21}", "\u{10000}", "é", "", "Z9", "z10"]
        var entries: [AuditEntry] = []
        for _ in 0..<1_000 {
            var details: [String: String] = [:]
            for name in detailNames where random.next() % 3 == 0 { details[name] = text() }
            entries.append(AuditEntry(
                kind: pick(AuditRecordKind.allCases), decisionId: text(), time: text(), messageId: maybe(), messageType: maybe(),
                nhsNumber: maybe(), source: random.next() % 2 == 0 ? nil : AuditSource(organisation: text(), adapter: text()),
                recipient: maybe(), recipientKind: maybe(), outcome: random.next() % 3 == 0 ? nil : pick(AuditOutcome.allCases),
                reasons: (0..<Int(random.next() % 4)).map { _ in text() }, agreementId: maybe(), agreementVersion: number(),
                removedFields: (0..<Int(random.next() % 4)).map { _ in text() }, configurationDigest: text(), details: details,
                inputTopic: maybe(), inputPartition: number(), inputOffset: number()))
        }
        var keyed = AuditChain(id: "generated:keyed", key: Self.key)
        var unkeyed = AuditChain(id: text())
        for (n, e) in entries.enumerated() {
            let r: AuditRecord
            if n % 3 == 0 {
                // Sealed for the wire: the wire bytes made from the hashed ones, not written again.
                let (record, wire) = n % 2 == 0 ? keyed.appendForWire(e) : unkeyed.appendForWire(e)
                #expect(wire == record.json(sealed: true).bytes)
                r = record
            } else {
                r = n % 2 == 0 ? keyed.append(e) : unkeyed.append(e)
            }
            Self.check(r)
            // Sealed over the same bytes the reference gives.
            #expect(r.hash == AuditHashing.sha256Hex(r.json(sealed: false).bytes))
        }
        // Sequence numbers of every width.
        for sequence in [1, 9, 10, 99, 100, 123_456_789, AuditJSON.maxSafeInteger - 1] {
            Self.check(AuditRecord(entry: entries[0], chainId: "c", sequence: sequence, previousHash: AuditHashing.genesisHash, hash: "h", hmac: nil))
            Self.check(AuditRecord(entry: entries[1], chainId: "c", sequence: sequence, previousHash: "p", hash: "h", hmac: "m"))
        }
    }

    /// The entries the router makes for real messages: decisions of every outcome, dead letters, reloads.
    @Test func routerEntries() throws {
        let configuration = try Fixture.configuration()
        let folder = packageRoot.appendingPathComponent("config/tests/messages")
        var chain = AuditChain.router(topic: Fixture.topic, partition: 1, key: Self.key)
        var offset = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".json") {
            let message = try CanonicalJSON.decode(try Data(contentsOf: folder.appendingPathComponent(file)))
            let input = AuditInput(topic: message.type.topic, partition: 1, offset: offset, timestamp: Instant(message.occurredAt))
            offset += 1
            let result = PolicyEngine.route(message, configuration: configuration, at: input.timestamp)
            let output = try AuditRecordBuilder.output(
                for: result, message: message, input: input, configurationDigest: configuration.configurationDigest, chain: &chain)
            for r in output.records { Self.check(r) }
            let dead = try AuditRecordBuilder.deadLetter(input: input, reasonCode: "canonical-json-syntax", value: Array(file.utf8),
                                                         configurationDigest: configuration.configurationDigest)
            Self.check(chain.append(dead))
            let reload = try AuditRecordBuilder.configurationReloaded(input: input, previousDigest: Fixture.digest, newDigest: configuration.configurationDigest)
            Self.check(chain.append(reload))
        }
        #expect(offset >= 5)
    }

    /// Decision ids and record times, now built as bytes, as the string code made them.
    @Test func idsAndTimesAsTheStringCodeMadeThem() {
        var random = Seeded(53)
        for n in 0..<500 {
            let message = CanonicalMessage.deriveID(sourceOrganisation: "RWW", sourceMessageID: "M\(n)")
            let recipients = ["HBC-ASC", "N81035", "", "é|x", "review", String(repeating: "R", count: 70 + n % 10)]
            let expected = recipients.map {
                UUIDv5.make(namespace: AuditIdentifiers.namespace, name: "decision|" + message.uuidString.lowercased() + "|" + $0).uuidString.lowercased()
            }
            #expect(AuditIdentifiers.decisionIds(messageId: message, recipients: recipients) == expected)
            #expect(AuditIdentifiers.decisionId(messageId: message, recipient: recipients[n % recipients.count]) == expected[n % recipients.count])

            let ms = n < 2 ? [0, AuditTime.limit - 1][n] : Int64(random.next() % UInt64(AuditTime.limit))
            let (y, mo, d) = UKTime.civilFromDays(Int(ms / 86_400_000))
            let inDay = Int(ms % 86_400_000)
            func pad(_ v: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(v).count)) + String(v) }
            let old = pad(y, 4) + "-" + pad(mo, 2) + "-" + pad(d, 2) + "T" + pad(inDay / 3_600_000, 2) + ":"
                + pad(inDay / 60_000 % 60, 2) + ":" + pad(inDay / 1000 % 60, 2) + "." + pad(inDay % 1000, 3) + "Z"
            #expect(AuditTime.rfc3339(Instant(millisecondsSinceEpoch: ms)) == old)
        }
    }

    /// Chains written by the old code (sealed over AuditJSON's bytes) verify, resume and read back with the new.
    @Test func chainsWrittenByTheReferenceVerifyWithTheNewCode() throws {
        let entries = (1...30).map { Fixture.entry($0) }
        for key in [nil, Self.key] {
            let old = Self.referenceChain(entries, id: AuditChain.routerChainId(topic: Fixture.topic, partition: 0), key: key)
            let report = AuditVerifier(key: key).verify(old)
            #expect(report.isValid, "\(report.problems)")
            #expect(report.chain(old[0].chainId)?.records == 30)
            // Continuing an old chain with the new code: the same records as the old code would make.
            var resumed = try AuditChain.resume(from: old[14], key: key)
            let continued = entries[15...].map { resumed.append($0) }
            #expect(continued.map(\.wireBytes) == old[15...].map { $0.json(sealed: true).bytes })
            for r in old {
                // The stored wire bytes (the old writer's) read back as the same record.
                #expect(try AuditRecord(wire: r.json(sealed: true).bytes) == r)
            }
        }
    }
}

/// A seeded generator (xorshift64*), so a failing case repeats.
struct Seeded {
    var state: UInt64
    init(_ seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
