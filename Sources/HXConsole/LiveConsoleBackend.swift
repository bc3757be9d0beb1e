import Foundation
import HXAudit
import HXAuditIndex
import HXAuditIndexing
import HXCanonical
import HXImpact
import HXProposal
import HXKafka
import HXOperations
import HXPlace
import HXReview
import HXStaffAudit
import HXSubjectAccess
import HXTranslate
import Logging

/// The console's backend on a real cluster and audit index.
package final class LiveConsoleBackend: ConsoleBackend {
    package let place: PlaceConfiguration
    let client: KafkaClientConfiguration
    /// Where the overview asks for firing alerts (`--prometheus-url`); nil: the overview has no alerts section.
    let prometheus: URL?
    let observer: ClusterObserver
    let deadLetterStore: DeadLetterStore
    let index: any AuditIndexStore
    let recorder: AuditAccessRecorder
    let impactRecorder: ImpactRunRecorder
    let replayer: DeadLetterReplayer
    let adapters: AdapterCatalogue
    let key: AuditKey?
    let verification = VerificationMemo()
    /// Replays made by this console since it started: the index shows them only once indexed.
    let recentReplays = ReplayMemo()
    let reviewStore: ReviewStore
    let reviewResolver: ReviewResolver
    let staffWriter: StaffAuditWriter

    package init(
        client: KafkaClientConfiguration, place: PlaceConfiguration, adapters: AdapterCatalogue,
        index: any AuditIndexStore, observer: ClusterObserver, key: AuditKey?, prometheus: URL? = nil, logger: Logger
    ) {
        self.place = place
        self.client = client
        self.prometheus = prometheus
        self.observer = observer
        self.index = index
        self.key = key
        deadLetterStore = DeadLetterStore(client: client, logger: logger)
        recorder = AuditAccessRecorder(client: client, key: key, logger: logger)
        impactRecorder = ImpactRunRecorder(client: client, key: key, logger: logger)
        replayer = DeadLetterReplayer(client: client, key: key, configurationDigest: place.configurationDigest, logger: logger)
        self.adapters = adapters
        reviewStore = ReviewStore(client: client, groupID: HXGroup.consoleReview, logger: logger)
        reviewResolver = ReviewResolver(client: client, key: key, configurationDigest: place.configurationDigest, logger: logger)
        staffWriter = StaffAuditWriter(client: client, key: key, logger: logger)
    }

    package func close() async {
        await deadLetterStore.close()
        await reviewStore.close()
    }

    package func reviewSummary() async throws -> ReviewSummary {
        ReviewQueue.summary(try await reviewStore.snapshot().open, at: Instant(Date()))
    }

    package func reviewItems(viewer: StaffSession) async throws -> [ReviewItemView] {
        let snapshot = try await reviewStore.snapshot(withFacts: true)
        let open = snapshot.open
        guard !open.isEmpty else { return [] }
        // The demographics are shown only once the view is in the reviewer's chain.
        let places = open.prefix(200).map(\.place.logPosition).joined(separator: ",")
        let entry = try AuditRecordBuilder.auditorAccess(
            requestId: UUID().uuidString.lowercased(), time: Instant(Date()), actor: viewer.name, role: viewer.role.rawValue,
            action: "review-queue-view", query: "\(open.count) held: \(places)", configurationDigest: place.configurationDigest)
        _ = try await staffWriter.append(
            [entry], chainId: ReviewResolver.chainId(reviewer: viewer.name), transactionalID: HXTransactionalID.reviewer(viewer.name))
        return open.compactMap { item in
            guard let message = item.message else { return nil }
            return ReviewItemView(item, candidates: ReviewCandidates.candidates(for: message.subject, in: snapshot.identities, rule: place.identityRule))
        }
    }

    package func resolve(_ request: ResolutionRequest, by session: StaffSession) async throws -> ResolutionReceipt {
        try await reviewResolver.resolve(request, role: session.role.rawValue, store: reviewStore)
    }

    package func operations() async throws -> OperationsSnapshot { try await observer.snapshot() }

    package func decisionsByOutcome(since: Date) async throws -> [AuditOutcome: Int] {
        let instant = Instant(since)
        return try await index.outcomeCounts(since: AuditTime.rfc3339(instant) ?? "1970-01-01T00:00:00.000Z")
    }

    package func agreementOutcomeCounts(since: String) async throws -> [String: [AuditOutcome: Int]] {
        try await index.agreementOutcomeCounts(since: since)
    }

    package func deadLetters() async throws -> [DeadLetter] { try await deadLetterStore.all() }

    package func firingAlerts() async -> FiringAlert.Reading? {
        guard let prometheus else { return nil }
        return await FiringAlert.read(from: prometheus)
    }

    package func deliveries() async throws -> [DeliveryBoard.Row] {
        try await DeliveryBoard.read(client: client, recipients: place.organisations.filter { $0.delivery != nil }.map(\.code))
    }

    package func deadLetter(_ ref: DeadLetterRef) async throws -> DeadLetter? { try await deadLetterStore.letter(ref) }

    package func replayedDeadLetters() async throws -> Set<DeadLetterRef> {
        let records = try await index.search(AuditQuery(kind: .deadLetterReplay, limit: 1_000_000))
        return await recentReplays.refs.union(records.compactMap { $0.record.details["deadLetter"].flatMap(DeadLetterRef.init(logPosition:)) })
    }

    package func deadLetterValue(_ ref: DeadLetterRef, viewer: StaffSession) async throws -> [UInt8]? {
        guard let letter = try await deadLetterStore.letter(ref) else { return nil }
        _ = try await recorder.record(
            actor: viewer.name, action: "dead-letter-inspect", query: "\(ref.logPosition) id=\(letter.id)", nhsNumber: nil,
            configurationDigest: place.configurationDigest, actorName: viewer.displayName)
        return try await deadLetterStore.value(ref)
    }

    package func planReplay(_ refs: [DeadLetterRef]) async throws -> [ReplayItem] {
        let planner: ReplayPlanner
        do {
            planner = ReplayPlanner(adapters: try adapters.load())
        } catch {
            throw ConsoleInputError(message: "An adapter's configuration has problems, so nothing can be replayed until it is fixed: "
                + error.issues.map(\.description).joined(separator: "; "))
        }
        var items: [ReplayItem] = []
        for letter in try await deadLetterStore.letters(Set(refs).sorted()) {
            items.append(planner.plan(letter, value: try await deadLetterStore.value(letter.ref) ?? []))
        }
        return items
    }

    package func replay(_ refs: [DeadLetterRef], by session: StaffSession) async throws -> [ReplayOutcome] {
        let outcomes = try await replayer.replay(try await planReplay(refs), actor: session.name, role: session.role.rawValue, actorName: session.displayName)
        await recentReplays.add(outcomes.filter { $0.auditSequence != nil }.map(\.ref))
        return outcomes
    }

    package func searchAudit(_ query: AuditQuery, describedAs description: String, by session: StaffSession) async throws -> [IndexedAuditRecord] {
        _ = try await recorder.record(
            actor: session.name, action: "search", query: description, nhsNumber: query.nhsNumber, configurationDigest: place.configurationDigest,
            actorName: session.displayName)
        return try await index.search(query)
    }

    package func subjectAccessReport(nhsNumber: String, by session: StaffSession) async throws -> String {
        _ = try await recorder.record(
            actor: session.name, action: "subject-access-report", query: "console", nhsNumber: nhsNumber,
            configurationDigest: place.configurationDigest, actorName: session.displayName)
        // Decisions and what the recipients' systems said about them (delivery-status records).
        let found = try await index.search(AuditQuery(nhsNumber: nhsNumber, limit: 1_000_000))
        return SubjectAccessReport(nhsNumber: nhsNumber, records: found.map(\.record), place: place, generatedAt: Date().ISO8601Format()).html()
    }

    package func impact(of proposed: PlaceConfiguration, named name: String, from: Instant, to: Instant, by session: StaffSession) async throws -> ImpactReport {
        let start = from, end = to
        _ = try await impactRecorder.record(
            actor: session.name, role: session.role.rawValue, proposedDigest: proposed.configurationDigest, proposedName: name,
            from: AuditTime.rfc3339(start) ?? "", to: AuditTime.rfc3339(end) ?? "", configurationDigest: place.configurationDigest)
        let reading = ImpactReading(client: client, from: start.millisecondsSinceEpoch, to: end.millisecondsSinceEpoch)
        return try await reading.read(current: place, proposed: proposed)
    }

    package func verifyChains() async throws -> VerificationStatus {
        var chains: [ChainStatus] = []
        for chainId in try await index.chainIds() {
            let v = try await index.verifyChain(chainId, key: key)
            chains.append(ChainStatus(
                chainId: chainId, records: v.summary.records, lastSequence: v.summary.lastSequence,
                problem: v.problem.map { "sequence \($0.sequence): \($0.code): \($0.message)" }))
        }
        let status = VerificationStatus(checkedAt: Date(), chains: chains, conflicts: try await index.conflicts().map { "\($0)" })
        await verification.set(status)
        return status
    }

    package func lastVerification() async -> VerificationStatus? { await verification.value }
}

actor ReplayMemo {
    var refs: Set<DeadLetterRef> = []
    func add(_ more: [DeadLetterRef]) { refs.formUnion(more) }
}

/// The last verification result, kept so the audit page can show it without re-running.
actor VerificationMemo {
    var value: VerificationStatus?
    func set(_ status: VerificationStatus) { value = status }
}
