import HXCanonical

/// The review queue, worked out from what is on Kafka and nothing else: the
/// held messages of `hx.review.v1` less those with a resolution on
/// `hx.review-resolution.v1`. So it survives any restart, and every reader
/// (console, `hx review`, metrics) sees the same queue.
package enum ReviewQueue {
    /// The open items, oldest first (then by place). A message held twice (the
    /// router redid a batch, or a broker showed an aborted write) is one item,
    /// at its first place.
    package static func open(held: [HeldMessage], resolutions: [ReviewResolution]) -> [HeldMessage] {
        let resolved = Set(resolutions.map(\.item))
        var seen: Set<String> = []
        return held.sorted(by: olderFirst).filter { h in
            !resolved.contains(h.item) && seen.insert(h.item).inserted
        }
    }

    /// The first resolution of each item, in the order they stand on the topic
    /// (one partition per item, so that order is the router's). Later ones are
    /// not applied: the router sees them as repeats.
    package static func effective(_ resolutions: [ReviewResolution]) -> [String: ReviewResolution] {
        var first: [String: ReviewResolution] = [:]
        for r in resolutions where first[r.item] == nil { first[r.item] = r }
        return first
    }

    static func olderFirst(_ a: HeldMessage, _ b: HeldMessage) -> Bool {
        let ta = a.heldAt?.millisecondsSinceEpoch ?? Int64.max, tb = b.heldAt?.millisecondsSinceEpoch ?? Int64.max
        return ta != tb ? ta < tb : a.place < b.place
    }

    /// What operators and the overview see: how many, and the oldest's age in
    /// seconds (nil when empty). No identifier.
    package static func summary(_ open: [HeldMessage], at now: Instant) -> ReviewSummary {
        ReviewSummary(count: open.count, oldestAgeSeconds: open.compactMap { $0.age(at: now) }.max())
    }
}

package struct ReviewSummary: Sendable, Equatable {
    package var count: Int
    package var oldestAgeSeconds: Double?

    package init(count: Int, oldestAgeSeconds: Double?) {
        self.count = count
        self.oldestAgeSeconds = oldestAgeSeconds
    }

    /// "3 held, oldest 2 d 4 h", for people.
    package var text: String {
        guard count > 0, let age = oldestAgeSeconds else { return "\(count) held" }
        return "\(count) held, oldest \(Self.age(age))"
    }

    package static func age(_ seconds: Double) -> String {
        let s = Int(max(0, seconds))
        if s >= 86_400 { return "\(s / 86_400) d \(s % 86_400 / 3_600) h" }
        if s >= 3_600 { return "\(s / 3_600) h \(s % 3_600 / 60) min" }
        if s >= 60 { return "\(s / 60) min" }
        return "\(s) s"
    }
}
