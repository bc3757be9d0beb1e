import Foundation
import HXAudit
import HXCanonical
import HXKafka
import HXPlace
import HXSerial
import HXStaffAudit
import Logging

/// The dead-letter topic as operators see it: every dead letter's headers,
/// read incrementally (each call reads only what arrived since the last), and
/// a dead letter's bytes read again by position when someone allowed to see
/// them asks.
package actor DeadLetterStore {
    /// The group id of its reader (by position; it commits nothing).
    package static let readerGroup = HXGroup.consoleDeadLetters
    let client: KafkaClientConfiguration
    let logger: Logger
    private var letters: [DeadLetterRef: DeadLetter] = [:]
    private var next: [Int32: Int64] = [:]
    private var reader: KafkaConsumer?
    /// The reader reads one partition at a time; two page loads must not interleave on it.
    private let gate = SerialGate()

    package init(client: KafkaClientConfiguration, logger: Logger = Logger(label: "hx.operations.dead-letters")) {
        self.client = client
        self.logger = logger
    }

    /// Every dead letter so far, newest first.
    package func all() async throws -> [DeadLetter] {
        try await gate.run { try await refresh() }
        return letters.values.sorted { ($0.writtenAt ?? .distantPast, $0.ref) > ($1.writtenAt ?? .distantPast, $1.ref) }
    }

    package func letter(_ ref: DeadLetterRef) async throws -> DeadLetter? {
        try await self.letters([ref]).first
    }

    /// Those of `refs` that are dead letters, in the order given, after one read of what is new.
    package func letters(_ refs: [DeadLetterRef]) async throws -> [DeadLetter] {
        try await gate.run { try await refresh() }
        return refs.compactMap { letters[$0] }
    }

    /// The dead letter's value (the rejected input). Callers record access first.
    package func value(_ ref: DeadLetterRef) async throws -> [UInt8]? {
        try await gate.run { try await read(ref) }
    }

    private func read(_ ref: DeadLetterRef) async throws -> [UInt8]? {
        let reader = try self.consumer()
        var found: [UInt8]?
        struct Found: Error {}
        do {
            _ = try await reader.readToEnd(KafkaTopicPartition(topic: HXTopic.deadLetter, partition: ref.partition), from: ref.offset) { m in
                if m.offset == ref.offset { found = m.value }
                throw Found()
            }
        } catch is Found {}
        return found
    }

    package func close() async {
        await gate.run {
            await reader?.close()
            reader = nil
        }
    }

    private func refresh() async throws {
        guard let topic = try await KafkaAdmin(configuration: client).describeCluster().topic(HXTopic.deadLetter) else {
            throw KafkaError(code: .unknownTopicOrPartition, message: "topic \(HXTopic.deadLetter) does not exist; run `hx topics apply`")
        }
        let reader = try consumer()
        for partition in topic.partitions.map(\.id) {
            var seen: [DeadLetter] = []
            let end = try await reader.readToEnd(KafkaTopicPartition(topic: HXTopic.deadLetter, partition: partition), from: next[partition] ?? 0) { m in
                seen.append(DeadLetter(message: m))
            }
            for letter in seen { letters[letter.ref] = letter }
            next[partition] = end
        }
    }

    private func consumer() throws -> KafkaConsumer {
        if let reader { return reader }
        let made = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: Self.readerGroup), logger: logger)
        reader = made
        return made
    }
}

/// What a replay did for one dead letter.
package struct ReplayOutcome: Sendable, Equatable {
    package init(ref: DeadLetterRef, verdict: ReplayItem.Verdict, auditSequence: Int?, auditDecisionId: String?) {
        self.ref = ref
        self.verdict = verdict
        self.auditSequence = auditSequence
        self.auditDecisionId = auditDecisionId
    }

    package var ref: DeadLetterRef
    package var verdict: ReplayItem.Verdict
    /// Sequence of the audit record in the replaying person's chain, when replayed.
    package var auditSequence: Int?
    package var auditDecisionId: String?
}

/// Re-sends dead letters: the planned records and one `dead-letter-replay`
/// audit record per dead letter, in the replaying person's chain
/// (`operator:<actor>`), in one Kafka transaction, so that no replay goes
/// unrecorded and no record claims a replay that did not happen.
package struct DeadLetterReplayer: Sendable {
    let writer: StaffAuditWriter
    let configurationDigest: String

    package init(client: KafkaClientConfiguration, key: AuditKey?, configurationDigest: String, logger: Logger) {
        writer = StaffAuditWriter(client: client, key: key, logger: logger)
        self.configurationDigest = configurationDigest
    }

    package static func chainId(actor: String) -> String { "operator:\(actor)" }

    /// Replays the ready items; the others are returned as they are, unsent.
    package func replay(_ items: [ReplayItem], actor: String, role: String, actorName: String? = nil, at time: Date = Date()) async throws -> [ReplayOutcome] {
        let ready = items.filter(\.isReady)
        let requestId = UUID().uuidString.lowercased()
        let instant = Instant(time)
        var entries: [AuditEntry] = []
        for item in ready {
            guard case .ready(let ids) = item.verdict else { continue }
            entries.append(try AuditRecordBuilder.deadLetterReplay(
                requestId: requestId, time: instant, actor: actor, role: role, deadLetter: item.deadLetter.ref.logPosition,
                deadLetterId: item.deadLetter.id, reasonCode: item.deadLetter.reasonCode, adapter: item.deadLetter.adapter,
                messageIds: ids, configurationDigest: configurationDigest, actorName: actorName))
        }
        var records: [AuditRecord] = []
        if !entries.isEmpty {
            records = try await writer.append(
                entries, chainId: Self.chainId(actor: actor), transactionalID: HXTransactionalID.operator(actor),
                alongside: ready.flatMap(\.records))
        }
        let byPlace = Dictionary(records.map { ($0.details["deadLetter"] ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        return items.map { item in
            let record = byPlace[item.deadLetter.ref.logPosition]
            return ReplayOutcome(ref: item.deadLetter.ref, verdict: item.verdict, auditSequence: record?.sequence, auditDecisionId: record?.decisionId)
        }
    }
}
