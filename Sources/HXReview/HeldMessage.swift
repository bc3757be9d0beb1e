import Foundation
import HXCanonical

/// One record of `hx.review.v1`: a message the router held because it could
/// not tell who it is about, with where it was held and why.
package struct HeldMessage: Sendable, Equatable {
    package var place: ReviewPlace
    /// The router's review decision id (`hx-decision-id`): the item's id.
    package var item: String
    package var reasonCode: String
    /// The record's timestamp: the input's, so when the message arrived.
    package var heldAt: Instant?
    /// Where the router read it (`hx.canonical...:P:O`).
    package var input: String?
    /// The canonical message as received.
    package var value: [UInt8]

    package init(place: ReviewPlace, item: String, reasonCode: String, heldAt: Instant?, input: String?, value: [UInt8]) {
        self.place = place
        self.item = item
        self.reasonCode = reasonCode
        self.heldAt = heldAt
        self.input = input
        self.value = value
    }

    /// The held message, when it reads as one (the router wrote only canonical messages here).
    package var message: CanonicalMessage? { try? CanonicalJSON.decode(value) }

    /// Seconds since it was held; nil without a timestamp.
    package func age(at now: Instant) -> Double? {
        heldAt.map { Double(now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch) / 1000 }
    }
}
