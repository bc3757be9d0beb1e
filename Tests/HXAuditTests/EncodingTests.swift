import Crypto
import Foundation
import HXAudit
import HXCanonical
import HXPlace
import Testing

@Suite("Canonical encoding and digests")
struct EncodingTests {
    /// The worked example of docs/audit-chain.md, byte for byte; its hashes
    /// were computed with Python's json and hashlib, an independent implementation.
    static let documentedCanonical = #"{"agreementId":"DSA-HALTON-DISCHARGE-SOCIALCARE-001","agreementVersion":1,"chainId":"router:hx.canonical.discharge-summary.v1:0","configurationDigest":"abababababababababababababababababababababababababababababababab","decisionId":"6f1c1d2e-3a4b-5c6d-8e7f-8091a2b3c4d5","details":{},"inputOffset":42,"inputPartition":0,"inputTopic":"hx.canonical.discharge-summary.v1","kind":"decision","messageId":"31f1c52f-2a85-5b9b-bb77-e8d714f34963","messageType":"discharge-summary","nhsNumber":"9990000743","outcome":"deliver-redacted","previousHash":"0000000000000000000000000000000000000000000000000000000000000000","reasons":["sensitivity-redacted:safeguarding"],"recipient":"HBC-ASC","recipientKind":"adult-social-care","removedFields":["payload.narrative","payload.followUp[1]"],"schema":"hx.audit/1","sequence":1,"source":{"adapter":"test-fixture","organisation":"RWW"},"time":"2026-03-01T16:00:00.000Z"}"#
    static let documentedHash = "55ed930f67b391748629d573b6054958d64aace1f9a35ec08e9675cc577a43cd"
    static let documentedKey = AuditKey(bytes: Array("example-key-not-for-production!!".utf8))
    static let documentedHMAC = "a9b4ee2ba24e513a0f58fa382a2479d98d649cfb86a6073a172d75620f91e7fc"

    @Test func documentedExampleIsByteExact() {
        var chain = AuditChain.router(topic: Fixture.topic, partition: 0, key: Self.documentedKey)
        let record = chain.append(Fixture.documentedEntry)
        #expect(String(decoding: record.canonicalBytes, as: UTF8.self) == Self.documentedCanonical)
        #expect(record.hash == Self.documentedHash)
        #expect(record.hmac == Self.documentedHMAC)
        // The wire form is the canonical form with hash and hmac in their sorted places.
        let wire = String(decoding: record.wireBytes, as: UTF8.self)
        #expect(wire.contains(#""details":{},"hash":"\#(Self.documentedHash)","hmac":"\#(Self.documentedHMAC)","inputOffset":42"#))
    }

    @Test func theDocumentationShowsTheseBytes() throws {
        let doc = try String(contentsOf: packageRoot.appendingPathComponent("docs/audit-chain.md"), encoding: .utf8)
        #expect(doc.contains("\n" + Self.documentedCanonical + "\n"))
        #expect(doc.contains(Self.documentedHash) && doc.contains(Self.documentedHMAC))
        #expect(doc.contains("(one line, \(Self.documentedCanonical.utf8.count) bytes)"))
        #expect(doc.contains(AuditIdentifiers.namespace.uuidString.lowercased()))
    }

    @Test func hashIsOverCanonicalBytesWhichIncludePreviousHashButNotHashOrHMAC() {
        let records = Fixture.chain(2, key: Self.documentedKey)
        let text = String(decoding: records[1].canonicalBytes, as: UTF8.self)
        #expect(text.contains(#""previousHash":"\#(records[0].hash)""#))
        #expect(!text.contains("\"hash\""))
        #expect(!text.contains("\"hmac\""))
        #expect(records[1].hash == Hex.string(Crypto.SHA256.hash(data: records[1].canonicalBytes)))
    }

    @Test func stringsAreEscapedAsRFC8785() {
        let s = "q\"b\\s/\u{8}\u{9}\u{A}\u{C}\u{D}\u{1}\u{1F}\u{7F}é\u{2028}😀"
        let expected = "\"q\\\"b\\\\s/\\b\\t\\n\\f\\r\\u0001\\u001f\u{7F}é\u{2028}😀\""
        #expect(AuditJSON.string(s).text == expected)
        // No normalisation: precomposed and decomposed é are different bytes.
        #expect(AuditJSON.string("\u{E9}").bytes != AuditJSON.string("e\u{301}").bytes)
    }

    @Test func membersAreSortedByUTF16CodeUnits() {
        // UTF-8 byte order would put U+FF21 before U+10000; UTF-16 order (RFC 8785) puts it after.
        let object = AuditJSON.object(["b": .int(1), "a": .null, "\u{FF21}": .bool(true), "\u{10000}": .bool(false), "B": .int(-7)])
        #expect(object.text == "{\"B\":-7,\"a\":null,\"b\":1,\"\u{10000}\":false,\"\u{FF21}\":true}")
        #expect(AuditJSON.array([.int(0), .strings(["x"]), .object([:])]).text == #"[0,["x"],{}]"#)
    }

    @Test func sha256KnownVectors() {
        // FIPS 180-4 examples, through swift-crypto as the chain uses it.
        #expect(AuditHashing.sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(AuditHashing.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(AuditHashing.sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func hmacSHA256KnownVectors() {
        // RFC 4231 test cases 1 and 2.
        let k1 = AuditKey(bytes: [UInt8](repeating: 0x0b, count: 20))
        #expect(AuditHashing.hmacHex(Array("Hi There".utf8), key: k1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let k2 = AuditKey(bytes: Array("Jefe".utf8))
        #expect(AuditHashing.hmacHex(Array("what do ya want for nothing?".utf8), key: k2)
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(AuditHashing.hmacMatches("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                                         bytes: Array("what do ya want for nothing?".utf8), key: k2))
        #expect(!AuditHashing.hmacMatches(nil, bytes: [], key: k2))
        #expect(String(describing: k2) == "AuditKey(32 bits)")
    }

    @Test func wireFormRoundTripsAndRefusesNonCanonicalBytes() throws {
        let keyed = Fixture.chain(3, key: Self.documentedKey)
        let unkeyed = Fixture.chain(1)
        for record in keyed + unkeyed {
            #expect(try AuditRecord(wire: record.wireBytes) == record)
            // JSONEncoder/JSONDecoder (Codable) agree with the canonical form.
            let viaCodable = try JSONDecoder().decode(AuditRecord.self, from: JSONEncoder().encode(record))
            #expect(viaCodable.wireBytes == record.wireBytes)
        }
        #expect(String(decoding: unkeyed[0].wireBytes, as: UTF8.self).contains(#""hmac":null"#))

        let text = String(decoding: keyed[0].wireBytes, as: UTF8.self)
        let spaced = text.replacingOccurrences(of: "\"kind\":", with: "\"kind\": ")
        #expect(throws: AuditRecordDecodingError.notCanonical) { try AuditRecord(wire: Array(spaced.utf8)) }
        let extra = text.replacingOccurrences(of: "{\"agreementId\"", with: "{\"added\":1,\"agreementId\"")
        #expect(throws: AuditRecordDecodingError.notCanonical) { try AuditRecord(wire: Array(extra.utf8)) }
        // A field left out is not read as null.
        let dropped = text.replacingOccurrences(of: "\"nhsNumber\":\"9990000379\",", with: "")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AuditRecord.self, from: Data(dropped.utf8)) }
        #expect(throws: AuditRecordDecodingError.self) { try AuditRecord(wire: Array(dropped.utf8)) }
        let otherSchema = text.replacingOccurrences(of: "hx.audit/1", with: "hx.audit/2")
        #expect(throws: AuditRecordDecodingError.self) { try AuditRecord(wire: Array(otherSchema.utf8)) }
        #expect(throws: AuditRecordDecodingError.self) { try AuditRecord(wire: Array("not json".utf8)) }
    }

    @Test func timesHaveOneSpelling() {
        #expect(AuditTime.rfc3339(Instant(millisecondsSinceEpoch: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(AuditTime.rfc3339(Instant(rfc3339: "2026-03-01T16:00:00+01:00")!) == "2026-03-01T15:00:00.000Z")
        #expect(AuditTime.rfc3339(Instant(rfc3339: "2024-02-29T23:59:59.999Z")!) == "2024-02-29T23:59:59.999Z")
        #expect(AuditTime.rfc3339(Instant(rfc3339: "9999-12-31T23:59:59.999Z")!) == "9999-12-31T23:59:59.999Z")
        // Kafka's "no timestamp".
        #expect(AuditTime.rfc3339(Instant(millisecondsSinceEpoch: -1)) == nil)
    }

    @Test func decisionIdsAreVersion5AndDependOnMessageAndRecipient() {
        let m = CanonicalMessage.deriveID(sourceOrganisation: "RWW", sourceMessageID: "WHH-ADT-0002")
        let a = AuditIdentifiers.decisionId(messageId: m, recipient: "HBC-ASC")
        #expect(a == AuditIdentifiers.decisionId(messageId: m, recipient: "HBC-ASC"))
        #expect(a != AuditIdentifiers.decisionId(messageId: m, recipient: "HUB-RUNCORN-2"))
        #expect(a == a.lowercased())
        let chars = Array(a)
        #expect(chars.count == 36 && chars[14] == "5" && "89ab".contains(chars[19]))
        // Pinned (computed with Python's uuid.uuid5): decision ids must never change for the same input.
        #expect(AuditIdentifiers.decisionId(messageId: UUID(uuidString: "31f1c52f-2a85-5b9b-bb77-e8d714f34963")!, recipient: "HBC-ASC")
            == "593ffdab-1f0f-5151-96c2-1c76517b0b2b")
    }
}
