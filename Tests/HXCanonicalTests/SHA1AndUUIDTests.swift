import Foundation
import Testing
@testable import HXCanonical

@Suite struct SHA1Tests {
    // FIPS 180 / RFC 3174 test vectors.
    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA1.hexDigest(Array(input.utf8)) == digest)
    }

    @Test func millionAs() {
        #expect(SHA1.hexDigest([UInt8](repeating: 0x61, count: 1_000_000)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test func incrementalUpdatesMatchOneShot() {
        // Block-boundary lengths: padding spills into a second block at 56+.
        for length in Array(0...200) + [1_000, 4_096] {
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            var sha = SHA1()
            sha.update(data.prefix(length / 3))
            sha.update(data.dropFirst(length / 3))
            #expect(sha.finalize() == SHA1.hash(data), "length \(length)")
        }
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
