// SHA-1 (FIPS 180-4), written here because Foundation on Linux has no
// CommonCrypto. Used only for name-based (version 5) UUIDs, where SHA-1 is
// what RFC 9562 prescribes; it is not used for any security property.

public struct SHA1: Sendable {
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    /// The bytes of a block not yet complete (fewer than 64).
    private var pending: [UInt8] = []
    private var totalLength: UInt64 = 0

    public init() {}

    /// One-shot digest (20 bytes).
    public static func hash<S: Sequence>(_ bytes: S) -> [UInt8] where S.Element == UInt8 {
        if let digest = bytes.withContiguousStorageIfAvailable(oneShot) { return digest }
        var sha = SHA1()
        sha.update(bytes)
        return sha.finalize()
    }

    /// A digest with the padded tail on the stack: no buffer of pending bytes, as a
    /// UUID's name (under 64 bytes, one or two blocks) never needs one.
    private static func oneShot(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var sha = SHA1()
        let whole = bytes.count / 64 * 64
        for offset in stride(from: 0, to: whole, by: 64) { compress(&sha.h, bytes.baseAddress! + offset) }
        let rest = bytes.count - whole
        let padded = rest < 56 ? 64 : 128
        let bitLength = UInt64(bytes.count) &* 8
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
            for i in 0..<rest { tail[i] = bytes[whole + i] }
            tail[rest] = 0x80
            for i in (rest + 1)..<(padded - 8) { tail[i] = 0 }
            for i in 0..<8 { tail[padded - 8 + i] = UInt8(truncatingIfNeeded: bitLength >> UInt64(56 - 8 * i)) }
            compress(&sha.h, UnsafePointer(tail.baseAddress!))
            if padded == 128 { compress(&sha.h, UnsafePointer(tail.baseAddress! + 64)) }
        }
        return sha.digest
    }

    private var digest: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(20)
        for word in [h.0, h.1, h.2, h.3, h.4] {
            out.append(UInt8(truncatingIfNeeded: word >> 24))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word))
        }
        return out
    }

    /// Lower-case hexadecimal digest, as the published test vectors are written.
    public static func hexDigest<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        hash(bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    // Whole blocks are compressed where they lie: every decision id is a SHA-1,
    // so the router computes several per input.
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ update(contiguous: $0) }) == nil {
            Array(bytes).withUnsafeBufferPointer { update(contiguous: $0) }
        }
    }

    private mutating func update(contiguous bytes: UnsafeBufferPointer<UInt8>) {
        totalLength &+= UInt64(bytes.count)
        var i = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            i = take
            guard pending.count == 64 else { return }
            let block = pending
            block.withUnsafeBufferPointer { Self.compress(&h, $0.baseAddress!) }
            pending.removeAll(keepingCapacity: true)
        }
        while bytes.count - i >= 64 {
            Self.compress(&h, bytes.baseAddress! + i)
            i += 64
        }
        if i < bytes.count { pending.append(contentsOf: bytes[i...]) }
    }

    public mutating func finalize() -> [UInt8] {
        let bitLength = totalLength &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        tail.withUnsafeBufferPointer { buffer in
            for offset in stride(from: 0, to: buffer.count, by: 64) { Self.compress(&h, buffer.baseAddress! + offset) }
        }
        pending.removeAll()
        return digest
    }

    /// One 64-byte block into the state; the message schedule lives on the stack.
    private static func compress(_ h: inout (UInt32, UInt32, UInt32, UInt32, UInt32), _ block: UnsafePointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            for i in 0..<16 {
                w[i] = UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16
                    | UInt32(block[4 * i + 2]) << 8 | UInt32(block[4 * i + 3])
            }
            for i in 16..<80 {
                w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1)
            }
            var (a, b, c, d, e) = h
            func round(_ f: UInt32, _ k: UInt32, _ wi: UInt32) {
                let temp = rotl(a, 5) &+ f &+ e &+ k &+ wi
                e = d
                d = c
                c = rotl(b, 30)
                b = a
                a = temp
            }
            for i in 0..<20 { round((b & c) | (~b & d), 0x5A82_7999, w[i]) }
            for i in 20..<40 { round(b ^ c ^ d, 0x6ED9_EBA1, w[i]) }
            for i in 40..<60 { round((b & c) | (b & d) | (c & d), 0x8F1B_BCDC, w[i]) }
            for i in 60..<80 { round(b ^ c ^ d, 0xCA62_C1D6, w[i]) }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
        }
    }

    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }
}
