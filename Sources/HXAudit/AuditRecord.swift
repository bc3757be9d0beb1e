import Foundation

/// What an audit record is about. Every kind is chained, hashed and verified
/// the same way; only the content fields that apply are set.
package enum AuditRecordKind: String, Codable, Sendable, CaseIterable {
    /// The router's decision for one message and one candidate recipient.
    case decision
    /// An input on a canonical topic that was not a canonical message: sent to
    /// hx.dlq.v1, and recorded so the chain accounts for every input offset.
    case deadLetter = "dead-letter"
    /// The router began deciding with a configuration of a new digest.
    case configurationReloaded = "configuration-reloaded"
    /// An auditor looked at patient data (who, what query): recorded by the console.
    case auditorAccess = "auditor-access"
    /// A member of staff re-sent a dead letter after a fix: which one, by whom,
    /// and the ids of the messages it became. Recorded by the console and `hx dlq replay`.
    case deadLetterReplay = "dead-letter-replay"
    /// What a recipient's system said about one delivery (sent, acknowledged,
    /// retrying, failed, overdue), in the recipient's chain `delivery:<code>`;
    /// `details.decision` names the decision it closes. Written by `hx deliver run`.
    case deliveryStatus = "delivery-status"
    /// An IG lead ran the impact report of a proposed configuration in the console:
    /// who, the two configuration digests and the window. Nothing was applied.
    case configurationImpactRun = "configuration-impact-run"
    /// A reviewer linked a message held for review to an NHS number, or rejected it,
    /// with a reason, in the reviewer's chain `reviewer:<name>`; written before the
    /// resolution reaches the router, whose decisions name it (`details.resolution`).
    case identityResolution = "identity-resolution"
}

/// docs/design.md "Information governance": the outcome of one decision.
package enum AuditOutcome: String, Codable, Sendable, CaseIterable {
    case deliver
    case deliverRedacted = "deliver-redacted"
    case deny
    case review
    /// A held message a reviewer rejected: decided, delivered nowhere.
    case rejected
}

package struct AuditSource: Codable, Sendable, Equatable {
    /// ODS code of the sending organisation.
    package var organisation: String
    /// Adapter name.
    package var adapter: String

    package init(organisation: String, adapter: String) {
        self.organisation = organisation
        self.adapter = adapter
    }
}

/// The content of an audit record: everything but its place in a chain.
/// Built by `AuditRecordBuilder`, sealed into an `AuditRecord` by `AuditChain`.
package struct AuditEntry: Sendable, Equatable {
    package var kind: AuditRecordKind
    /// Lower-case UUID. For decisions, derived from message id + recipient;
    /// for other kinds, from what makes the record unique (see the builder).
    package var decisionId: String
    /// RFC 3339 UTC with milliseconds: the input record's timestamp.
    package var time: String
    package var messageId: String?
    /// Canonical message type, e.g. `discharge-summary`.
    package var messageType: String?
    /// Ten digits; nil when the subject has none (review) or the kind has no subject.
    package var nhsNumber: String?
    package var source: AuditSource?
    /// Organisation code, or `review`.
    package var recipient: String?
    package var recipientKind: String?
    package var outcome: AuditOutcome?
    package var reasons: [String]
    package var agreementId: String?
    package var agreementVersion: Int?
    package var removedFields: [String]
    /// `PlaceConfiguration.configurationDigest` in force when the record was made.
    package var configurationDigest: String
    /// Kind-specific facts that have no field of their own (e.g. the digest of a
    /// dead letter's bytes, an auditor's query). Empty for decisions, but for
    /// one whose NHS number scored matching found (`identityScore`, `identityFields`).
    package var details: [String: String]
    /// Where the input was read; nil for kinds with no input record (auditor access).
    package var inputTopic: String?
    package var inputPartition: Int?
    package var inputOffset: Int?

    package init(
        kind: AuditRecordKind, decisionId: String, time: String, messageId: String? = nil, messageType: String? = nil,
        nhsNumber: String? = nil, source: AuditSource? = nil, recipient: String? = nil, recipientKind: String? = nil,
        outcome: AuditOutcome? = nil, reasons: [String] = [], agreementId: String? = nil, agreementVersion: Int? = nil,
        removedFields: [String] = [], configurationDigest: String, details: [String: String] = [:],
        inputTopic: String? = nil, inputPartition: Int? = nil, inputOffset: Int? = nil
    ) {
        self.kind = kind
        self.decisionId = decisionId
        self.time = time
        self.messageId = messageId
        self.messageType = messageType
        self.nhsNumber = nhsNumber
        self.source = source
        self.recipient = recipient
        self.recipientKind = recipientKind
        self.outcome = outcome
        self.reasons = reasons
        self.agreementId = agreementId
        self.agreementVersion = agreementVersion
        self.removedFields = removedFields
        self.configurationDigest = configurationDigest
        self.details = details
        self.inputTopic = inputTopic
        self.inputPartition = inputPartition
        self.inputOffset = inputOffset
    }
}

/// One record of `hx.audit.ig.v1` (docs/design.md "Information governance"):
/// an entry sealed into its chain. Content fields are reached directly
/// (`record.recipient`) through the entry.
@dynamicMemberLookup
package struct AuditRecord: Sendable, Equatable {
    /// Names the record format; part of the hashed bytes, so a future format
    /// cannot be confused with this one.
    package static let schemaIdentifier = "hx.audit/1"

    package var entry: AuditEntry
    /// `router:<topic>:<partition>` for the router's chains.
    package var chainId: String
    /// 1 for a chain's first record, then one more per record.
    package var sequence: Int
    /// The previous record's `hash`; 64 zeros for sequence 1.
    package var previousHash: String
    /// Lower-case hex SHA-256 of `canonicalBytes`.
    package var hash: String
    /// Lower-case hex HMAC-SHA256 of `canonicalBytes`, when the writer holds a key.
    package var hmac: String?

    package init(entry: AuditEntry, chainId: String, sequence: Int, previousHash: String, hash: String, hmac: String?) {
        self.entry = entry
        self.chainId = chainId
        self.sequence = sequence
        self.previousHash = previousHash
        self.hash = hash
        self.hmac = hmac
    }

    package subscript<T>(dynamicMember path: WritableKeyPath<AuditEntry, T>) -> T {
        get { entry[keyPath: path] }
        set { entry[keyPath: path] = newValue }
    }

    // MARK: Byte forms

    /// The JSON value of the record; `hash` and `hmac` only when `sealed`. The
    /// definition of the byte forms below, which write the same bytes directly
    /// (`canonicalJSON(sealed:)`, tested against this).
    package func json(sealed: Bool) -> AuditJSON {
        let e = entry
        var members: [String: AuditJSON] = [
            "schema": .string(Self.schemaIdentifier),
            "kind": .string(e.kind.rawValue),
            "decisionId": .string(e.decisionId),
            "time": .string(e.time),
            "messageId": .optional(e.messageId),
            "messageType": .optional(e.messageType),
            "nhsNumber": .optional(e.nhsNumber),
            "source": e.source.map { .object(["organisation": .string($0.organisation), "adapter": .string($0.adapter)]) } ?? .null,
            "recipient": .optional(e.recipient),
            "recipientKind": .optional(e.recipientKind),
            "outcome": .optional(e.outcome?.rawValue),
            "reasons": .strings(e.reasons),
            "agreementId": .optional(e.agreementId),
            "agreementVersion": .optional(e.agreementVersion),
            "removedFields": .strings(e.removedFields),
            "configurationDigest": .string(e.configurationDigest),
            "details": .object(e.details.mapValues(AuditJSON.string)),
            "chainId": .string(chainId),
            "inputTopic": .optional(e.inputTopic),
            "inputPartition": .optional(e.inputPartition),
            "inputOffset": .optional(e.inputOffset),
            "sequence": .int(sequence),
            "previousHash": .string(previousHash),
        ]
        if sealed {
            members["hash"] = .string(hash)
            members["hmac"] = .optional(hmac)
        }
        return .object(members)
    }

    /// The bytes `hash` and `hmac` are computed over: every field but those two.
    package var canonicalBytes: [UInt8] { canonicalJSON(sealed: false) }

    /// The Kafka record value: every field, `hash` and `hmac` included (`hmac`
    /// null when unkeyed), in the same canonical form.
    package var wireBytes: [UInt8] { canonicalJSON(sealed: true) }

    /// Reads a Kafka record value, insisting on the canonical form: bytes that
    /// decode but are not exactly what `wireBytes` would write (extra fields,
    /// other spacing or escaping) are refused, since the hash would not cover
    /// the difference.
    package init(wire bytes: [UInt8]) throws(AuditRecordDecodingError) {
        let record: AuditRecord
        do {
            record = try JSONDecoder().decode(AuditRecord.self, from: Data(bytes))
        } catch {
            throw AuditRecordDecodingError.invalid(String(describing: error))
        }
        guard record.wireBytes == bytes else { throw AuditRecordDecodingError.notCanonical }
        self = record
    }
}

package enum AuditRecordDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not JSON, or not an audit record of this schema.
    case invalid(String)
    /// An audit record, but not in the canonical byte form.
    case notCanonical

    package var code: String {
        switch self {
        case .invalid: "audit-record-invalid"
        case .notCanonical: "audit-record-not-canonical"
        }
    }

    package var description: String {
        switch self {
        case .invalid(let why): "\(code): \(why)"
        case .notCanonical: "\(code): the bytes are not the record's canonical form"
        }
    }
}

extension AuditRecord: Codable {
    enum CodingKeys: String, CodingKey {
        case schema, kind, decisionId, time, messageId, messageType, nhsNumber, source, recipient, recipientKind
        case outcome, reasons, agreementId, agreementVersion, removedFields, configurationDigest, details
        case chainId, inputTopic, inputPartition, inputOffset, sequence, previousHash, hash, hmac
    }

    // Every field is written, absent ones as null, so the record's shape never
    // depends on its content; `wireBytes` is the byte form to use for Kafka.
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let e = entry
        try c.encode(Self.schemaIdentifier, forKey: .schema)
        try c.encode(e.kind, forKey: .kind)
        try c.encode(e.decisionId, forKey: .decisionId)
        try c.encode(e.time, forKey: .time)
        try c.encode(e.messageId, forKey: .messageId)
        try c.encode(e.messageType, forKey: .messageType)
        try c.encode(e.nhsNumber, forKey: .nhsNumber)
        try c.encode(e.source, forKey: .source)
        try c.encode(e.recipient, forKey: .recipient)
        try c.encode(e.recipientKind, forKey: .recipientKind)
        try c.encode(e.outcome, forKey: .outcome)
        try c.encode(e.reasons, forKey: .reasons)
        try c.encode(e.agreementId, forKey: .agreementId)
        try c.encode(e.agreementVersion, forKey: .agreementVersion)
        try c.encode(e.removedFields, forKey: .removedFields)
        try c.encode(e.configurationDigest, forKey: .configurationDigest)
        try c.encode(e.details, forKey: .details)
        try c.encode(chainId, forKey: .chainId)
        try c.encode(e.inputTopic, forKey: .inputTopic)
        try c.encode(e.inputPartition, forKey: .inputPartition)
        try c.encode(e.inputOffset, forKey: .inputOffset)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(previousHash, forKey: .previousHash)
        try c.encode(hash, forKey: .hash)
        try c.encode(hmac, forKey: .hmac)
    }

    // Every field must be present (null where absent) so that a record with a
    // field dropped is not silently read as one with the field null.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let schema = try c.decode(String.self, forKey: .schema)
        guard schema == Self.schemaIdentifier else {
            throw DecodingError.dataCorruptedError(
                forKey: .schema, in: c, debugDescription: "unsupported schema \(schema.debugDescription), expected \(Self.schemaIdentifier)")
        }
        entry = AuditEntry(
            kind: try c.decode(AuditRecordKind.self, forKey: .kind),
            decisionId: try c.decode(String.self, forKey: .decisionId),
            time: try c.decode(String.self, forKey: .time),
            messageId: try c.decode(String?.self, forKey: .messageId),
            messageType: try c.decode(String?.self, forKey: .messageType),
            nhsNumber: try c.decode(String?.self, forKey: .nhsNumber),
            source: try c.decode(AuditSource?.self, forKey: .source),
            recipient: try c.decode(String?.self, forKey: .recipient),
            recipientKind: try c.decode(String?.self, forKey: .recipientKind),
            outcome: try c.decode(AuditOutcome?.self, forKey: .outcome),
            reasons: try c.decode([String].self, forKey: .reasons),
            agreementId: try c.decode(String?.self, forKey: .agreementId),
            agreementVersion: try c.decode(Int?.self, forKey: .agreementVersion),
            removedFields: try c.decode([String].self, forKey: .removedFields),
            configurationDigest: try c.decode(String.self, forKey: .configurationDigest),
            details: try c.decode([String: String].self, forKey: .details),
            inputTopic: try c.decode(String?.self, forKey: .inputTopic),
            inputPartition: try c.decode(Int?.self, forKey: .inputPartition),
            inputOffset: try c.decode(Int?.self, forKey: .inputOffset))
        chainId = try c.decode(String.self, forKey: .chainId)
        sequence = try c.decode(Int.self, forKey: .sequence)
        previousHash = try c.decode(String.self, forKey: .previousHash)
        hash = try c.decode(String.self, forKey: .hash)
        hmac = try c.decode(String?.self, forKey: .hmac)
    }
}
