/// Topic names of docs/design.md "Topics", spelt once for every component.
public enum HXTopic {
    public static let audit = "hx.audit.ig.v1"
    public static let consent = "hx.consent.v1"
    public static let identity = "hx.identity.v1"
    public static let review = "hx.review.v1"
    public static let deadLetter = "hx.dlq.v1"
    public static let heartbeat = "hx.heartbeat.v1"

    /// Every canonical topic (`MessageType.topic`), in the order of `MessageType`.
    public static var canonicalTopics: [String] { MessageType.allCases.map(\.topic) }
    /// `hx.deliver.<code in lower case>`.
    public static func delivery(_ organisation: String) -> String { "hx.deliver.\(organisation.lowercased())" }
}

/// Kafka header names on our records.
public enum HXHeader {
    public static let messageID = "hx-message-id"
    public static let messageType = "hx-message-type"
    public static let schema = "hx-schema"
    public static let sourceOrganisation = "hx-source-organisation"
    public static let adapter = "hx-adapter"
    /// Which stage wrote a dead letter: `translate` (an adapter) or `router`.
    public static let stage = "hx-stage"
    public static let reasonCode = "hx-reason-code"
    public static let location = "hx-location"
    public static let error = "hx-error"
    /// Set when a dead letter's value is empty because the input was too large for a Kafka record.
    public static let valueOmitted = "hx-value-omitted"
    public static let decisionID = "hx-decision-id"
    public static let agreementID = "hx-agreement-id"
    /// Which router instance wrote an audit record: outside the record, since another may redo the work.
    public static let routerInstance = "hx-router-instance"
    /// Where a router dead letter or review record was read.
    public static let inputTopic = "hx-input-topic"
    public static let inputPartition = "hx-input-partition"
    public static let inputOffset = "hx-input-offset"
    /// On a message re-sent from the dead-letter topic: the dead letter's place, `hx.dlq.v1:P:O`.
    public static let replayOf = "hx-replay-of"
    /// On a consent record: the directive it carries (`hx consent`).
    public static let directive = "hx-directive"
}

/// Consumer-group names, spelt once: `hx acl plan` derives its grants from
/// these, so a group named anywhere else would be refused on a secured cluster.
public enum HXGroup {
    /// The routers' group; its committed positions are where routing has got to.
    public static let router = "hx-router"
    /// The router's chain recovery and consent/identity readers (`router` + `-recovery`, `-reference`).
    public static func routerRecovery(_ routerGroup: String) -> String { routerGroup + "-recovery" }
    public static func routerReference(_ routerGroup: String) -> String { routerGroup + "-reference" }
    public static let auditIndex = "hx-audit-index"
    public static let auditVerify = "hx-audit-verify"
    /// Where `StaffAuditWriter` reads a member of staff's chain head from.
    public static let staffAudit = "hx-staff-audit"
    public static let consentShow = "hx-consent-show"
    /// Every group the console uses starts with this.
    public static let consolePrefix = "hx-console"
    public static let consoleHeartbeats = consolePrefix + "-heartbeats"
    public static let consoleDeadLetters = consolePrefix + "-dead-letters"
    /// `hx run`'s own readers (the development stack only).
    public static let runAuditWatch = "hx-run-audit-watch"
    public static let runWatch = "hx-run-watch"
    /// `hx tail` assigns partitions itself and never commits; librdkafka still wants a group id.
    public static let tail = "hx-tail-unused"
    /// A recipient's group on its delivery topic, `hx-recipient-<code in lower case>`.
    public static func recipient(_ organisation: String) -> String { "hx-recipient-\(organisation.lowercased())" }
}

/// Transactional ids, one per writer so a restarted writer fences its predecessor.
public enum HXTransactionalID {
    public static let routerPrefix = "hx-router-"
    public static let auditorPrefix = "hx-auditor-"
    public static let operatorPrefix = "hx-operator-"
    public static func router(instance: String) -> String { routerPrefix + instance }
    /// An auditor's access records (`AuditAccessRecorder`).
    public static func auditor(_ actor: String) -> String { auditorPrefix + actor }
    /// An operator's dead-letter replays (`DeadLetterReplayer`).
    public static func `operator`(_ actor: String) -> String { operatorPrefix + actor }
}
