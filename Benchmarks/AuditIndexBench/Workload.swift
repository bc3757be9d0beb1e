import HXAudit
import HXAuditIndex
import HXCanonical
import HXPlace
import HXWorkload

/// Synthetic but router-shaped audit records: messages keyed by NHS number onto
/// input partitions (one chain each), one to three decisions per message
/// (practice, hub, social care), outcomes and reasons in plausible proportions,
/// times spread evenly over a year. NHS numbers are from the 999 test range.
struct Workload {
    static let inputTopic = "hx.canonical.discharge-summary.v1"
    static let auditTopic = "hx.audit.ig.v1"
    static let digest = String(repeating: "ab", count: 32)
    static let start: Int64 = 1_735_689_600_000  // 2025-01-01T00:00:00Z
    static let year: Int64 = 365 * 86_400_000

    let total: Int
    let subjects: [String]
    let practices = (1...30).map { "PLACEHOLDER-GP-\($0)" }
    let hubs = ["PLACEHOLDER-HUB-WIDNES-1", "PLACEHOLDER-HUB-WIDNES-2", "PLACEHOLDER-HUB-RUNCORN-1", "PLACEHOLDER-HUB-RUNCORN-2"]
    let sources = ["RWW", "RBN", "RY2"]

    private var random: SplitMix64
    private var chains: [AuditChain]
    private var nextOffset: [Int64]
    private var message = 0
    private(set) var produced = 0

    init(total: Int, subjects: Int, chains: Int, seed: UInt64) {
        self.total = total
        random = SplitMix64(seed: seed)
        self.subjects = (0..<subjects).map { i in
            let digits = String(i)
            return "999" + String(repeating: "0", count: 7 - digits.count) + digits
        }
        self.chains = (0..<chains).map { AuditChain.router(topic: Self.inputTopic, partition: $0) }
        nextOffset = Array(repeating: 0, count: chains)
    }

    /// A random subject that has records (for searches).
    mutating func randomSubject() -> String { subjects[Int(random.next() % UInt64(subjects.count))] }

    /// The next `count` records (fewer at the end).
    mutating func next(_ count: Int) -> [IndexedAuditRecord] {
        var out: [IndexedAuditRecord] = []
        out.reserveCapacity(count + 3)
        while out.count < count, produced < total {
            out.append(contentsOf: nextMessage())
        }
        return out
    }

    private mutating func nextMessage() -> [IndexedAuditRecord] {
        message += 1
        let nhs = subjects[Int(random.next() % UInt64(subjects.count))]
        let partition = Int(UInt64(nhs)! % UInt64(chains.count))
        let source = sources[Int(random.next() % 3)]
        let time = AuditTime.rfc3339(Instant(millisecondsSinceEpoch: Self.start + Int64(produced) * Self.year / Int64(max(total, 1))))!
        let messageId = CanonicalMessage.deriveID(sourceOrganisation: source, sourceMessageID: "BENCH-\(message)")
        let practice = practices[Int(UInt64(nhs)! % 30)]
        var recipients = [practice, hubs[Int(UInt64(nhs)! % 4)], "HBC-ASC"]
        recipients.removeLast(Int(random.next() % 3))
        var records: [IndexedAuditRecord] = []
        for recipient in recipients where produced < total {
            let roll = random.next() % 100
            let outcome: AuditOutcome = roll < 80 ? .deliver : roll < 90 ? .deliverRedacted : roll < 98 ? .deny : .review
            let reasons: [String] =
                switch outcome {
                case .deliver: []
                case .deliverRedacted: ["sensitivity-redacted:safeguarding"]
                case .deny: ["no-agreement"]
                case .review: ["identity-unresolved"]
                case .rejected: ["identity-rejected"]
                }
            let entry = AuditEntry(
                kind: .decision, decisionId: AuditIdentifiers.decisionId(messageId: messageId, recipient: recipient), time: time,
                messageId: messageId.uuidString.lowercased(), messageType: "discharge-summary", nhsNumber: nhs,
                source: AuditSource(organisation: source, adapter: "whh-pas-discharge"), recipient: recipient,
                recipientKind: recipient == "HBC-ASC" ? "adult-social-care" : recipient.contains("HUB") ? "hub-team" : "gp-practice",
                outcome: outcome, reasons: reasons, agreementId: outcome == .deny ? nil : "DSA-HALTON-DISCHARGE-001",
                agreementVersion: outcome == .deny ? nil : 3, removedFields: outcome == .deliverRedacted ? ["payload.narrative"] : [],
                configurationDigest: Self.digest, inputTopic: Self.inputTopic, inputPartition: partition, inputOffset: message)
            let record = chains[partition].append(entry)
            records.append(IndexedAuditRecord(record: record, topic: Self.auditTopic, partition: partition, offset: nextOffset[partition]))
            nextOffset[partition] += 1
            produced += 1
        }
        return records
    }
}
