import Crypto
import Foundation

/// The digests the exchange computes, all through swift-crypto, and the one
/// hex encoder their text forms use.
package enum Digests {
    /// SHA-1, only where a standard prescribes it (name-based UUIDs, RFC 9562)
    /// or as a content fingerprint; never for a security property.
    package static func sha1Hex(_ bytes: [UInt8]) -> String {
        Hex.string(sha1(bytes))
    }

    package static func sha256Hex(_ bytes: [UInt8]) -> String {
        var hash = SHA256()
        bytes.withUnsafeBytes { hash.update(bufferPointer: $0) }
        return Hex.string(hash.finalize())
    }

    package static func hmacSHA256Hex(_ bytes: [UInt8], key: [UInt8]) -> String {
        Hex.string(HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: key)))
    }

    /// Whether `hex` is the HMAC-SHA256 of `bytes`: swift-crypto compares in
    /// constant time, so a forger learns nothing from timing.
    package static func hmacSHA256Matches(_ hex: String, bytes: [UInt8], key: [UInt8]) -> Bool {
        guard Hex.isDigest(hex), let code = Hex.decode(hex) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: bytes, using: SymmetricKey(data: key))
    }

    /// The digest itself. Through `update(bufferPointer:)`, not the generic
    /// `hash(data:)`: on the router's path (several ids per input) the generic
    /// entry point's run-time type look-ups cost more than the hashing.
    package static func sha1(_ bytes: [UInt8]) -> Insecure.SHA1Digest {
        var hash = Insecure.SHA1()
        bytes.withUnsafeBytes { hash.update(bufferPointer: $0) }
        return hash.finalize()
    }
}

/// Lower-case hexadecimal, the form every digest in our records takes.
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    package static func encode<S: Sequence>(_ bytes: S) -> [UInt8] where S.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }

    package static func string<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        String(decoding: encode(bytes), as: UTF8.self)
    }

    /// The bytes of lower- or upper-case hex text; nil when it is not whole bytes of hex digits.
    package static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let high = value(chars[i]), let low = value(chars[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    /// True for exactly 64 lower-case hex digits: a SHA-256 or HMAC-SHA256 value.
    package static func isDigest(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
