import Foundation
import Testing
@testable import HXCanonical

/// Digests goes through swift-crypto; these pin the wrapper (hex form,
/// constant-time HMAC check) to published vectors.
@Suite struct DigestTests {
    @Test(arguments: [
        // FIPS 180 / RFC 3174.
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ])
    func sha1Vectors(input: String, digest: String) {
        #expect(Digests.sha1Hex(Array(input.utf8)) == digest)
    }

    @Test(arguments: [
        // FIPS 180-4 / NIST CSRC examples.
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256Vectors(input: String, digest: String) {
        #expect(Digests.sha256Hex(Array(input.utf8)) == digest)
    }

    @Test func hmacMatchesOnlyTheRightCode() {
        // RFC 4231 test case 2.
        let key = Array("Jefe".utf8), data = Array("what do ya want for nothing?".utf8)
        let code = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        #expect(Digests.hmacSHA256Hex(data, key: key) == code)
        #expect(Digests.hmacSHA256Matches(code, bytes: data, key: key))
        #expect(!Digests.hmacSHA256Matches(code, bytes: data + [0], key: key))
        #expect(!Digests.hmacSHA256Matches(code.uppercased(), bytes: data, key: key), "only the lower-case form is a record's HMAC")
        #expect(!Digests.hmacSHA256Matches(String(code.dropLast()), bytes: data, key: key))
    }

    @Test func hexRoundTrips() {
        let bytes: [UInt8] = [0x00, 0x0f, 0xa5, 0xff]
        #expect(Hex.string(bytes) == "000fa5ff")
        #expect(Hex.decode("000fa5ff") == bytes && Hex.decode("000FA5FF") == bytes)
        #expect(Hex.decode("0g") == nil && Hex.decode("abc") == nil)
    }
}

@Suite struct MessageIDTests {
    @Test func uuidV5MatchesRFCExample() {
        // uuid5(NAMESPACE_DNS, "python.org"), as Python's uuid module gives it.
        let dns = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        #expect(UUIDv5.make(namespace: dns, name: "python.org").uuidString.lowercased() == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
    }

    @Test func lowerCaseStringIsUUIDStringLowercased() {
        for n in 0..<1_000 {
            let id = n % 2 == 0 ? UUID() : CanonicalMessage.deriveID(sourceOrganisation: "RWW", sourceMessageID: "\(n)")
            #expect(id.lowerCaseString == id.uuidString.lowercased())
        }
    }

    @Test func derivedIDIsStableAndVersion5() {
        let id = CanonicalMessage.deriveID(sourceOrganisation: "RWW", sourceMessageID: "MSG00001")
        // Computed independently with Python: uuid.uuid5(namespace, "RWW|MSG00001").
        #expect(id.uuidString.lowercased() == "dfafe21b-dcd0-5e74-8315-765a7382f6a3")
        #expect(id == CanonicalMessage.deriveID(sourceOrganisation: "RWW", sourceMessageID: "MSG00001"))
        #expect(id != CanonicalMessage.deriveID(sourceOrganisation: "RBN", sourceMessageID: "MSG00001"))
        #expect(id != CanonicalMessage.deriveID(sourceOrganisation: "RWW", sourceMessageID: "MSG00002"))
        // The separator keeps ("AB", "C") and ("A", "BC") apart.
        #expect(CanonicalMessage.deriveID(sourceOrganisation: "AB", sourceMessageID: "C")
            != CanonicalMessage.deriveID(sourceOrganisation: "A", sourceMessageID: "BC"))
    }
}
