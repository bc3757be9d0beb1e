import Foundation
import HXCanonical
import HXPolicy

/// What a reviewer asks for: link a held message to an NHS number, or reject it.
package struct ResolutionRequest: Sendable, Equatable {
    /// The held message: its place `P-O` or its review decision id.
    package var item: String
    package var action: ReviewResolution.Action
    /// As typed (10 digits or 3-3-4); only for `link`.
    package var nhsNumber: String?
    /// Why, in the reviewer's words; required.
    package var reason: String
    package var reviewer: String

    package init(item: String, action: ReviewResolution.Action, nhsNumber: String?, reason: String, reviewer: String) {
        self.item = item
        self.action = action
        self.nhsNumber = nhsNumber
        self.reason = reason
        self.reviewer = reviewer
    }
}

/// Why a resolution was refused, with a stable code (exit 65 on a shell).
package struct ResolutionRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Code: String, Sendable, CaseIterable {
        case itemUnknown = "review-item-unknown"
        case alreadyResolved = "review-already-resolved"
        case reasonMissing = "review-reason-missing"
        case reviewerMissing = "review-reviewer-missing"
        case nhsNumberMissing = "review-nhs-number-missing"
        case nhsNumberInvalid = "review-nhs-number-invalid"
        case nhsNumberUnexpected = "review-nhs-number-unexpected"
        case messageUnreadable = "review-message-unreadable"
    }

    package var code: Code
    package var message: String

    package init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(message) [\(code.rawValue)]" }
}

/// The rules a resolution must pass before anything is written (pure).
package enum ResolutionRules {
    /// A reason is required and kept as typed, but within bounds: it goes into an audit record.
    package static let reasonLimit = 2_000

    /// The held message and the verdict, or why not. `held` and `resolutions`
    /// are everything on the two topics (`ReviewQueue`'s inputs).
    package static func check(
        _ request: ResolutionRequest, held: [HeldMessage], resolutions: [ReviewResolution]
    ) throws(ResolutionRefusal) -> (HeldMessage, ReviewVerdict) {
        let reviewer = request.reviewer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reviewer.isEmpty else { throw ResolutionRefusal(code: .reviewerMissing, message: "who is resolving it must be named") }
        let reason = request.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw ResolutionRefusal(code: .reasonMissing, message: "a reason is required") }
        guard reason.count <= reasonLimit else {
            throw ResolutionRefusal(code: .reasonMissing, message: "the reason is longer than \(reasonLimit) characters")
        }
        let place = ReviewPlace(request.item)
        let matching = held.filter { $0.item == request.item || $0.place == place }
        guard let item = matching.min(by: ReviewQueue.olderFirst) else {
            throw ResolutionRefusal(code: .itemUnknown, message: "no held message \(request.item) on \(HXTopic.review)")
        }
        if let done = resolutions.first(where: { $0.item == item.item }) {
            throw ResolutionRefusal(code: .alreadyResolved, message: "held message \(item.place) was resolved already (\(done.action.rawValue), resolution \(done.id))")
        }
        guard item.message != nil else {
            throw ResolutionRefusal(code: .messageUnreadable, message: "held message \(item.place) is not a canonical message")
        }
        switch request.action {
        case .reject:
            guard request.nhsNumber?.isEmpty ?? true else {
                throw ResolutionRefusal(code: .nhsNumberUnexpected, message: "a rejection names no NHS number")
            }
            return (item, .reject)
        case .link:
            guard let text = request.nhsNumber?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                throw ResolutionRefusal(code: .nhsNumberMissing, message: "a link needs an NHS number")
            }
            do {
                return (item, .link(try NHSNumber(text)))
            } catch {
                // The check digit catches a mistyped number before it sends a record to another person's GP.
                throw ResolutionRefusal(code: .nhsNumberInvalid, message: "\(error.code): not a valid NHS number")
            }
        }
    }
}
