import Foundation
import HXCanonical
import HXIdentityMatch
import HXPlace

/// Reason codes of docs/design.md "Information governance", the one place they are spelt.
package enum ReasonCode {
    package static let identityUnresolved = "identity-unresolved"
    package static let identityMatched = "identity-matched"
    package static let noAgreement = "no-agreement"
    package static let agreementExpired = "agreement-expired"
    /// Status draft, suspended or retired.
    package static let agreementNotActive = "agreement-not-active"
    /// Status active but `validFrom` is still to come. Not folded into
    /// agreement-not-active: a separate code tells an IG lead the fix is to wait,
    /// not to change the agreement's status (docs/design.md "Reason codes").
    package static let agreementNotYetValid = "agreement-not-yet-valid"
    package static let objection = "objection"
    package static let nationalDataOptOut = "national-data-opt-out"
    /// A reviewer linked the held message to an NHS number; added to every decision for it.
    package static let identityResolved = "identity-resolved"
    /// A reviewer rejected the held message: it goes nowhere.
    package static let identityRejected = "identity-rejected"

    package static func objectionOverridden(_ label: SensitivityLabel) -> String { "objection-overridden:\(label.rawValue)" }
    package static func sensitivityDenied(_ label: SensitivityLabel) -> String { "sensitivity-denied:\(label.rawValue)" }
    package static func sensitivityRedacted(_ label: SensitivityLabel) -> String { "sensitivity-redacted:\(label.rawValue)" }

    /// Every fixed code, for documentation and tests.
    package static let fixed: [String] = [
        identityUnresolved, identityMatched, noAgreement, agreementExpired, agreementNotActive, agreementNotYetValid,
        objection, nationalDataOptOut, identityResolved, identityRejected,
    ]
}

package struct AgreementReference: Sendable, Equatable, CustomStringConvertible {
    package var id: String
    package var version: Int
    package init(id: String, version: Int) {
        self.id = id
        self.version = version
    }
    package var description: String { "\(id) v\(version)" }
}

/// The decision for one message and one candidate recipient.
package struct Decision: Sendable, Equatable {
    package enum Outcome: String, Sendable, CaseIterable {
        case deliver
        case deliverRedacted = "deliver-redacted"
        case deny
        case review
        /// A reviewer rejected the held message (no delivery).
        case rejected
    }

    /// The recipient of a message held for a person to look at (hx.review.v1).
    package static let reviewRecipient = "review"

    /// Organisation code, or `review`.
    package var recipient: String
    /// Organisation kind; `unknown` for a code not in organisations.yaml, `review` for review.
    package var recipientKind: String
    /// The purpose the candidate was considered for; nil for review.
    package var purpose: Purpose?
    package var outcome: Outcome
    /// The agreement judged (also when it failed); nil when none covers the sharing.
    package var agreement: AgreementReference?
    /// The deciding reason first, then what earlier and later steps did.
    package var reasons: [String]
    /// Paths of what was taken out, e.g. `payload.narrative`, `payload.diagnoses[1]`.
    package var removedFields: [String]
    /// What to deliver, after redaction and minimisation; only for deliver and deliver-redacted.
    package var delivery: CanonicalMessage?

    package init(
        recipient: String, recipientKind: String, purpose: Purpose?, outcome: Outcome, agreement: AgreementReference?,
        reasons: [String], removedFields: [String] = [], delivery: CanonicalMessage? = nil
    ) {
        self.recipient = recipient
        self.recipientKind = recipientKind
        self.purpose = purpose
        self.outcome = outcome
        self.agreement = agreement
        self.reasons = reasons
        self.removedFields = removedFields
        self.delivery = delivery
    }

    /// The `hx.deliver.<recipient>` topic, for deliveries.
    package var deliveryTopic: String { HXTopic.delivery(recipient) }
}

/// What a reviewer decided for a message held for review.
package enum ReviewVerdict: Sendable, Equatable {
    /// The subject is this person.
    case link(NHSNumber)
    /// The subject cannot be identified: the message goes nowhere.
    case reject
}

package enum IdentityOutcome: Sendable, Equatable {
    /// The message carried a valid NHS number.
    case present(NHSNumber)
    /// Found by demographic matching: the one person with these details.
    case matched(NHSNumber)
    /// No NHS number and no match: held for review.
    case unresolved
    /// No NHS number and more than one person matches: held for review.
    case ambiguous(candidates: Int)

    package var nhsNumber: NHSNumber? {
        switch self {
        case .present(let n), .matched(let n): n
        case .unresolved, .ambiguous: nil
        }
    }
}

package struct RoutingResult: Sendable, Equatable {
    package var messageId: UUID
    package var identity: IdentityOutcome
    package var decisions: [Decision]
    /// How the subject matched its person, field by field, when scored matching linked it.
    package var identityScore: MatchScore? = nil

    package func decision(for recipient: String) -> Decision? { decisions.first { $0.recipient == recipient } }

    /// `hx route --explain` (docs/design.md "Command line"): keys in the documented
    /// order, one line, so the same decisions always print the same bytes.
    package var explainJSON: String { explain.rendered }

    package var explain: JSONText {
        .object([
            ("messageId", .string(messageId.uuidString.lowercased())),
            ("decisions", .array(decisions.map { d in
                .object([
                    ("recipient", .string(d.recipient)),
                    ("recipientKind", .string(d.recipientKind)),
                    ("outcome", .string(d.outcome.rawValue)),
                    ("agreement", d.agreement.map { .object([("id", .string($0.id)), ("version", .int($0.version))]) } ?? .null),
                    ("reasons", .strings(d.reasons)),
                    ("removedFields", .strings(d.removedFields)),
                ])
            })),
        ])
    }
}
