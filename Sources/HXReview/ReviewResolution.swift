import Foundation
import HXCanonical
import HXPolicy

/// A held message's place on `hx.review.v1`, written `P-O` on a shell and
/// `hx.review.v1:P:O` in audit records.
package struct ReviewPlace: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    package var partition: Int32
    package var offset: Int64

    package init(partition: Int32, offset: Int64) {
        self.partition = partition
        self.offset = offset
    }

    /// `P-O`, as `hx review list` prints it.
    package init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let p = Int32(parts[0]), let o = Int64(parts[1]), p >= 0, o >= 0 else { return nil }
        self.init(partition: p, offset: o)
    }

    package var description: String { "\(partition)-\(offset)" }
    package var logPosition: String { "\(HXTopic.review):\(partition):\(offset)" }
    package static func < (a: Self, b: Self) -> Bool { (a.partition, a.offset) < (b.partition, b.offset) }
}

/// A reviewer's resolution of one held message, as it stands on
/// `hx.review-resolution.v1` (keyed by `item`) for the router to decide the
/// message afresh. It carries the held message's bytes, so the router's step
/// stays a function of its input record alone. The reason is not here: it is
/// in the reviewer's audit record (`identity-resolution`), whose decision id
/// is `id`.
package struct ReviewResolution: Sendable, Equatable {
    package static let schema = "hx.review-resolution/1"

    package enum Action: String, Sendable, Codable, CaseIterable {
        case link
        case reject
    }

    /// The resolution's id: its audit record's decision id, named by the router's decisions.
    package var id: String
    /// The held message's review decision id.
    package var item: String
    package var place: ReviewPlace
    /// The held message's id (lower case).
    package var messageId: String
    package var action: Action
    /// Only for `link`.
    package var nhsNumber: NHSNumber?
    package var reviewer: String
    /// When the reviewer resolved it (their clock).
    package var resolvedAt: Instant
    /// The held message as it was received.
    package var message: [UInt8]

    package init(
        id: String, item: String, place: ReviewPlace, messageId: String, action: Action, nhsNumber: NHSNumber?, reviewer: String,
        resolvedAt: Instant, message: [UInt8]
    ) {
        self.id = id
        self.item = item
        self.place = place
        self.messageId = messageId
        self.action = action
        self.nhsNumber = nhsNumber
        self.reviewer = reviewer
        self.resolvedAt = resolvedAt
        self.message = message
    }

    /// What the router applies.
    package var verdict: ReviewVerdict {
        switch (action, nhsNumber) {
        case (.link, let n?): .link(n)
        default: .reject
        }
    }

    private struct Wire: Codable {
        var schema: String
        var id: String
        var item: String
        var partition: Int32
        var offset: Int64
        var messageId: String
        var action: Action
        var nhsNumber: String?
        var reviewer: String
        var resolvedAt: Int64
        var message: Data
    }

    /// Sorted keys, no escaped slashes: the same resolution always has the same bytes.
    package var wireBytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let wire = Wire(
            schema: Self.schema, id: id, item: item, partition: place.partition, offset: place.offset, messageId: messageId,
            action: action, nhsNumber: nhsNumber?.digits, reviewer: reviewer, resolvedAt: resolvedAt.millisecondsSinceEpoch,
            message: Data(message))
        // Encoding strings, numbers and data cannot fail.
        return Array((try? encoder.encode(wire)) ?? Data())
    }

    package init(wire bytes: [UInt8]) throws(ReviewResolutionError) {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(bytes))
        } catch {
            throw ReviewResolutionError(code: "review-resolution-malformed", message: "not a review resolution")
        }
        guard wire.schema == Self.schema else {
            throw ReviewResolutionError(code: "review-resolution-schema-unsupported", message: "schema \(wire.schema)")
        }
        var number: NHSNumber?
        if let text = wire.nhsNumber {
            do { number = try NHSNumber(text) } catch {
                throw ReviewResolutionError(code: "review-resolution-nhs-number-invalid", message: "the NHS number fails its check")
            }
        }
        guard (wire.action == .link) == (number != nil) else {
            throw ReviewResolutionError(code: "review-resolution-malformed", message: "a link needs an NHS number, a rejection has none")
        }
        self.init(
            id: wire.id, item: wire.item, place: ReviewPlace(partition: wire.partition, offset: wire.offset), messageId: wire.messageId,
            action: wire.action, nhsNumber: number, reviewer: wire.reviewer,
            resolvedAt: Instant(millisecondsSinceEpoch: wire.resolvedAt), message: Array(wire.message))
    }
}

package struct ReviewResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    package var code: String
    package var message: String
    package var description: String { "\(code): \(message)" }
}
