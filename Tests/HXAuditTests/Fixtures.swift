import Foundation
import HXAudit
import HXCanonical
import HXPlace
import HXPolicy

/// The package root (holds `config/`, as the main repository does).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

enum Fixture {
    static let digest = String(repeating: "ab", count: 32)
    static let topic = "hx.canonical.discharge-summary.v1"

    /// The record docs/audit-chain.md works through, before sealing.
    static var documentedEntry: AuditEntry {
        AuditEntry(
            kind: .decision, decisionId: "6f1c1d2e-3a4b-5c6d-8e7f-8091a2b3c4d5", time: "2026-03-01T16:00:00.000Z",
            messageId: "31f1c52f-2a85-5b9b-bb77-e8d714f34963", messageType: "discharge-summary", nhsNumber: "9990000743",
            source: AuditSource(organisation: "RWW", adapter: "test-fixture"), recipient: "HBC-ASC",
            recipientKind: "adult-social-care", outcome: .deliverRedacted, reasons: ["sensitivity-redacted:safeguarding"],
            agreementId: "DSA-HALTON-DISCHARGE-SOCIALCARE-001", agreementVersion: 1,
            removedFields: ["payload.narrative", "payload.followUp[1]"], configurationDigest: digest,
            inputTopic: topic, inputPartition: 0, inputOffset: 42)
    }

    /// A synthetic decision entry, distinct for each `n`.
    static func entry(_ n: Int, recipient: String = "N81035") -> AuditEntry {
        let messageId = CanonicalMessage.deriveID(sourceOrganisation: "RWW", sourceMessageID: "MSG-\(n)")
        return AuditEntry(
            kind: .decision, decisionId: AuditIdentifiers.decisionId(messageId: messageId, recipient: recipient),
            time: AuditTime.rfc3339(Instant(millisecondsSinceEpoch: 1_772_380_800_000 + Int64(n) * 1000))!,
            messageId: messageId.uuidString.lowercased(), messageType: "discharge-summary", nhsNumber: "9990000379",
            source: AuditSource(organisation: "RWW", adapter: "whh-pas-discharge"), recipient: recipient,
            recipientKind: "gp-practice", outcome: .deliver, reasons: [], agreementId: "DSA-HALTON-DISCHARGE-001",
            agreementVersion: 3, removedFields: ["payload.narrative"], configurationDigest: digest,
            inputTopic: topic, inputPartition: 0, inputOffset: n)
    }

    /// Records 1…count of one router chain.
    static func chain(_ count: Int, partition: Int = 0, key: AuditKey? = nil) -> [AuditRecord] {
        var chain = AuditChain.router(topic: topic, partition: partition, key: key)
        return (1...count).map { n in
            var e = entry(n + partition * 1000)
            e.inputPartition = partition
            return chain.append(e)
        }
    }

    /// Re-seals a changed record with a correct hash, as a forger without the key could.
    static func resealed(_ r: AuditRecord) -> AuditRecord { AuditHashing.seal(r, key: nil) }

    static func configuration() throws -> PlaceConfiguration {
        try PlaceConfiguration.load(directory: packageRoot.appendingPathComponent("config"))
    }

    static func message(_ name: String) throws -> CanonicalMessage {
        let url = packageRoot.appendingPathComponent("config/tests/messages/\(name).json")
        return try CanonicalJSON.decode(try Data(contentsOf: url))
    }
}
