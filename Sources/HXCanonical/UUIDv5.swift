import Crypto
import Foundation

/// Name-based UUIDs, version 5 (RFC 9562 section 5.5).
package enum UUIDv5 {
    package static func make(namespace: UUID, name: String) -> UUID {
        make(namespace: namespace, name: Array(name.utf8))
    }

    /// The name as its UTF-8 bytes, for callers that build it as bytes.
    package static func make(namespace: UUID, name: [UInt8]) -> UUID {
        var input: [UInt8] = []
        input.reserveCapacity(16 + name.count)
        withUnsafeBytes(of: namespace.uuid) { input.append(contentsOf: $0) }
        input.append(contentsOf: name)
        // The first 16 of SHA-1's 20 bytes, read in place: no array per id.
        return Digests.sha1(input).withUnsafeBytes { d in
            UUID(uuid: (
                d[0], d[1], d[2], d[3], d[4], d[5], (d[6] & 0x0F) | 0x50 /* version 5 */, d[7],
                (d[8] & 0x3F) | 0x80 /* RFC variant */, d[9], d[10], d[11], d[12], d[13], d[14], d[15]
            ))
        }
    }
}

extension UUID {
    /// `uuidString.lowercased()`, the spelling RFC 9562 asks for and every id
    /// in our records takes, written without the two intermediate strings.
    package var lowerCaseString: String {
        var out = JSONBytes(capacity: 36)
        out.lowerCaseUUID(uuid)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}

extension CanonicalMessage {
    /// Fixed namespace of One Halton Exchange message ids. Never change it:
    /// every stored id, audit record and decision id depends on it.
    package static let idNamespace = UUID(uuidString: "5b1f3c2e-8d47-4a69-9e0b-6c2f1a7d3e58")!

    /// The message id is a function of where the message came from, so a
    /// re-sent or replayed source message gets the same id (and the router's
    /// de-duplication by id works across restarts).
    package static func deriveID(sourceOrganisation: String, sourceMessageID: String) -> UUID {
        UUIDv5.make(namespace: idNamespace, name: sourceOrganisation + "|" + sourceMessageID)
    }
}
