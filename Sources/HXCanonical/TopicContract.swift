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
}
