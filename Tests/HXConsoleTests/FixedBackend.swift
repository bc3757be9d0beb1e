import Foundation
import HXAudit
import HXAuditIndex
import HXCanonical
import HXConsole
import HXImpact
import HXKafka
import HXOperations
import HXPlace
import HXReview
import Synchronization

/// A console backend with fixed answers, which remembers what it was asked:
/// for the route tests, which are about the console's rules, not Kafka.
final class FixedBackend: ConsoleBackend {
    static let nhsNumber = "9434765919"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let placeConfiguration: PlaceConfiguration = {
        do { return try PlaceConfiguration.load(directory: root.appendingPathComponent("config")) } catch { fatalError("config/ does not load: \(error)") }
    }()

    let state = Mutex<(calls: [String], access: [String], replays: [[String: [DeadLetterRef]]])>(([], [], []))
    let failRecording = Mutex(false)

    var calls: [String] { state.withLock { $0.calls } }
    var access: [String] { state.withLock { $0.access } }
    var replays: [[String: [DeadLetterRef]]] { state.withLock { $0.replays } }
    var place: PlaceConfiguration { Self.placeConfiguration }

    private func called(_ name: String) { state.withLock { $0.calls.append(name) } }

    private func record(_ session: StaffSession, _ action: String) throws {
        if failRecording.withLock({ $0 }) { throw KafkaError(code: .timedOut, message: "audit topic unreachable") }
        state.withLock { $0.access.append("\(session.name) \(action)") }
    }

    static let letters = [
        DeadLetter(ref: DeadLetterRef(partition: 0, offset: 4), id: "6b0c4c1e-0000-5000-8000-000000000004", writtenAt: Date(timeIntervalSinceNow: -300),
                   stage: .translate, reasonCode: "csv-column-missing", location: "line 1, column NHS No", adapter: "hbc-adult-social-care",
                   sourceOrganisation: "HBC-ASC", error: "csv-column-missing at line 1, column NHS No", valueOmitted: nil, valueBytes: 120),
        DeadLetter(ref: DeadLetterRef(partition: 1, offset: 9), id: "6b0c4c1e-0000-5000-8000-000000000009", writtenAt: Date(timeIntervalSinceNow: -7200),
                   stage: .router, reasonCode: "canonical-json-syntax", location: "byte 0", adapter: nil,
                   sourceOrganisation: nil, error: nil, valueOmitted: nil, valueBytes: 9),
    ]

    func operations() async throws -> OperationsSnapshot {
        called("operations")
        return OperationsSnapshot(
            takenAt: Date(),
            topics: [TopicStatus(name: "hx.dlq.v1", partitions: [PartitionStatus(partition: 0, low: 0, high: 5)], inPerMinute: 3, outPerMinute: nil)],
            groups: [GroupStatus(id: "hx-router", state: "Stable", partitions: [
                GroupPartitionStatus(topic: "hx.canonical.referral.v1", partition: 0, committed: 100, high: 117)])],
            components: [ComponentHealth(component: "adapter:whh-pas-discharge", kind: "adapter", state: .late, lastBeat: Date(timeIntervalSinceNow: -45),
                                         startedAt: nil, received: 10, published: 9, rejected: 1)])
    }

    static let deliveryRows = [
        DeliveryBoard.Row(recipient: "HBC-ASC", transport: "fhir-http", records: 4, sent: 4, failed: 0, state: .ok,
                          lastSent: "2026-12-04T10:00:00.000Z", lastProblem: nil),
        DeliveryBoard.Row(recipient: "RY2", transport: "mllp", records: 10, sent: 7, failed: 1, state: .failing,
                          lastSent: "2026-12-04T09:00:00.000Z", lastProblem: .init(reason: "mllp-rejected", time: "2026-12-04T09:30:00.000Z")),
        DeliveryBoard.Row(recipient: "N81011", transport: "mesh", records: 3, sent: 3, failed: 0, state: .ok,
                          lastSent: "2026-12-04T08:00:00.000Z",
                          lastProblem: .init(reason: "business-acknowledgement-overdue", time: "2026-12-05T08:00:01.000Z"), overdue: 2),
    ]

    /// What `firingAlerts` answers (nil: no Prometheus configured).
    let alerts = Mutex<FiringAlert.Reading?>(nil)

    func firingAlerts() async -> FiringAlert.Reading? { alerts.withLock { $0 } }

    func deliveries() async throws -> [DeliveryBoard.Row] {
        called("deliveries")
        return Self.deliveryRows
    }

    func decisionsByOutcome(since: Date) async throws -> [AuditOutcome: Int] {
        called("decisionsByOutcome")
        return [.deliver: 42, .deny: 3]
    }

    func deadLetters() async throws -> [DeadLetter] {
        called("deadLetters")
        return Self.letters
    }

    func deadLetter(_ ref: DeadLetterRef) async throws -> DeadLetter? { Self.letters.first { $0.ref == ref } }

    func replayedDeadLetters() async throws -> Set<DeadLetterRef> { [DeadLetterRef(partition: 1, offset: 9)] }

    func deadLetterValue(_ ref: DeadLetterRef, viewer: StaffSession) async throws -> [UInt8]? {
        try record(viewer, "dead-letter-inspect")
        called("deadLetterValue")
        return Array("MSH|^~\\&|PAS\rPID|1||\(Self.nhsNumber)^^^NHS\r".utf8)
    }

    func planReplay(_ refs: [DeadLetterRef]) async throws -> [ReplayItem] {
        called("planReplay")
        return Self.letters.filter { refs.contains($0.ref) }.map { letter in
            ReplayItem(deadLetter: letter, verdict: letter.stage == .translate ? .ready(messageIDs: ["m-1"]) : .notReplayable("router bytes"), records: [])
        }
    }

    func replay(_ refs: [DeadLetterRef], by session: StaffSession) async throws -> [ReplayOutcome] {
        state.withLock { $0.replays.append([session.name: refs]) }
        return try await planReplay(refs).enumerated().map { i, item in
            ReplayOutcome(ref: item.deadLetter.ref, verdict: item.verdict, auditSequence: item.isReady ? i + 1 : nil, auditDecisionId: nil)
        }
    }

    func searchAudit(_ query: AuditQuery, describedAs: String, by session: StaffSession) async throws -> [IndexedAuditRecord] {
        try record(session, "search")
        called("searchAudit")
        var chain = AuditChain(id: "hx.canonical.referral.v1/0")
        let entry = AuditEntry(
            kind: .decision, decisionId: "593ffdab-1f0f-5151-96c2-1c76517b0b2b", time: "2026-11-20T10:00:00.000Z", messageId: "m-1",
            messageType: "referral", nhsNumber: query.nhsNumber, source: AuditSource(organisation: "RWW", adapter: "whh-pas-discharge"),
            recipient: "HBC-ASC", recipientKind: "organisation", outcome: .deliver, reasons: [], agreementId: "DSA-HALTON-DISCHARGE-001",
            agreementVersion: 3, configurationDigest: "d", inputTopic: "hx.canonical.referral.v1", inputPartition: 0, inputOffset: 1)
        return [IndexedAuditRecord(record: chain.append(entry), topic: HXTopic.audit, partition: 0, offset: 0)]
    }

    func subjectAccessReport(nhsNumber: String, by session: StaffSession) async throws -> String {
        try record(session, "subject-access-report")
        return "<!DOCTYPE html><h1>Your record of sharing</h1><p>\(nhsNumber)</p>"
    }

    /// The discharge agreement decided; every other agreement quiet.
    func agreementOutcomeCounts(since: String) async throws -> [String: [AuditOutcome: Int]] {
        called("agreementOutcomeCounts")
        return ["DSA-HALTON-DISCHARGE-001": [.deliver: 42, .deny: 3]]
    }

    /// One stop and one change of form under the discharge agreement, whatever the proposal.
    func impact(of proposed: PlaceConfiguration, named: String, from: Instant, to: Instant, by session: StaffSession) async throws -> ImpactReport {
        try record(session, "impact \(named) \(proposed.configurationDigest)")
        var report = ImpactReport()
        report.inputs = 40
        report.decided = 40
        report.flowsCurrent = 30
        report.flowsProposed = 25
        report.lines[ImpactKey(change: .stop, agreement: "DSA-HALTON-DISCHARGE-001", recipient: "N81035", reason: "agreement-not-active")] = ImpactCount(messages: 5)
        report.lines[ImpactKey(change: .changeForm, agreement: "DSA-HALTON-DISCHARGE-001", recipient: "HBC-ASC", reason: "minimisation-changed")] =
            ImpactCount(messages: 2, fieldsRemoved: ["payload.medications[]": 2])
        return report
    }

    func verifyChains() async throws -> VerificationStatus {
        VerificationStatus(checkedAt: Date(), chains: [ChainStatus(chainId: "hx.canonical.referral.v1/0", records: 1, lastSequence: 1, problem: nil)], conflicts: [])
    }

    func lastVerification() async -> VerificationStatus? { nil }
}

/// The review queue as the fixed backend tells it: one item held two days, no candidates.
extension FixedBackend {
    func reviewSummary() async throws -> ReviewSummary { ReviewSummary(count: 1, oldestAgeSeconds: 2 * 86_400 + 3_600) }

    func reviewItems(viewer: StaffSession) async throws -> [ReviewItemView] {
        try record(viewer, "review-queue-view")
        let url = Self.root.appendingPathComponent("config/tests/messages/discharge-rww-no-nhs-number.json")
        let held = HeldMessage(
            place: ReviewPlace(partition: 0, offset: 3), item: "held-item", reasonCode: "identity-unresolved",
            heldAt: Instant(Date(timeIntervalSinceNow: -7_200)), input: nil, value: Array(try Data(contentsOf: url)))
        return [ReviewItemView(held, candidates: [])].compactMap { $0 }
    }

    func resolve(_ request: ResolutionRequest, by session: StaffSession) async throws -> ResolutionReceipt {
        try record(session, "resolve \(request.action.rawValue) \(request.item)")
        throw ResolutionRefusal(code: .alreadyResolved, message: "held message \(request.item) was resolved already")
    }
}
