/// The message ids of a chain's last `capacity` audit records, so that a
/// message an adapter sent again (an MLLP sender that never got its ACK
/// resends) is recognised and not decided a second time: its decisions would
/// carry the same decision ids at another place in the chain, which the
/// verifier rightly calls a conflict.
///
/// Defined by the chain alone (the last N records, whatever the router's
/// history), so recovery rebuilds exactly the set the router had, and a
/// redone input is judged a repeat or not exactly as the first time.
package struct RecentMessages: Sendable {
    /// Records of a chain remembered: at Halton's volumes days of traffic, at
    /// 1,000 messages a second spread over 18 partitions a few minutes.
    package static let defaultCapacity = 5_000

    package let capacity: Int
    private var ring: [String?]
    private var next = 0
    private var counts: [String: Int] = [:]

    package init(capacity: Int = defaultCapacity) {
        precondition(capacity > 0)
        self.capacity = capacity
        ring = []
        ring.reserveCapacity(min(capacity, 1024))
    }

    package func contains(_ messageId: String) -> Bool { counts[messageId] != nil }

    /// Appends one record's message id (nil for records without one), forgetting the oldest beyond capacity.
    package mutating func append(_ messageId: String?) {
        if ring.count < capacity {
            ring.append(messageId)
        } else {
            if let old = ring[next] {
                counts[old]! -= 1
                if counts[old] == 0 { counts[old] = nil }
            }
            ring[next] = messageId
            next = (next + 1) % capacity
        }
        if let messageId { counts[messageId, default: 0] += 1 }
    }

    package var count: Int { ring.count }
}
