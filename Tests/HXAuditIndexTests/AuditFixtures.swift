import HXAudit
import HXAuditIndex
import HXCanonical
import HXPlace

/// Audit records as the router makes them: entries sealed into router chains
/// by HXAudit's `AuditChain`, read from `hx.audit.ig.v1` at increasing offsets.
enum AuditFixtures {
    static let auditTopic = "hx.audit.ig.v1"
    static let digest = String(repeating: "ab", count: 32)
    static let inputTopic = "hx.canonical.discharge-summary.v1"
    /// 2026-03-01T16:00:00.000Z
    static let baseTime: Int64 = 1_772_380_800_000

    /// NHS numbers from the test range (999 000 xxxx).
    static let nhsNumbers = ["9990000379", "9990000743", "9990001014", "9990001375"]
    static let sources = ["RWW", "RBN"]
    static let recipients = ["N81035", "N81037", "HBC-ASC"]
    static let agreements = ["DSA-HALTON-DISCHARGE-001", "DSA-HALTON-DISCHARGE-SOCIALCARE-001"]

    static func time(_ seconds: Int) -> String {
        AuditTime.rfc3339(Instant(millisecondsSinceEpoch: baseTime + Int64(seconds) * 1000))!
    }

    /// A decision entry; `n` makes it distinct and sets its time (n seconds after the base).
    static func decision(
        _ n: Int, partition: Int = 0, nhsNumber: String? = nhsNumbers[0], source: String = "RWW",
        recipient: String = "N81035", outcome: AuditOutcome = .deliver, reasons: [String] = [],
        agreementId: String? = agreements[0], seconds: Int? = nil
    ) -> AuditEntry {
        let messageId = CanonicalMessage.deriveID(sourceOrganisation: source, sourceMessageID: "MSG-\(partition)-\(n)")
        return AuditEntry(
            kind: .decision, decisionId: AuditIdentifiers.decisionId(messageId: messageId, recipient: recipient),
            time: time(seconds ?? n), messageId: messageId.uuidString.lowercased(), messageType: "discharge-summary",
            nhsNumber: nhsNumber, source: AuditSource(organisation: source, adapter: "whh-pas-discharge"), recipient: recipient,
            recipientKind: recipient == "HBC-ASC" ? "adult-social-care" : "gp-practice", outcome: outcome, reasons: reasons,
            agreementId: outcome == .deny ? nil : agreementId, agreementVersion: outcome == .deny ? nil : 3,
            removedFields: outcome == .deliverRedacted ? ["payload.narrative"] : [], configurationDigest: digest,
            inputTopic: inputTopic, inputPartition: partition, inputOffset: n)
    }

    /// A dead-letter entry (no subject, no recipient).
    static func deadLetter(_ n: Int, partition: Int = 0) -> AuditEntry {
        AuditEntry(
            kind: .deadLetter, decisionId: AuditIdentifiers.deadLetterId(topic: inputTopic, partition: partition, offset: n),
            time: time(n), reasons: ["not-canonical"], configurationDigest: digest, details: ["bytesDigest": digest],
            inputTopic: inputTopic, inputPartition: partition, inputOffset: n)
    }

    /// Seals `entries` as the router chain of input `partition`, read from audit
    /// partition `partition` starting at `firstOffset`.
    static func chain(_ entries: [AuditEntry], partition: Int = 0, firstOffset: Int64 = 0) -> [IndexedAuditRecord] {
        var chain = AuditChain.router(topic: inputTopic, partition: partition)
        return entries.enumerated().map { i, e in
            IndexedAuditRecord(record: chain.append(e), topic: auditTopic, partition: partition, offset: firstOffset + Int64(i))
        }
    }

    /// `count` plain decisions on one chain.
    static func simpleChain(_ count: Int, partition: Int = 0) -> [IndexedAuditRecord] {
        chain((1...count).map { decision($0, partition: partition) }, partition: partition)
    }

    static func chainId(partition: Int) -> String { AuditChain.routerChainId(topic: inputTopic, partition: partition) }

    /// The position after the last of `records` for each partition.
    static func positions(after records: [IndexedAuditRecord]) -> [AuditTopicPosition] {
        var next: [Int: Int64] = [:]
        for r in records { next[r.partition] = max(next[r.partition] ?? 0, r.offset + 1) }
        return next.map { AuditTopicPosition(topic: auditTopic, partition: $0.key, nextOffset: $0.value) }
    }

    /// The same decision id with different content, sealed at the same place in
    /// its chain (as a forger or a faulty writer would produce), read at `offset`.
    static func conflicting(_ original: IndexedAuditRecord, offset: Int64) -> IndexedAuditRecord {
        var changed = original.record
        changed.outcome = .deny
        changed.reasons = ["forged"]
        let resealed = AuditHashing.seal(changed, key: nil)
        return IndexedAuditRecord(record: resealed, topic: auditTopic, partition: original.partition, offset: offset)
    }
}
