/// Which partition of `hx.audit.ig.v1` holds a chain. The router names the
/// partition itself rather than leaving it to the producer's partitioner,
/// because recovery must know where to read a chain's head; the function is
/// Kafka's default (murmur2 of the key, as the Java client and librdkafka's
/// `murmur2_random` compute it), so any other tool agrees on where a chain id lives.
package enum AuditPlacement {
    package static func partition(chainId: String, partitions: Int32) -> Int32 {
        precondition(partitions > 0, "the audit topic has no partitions")
        return Int32((murmur2(Array(chainId.utf8)) & 0x7fff_ffff) % UInt32(partitions))
    }

    /// Kafka's murmur2 (seed 0x9747b28c), over little-endian 4-byte words.
    static func murmur2(_ data: [UInt8]) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: data.count)
        let whole = data.count / 4
        for i in 0..<whole {
            let b = i * 4
            var k = UInt32(data[b]) | UInt32(data[b + 1]) << 8 | UInt32(data[b + 2]) << 16 | UInt32(data[b + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = whole * 4
        switch data.count % 4 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            fallthrough
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            fallthrough
        case 1:
            h ^= UInt32(data[tail])
            h = h &* m
        default:
            break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return h
    }
}
