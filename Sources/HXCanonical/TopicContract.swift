/// Topic names of docs/design.md "Topics", spelt once for every component.
package enum HXTopic {
    package static let audit = "hx.audit.ig.v1"
    package static let consent = "hx.consent.v1"
    package static let identity = "hx.identity.v1"
    package static let review = "hx.review.v1"
    /// Reviewers' resolutions of held messages (link or reject), keyed by the held
    /// message's review decision id; the router reads it as an input (docs/design.md
    /// "Identity matching and review").
    package static let reviewResolution = "hx.review-resolution.v1"
    package static let deadLetter = "hx.dlq.v1"
    package static let heartbeat = "hx.heartbeat.v1"
    /// What each recipient's system said about each delivery (`hx deliver run`), keyed by decision id.
    package static let deliveryStatus = "hx.delivery.v1"

    /// Every canonical topic (`MessageType.topic`), in the order of `MessageType`.
    package static var canonicalTopics: [String] { MessageType.allCases.map(\.topic) }
    /// `hx.deliver.<code in lower case>`.
    package static func delivery(_ organisation: String) -> String { "hx.deliver.\(organisation.lowercased())" }
}

/// Kafka header names on our records.
package enum HXHeader {
    package static let messageID = "hx-message-id"
    package static let messageType = "hx-message-type"
    package static let schema = "hx-schema"
    package static let sourceOrganisation = "hx-source-organisation"
    package static let adapter = "hx-adapter"
    /// Which stage wrote a dead letter: `translate` (an adapter) or `router`.
    package static let stage = "hx-stage"
    package static let reasonCode = "hx-reason-code"
    package static let location = "hx-location"
    package static let error = "hx-error"
    /// Set when a dead letter's value is empty because the input was too large for a Kafka record.
    package static let valueOmitted = "hx-value-omitted"
    package static let decisionID = "hx-decision-id"
    package static let agreementID = "hx-agreement-id"
    /// Which router instance wrote an audit record: outside the record, since another may redo the work.
    package static let routerInstance = "hx-router-instance"
    /// Where a router dead letter or review record was read.
    package static let inputTopic = "hx-input-topic"
    package static let inputPartition = "hx-input-partition"
    package static let inputOffset = "hx-input-offset"
    /// On a message re-sent from the dead-letter topic: the dead letter's place, `hx.dlq.v1:P:O`.
    package static let replayOf = "hx-replay-of"
    /// On a consent record: the directive it carries (`hx consent`).
    package static let directive = "hx-directive"
}

/// Consumer-group names, spelt once: `hx acl plan` derives its grants from
/// these, so a group named anywhere else would be refused on a secured cluster.
package enum HXGroup {
    /// The routers' group; its committed positions are where routing has got to.
    package static let router = "hx-router"
    /// The router's chain recovery and consent/identity readers (`router` + `-recovery`, `-reference`).
    package static func routerRecovery(_ routerGroup: String) -> String { routerGroup + "-recovery" }
    package static func routerReference(_ routerGroup: String) -> String { routerGroup + "-reference" }
    package static let auditIndex = "hx-audit-index"
    package static let auditVerify = "hx-audit-verify"
    /// Where `StaffAuditWriter` reads a member of staff's chain head from.
    package static let staffAudit = "hx-staff-audit"
    package static let consentShow = "hx-consent-show"
    /// Every group the console uses starts with this.
    package static let consolePrefix = "hx-console"
    package static let consoleHeartbeats = consolePrefix + "-heartbeats"
    package static let consoleDeadLetters = consolePrefix + "-dead-letters"
    /// Readers of the review queue (`hx.review.v1` and its resolutions) by position; they commit nothing.
    package static let review = "hx-review"
    package static let consoleReview = consolePrefix + "-review"
    /// `hx run`'s own readers (the development stack only).
    package static let runAuditWatch = "hx-run-audit-watch"
    package static let runWatch = "hx-run-watch"
    /// `hx config impact` assigns partitions itself and never commits; librdkafka still wants a group id.
    package static let configImpact = "hx-config-impact"
    /// `hx tail` assigns partitions itself and never commits; librdkafka still wants a group id.
    package static let tail = "hx-tail-unused"
    /// A recipient's group on its delivery topic, `hx-recipient-<code in lower case>`.
    package static func recipient(_ organisation: String) -> String { "hx-recipient-\(organisation.lowercased())" }
    /// The delivery worker's group on a recipient's delivery topic, `hx-deliver-<code in lower case>`
    /// (the exchange's own reader, where `recipient` is the organisation's).
    package static func deliver(_ organisation: String) -> String { "hx-deliver-\(organisation.lowercased())" }
    /// Where a delivery worker reads its audit chain's last records from (by position; it commits nothing).
    package static let deliverRecovery = "hx-deliver-recovery"
}

/// Transactional ids, one per writer so a restarted writer fences its predecessor.
package enum HXTransactionalID {
    package static let routerPrefix = "hx-router-"
    package static let auditorPrefix = "hx-auditor-"
    package static let operatorPrefix = "hx-operator-"
    package static let adminPrefix = "hx-admin-"
    package static func router(instance: String) -> String { routerPrefix + instance }
    /// An auditor's access records (`AuditAccessRecorder`).
    package static func auditor(_ actor: String) -> String { auditorPrefix + actor }
    /// An operator's dead-letter replays (`DeadLetterReplayer`).
    package static func `operator`(_ actor: String) -> String { operatorPrefix + actor }
    /// An admin's records of impact reports run in the console (`ImpactRunRecorder`).
    package static func admin(_ actor: String) -> String { adminPrefix + actor }
    package static let reviewerPrefix = "hx-reviewer-"
    /// A reviewer's resolutions (`ReviewResolver`): one per person, so their chain never forks.
    package static func reviewer(_ actor: String) -> String { reviewerPrefix + actor }
    package static let deliverPrefix = "hx-deliver-"
    /// A recipient's delivery worker: one per recipient, so a second one fences the first
    /// and the recipient's audit chain (`delivery:<code>`) never forks.
    package static func deliver(_ organisation: String) -> String { deliverPrefix + organisation.lowercased() }
}
