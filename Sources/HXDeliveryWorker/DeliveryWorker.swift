import Foundation
import HXAudit
import HXCanonical
import HXDelivery
import HXDeliveryTransport
import HXKafka
import HXMESH
import HXPlace
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

package struct DeliveryWorkerSettings: Sendable {
    package var client: KafkaClientConfiguration
    /// The receiving organisation's code, as organisations.yaml spells it.
    package var recipient: String
    package var auditKey: AuditKey?
    /// For `fhir-http`: the bearer token, read from the file the deployment names.
    package var bearerToken: String?
    /// Where to deliver instead of the delivery block's endpoint: `hx run`'s loopback stand-ins
    /// for the recipients' systems. Format, retries and ids stay the block's.
    package var endpointOverride: DeliverySettings.Endpoint?
    /// Most settled deliveries recorded in one transaction.
    package var batchSize: Int = 100
    /// How often backlog and age gauges are refreshed.
    package var gaugeInterval: Duration = .seconds(5)
    /// Consumer group session timeout; nil: librdkafka's default (45 s).
    package var sessionTimeout: Duration?
    /// Pause before recording statuses again after Kafka refused a transaction.
    package var recordBackoff: Duration = .seconds(1)
    /// For `mesh` recipients: where MESH is and the secrets of the sending mailboxes.
    package var mesh: MESHAccess?

    package init(client: KafkaClientConfiguration, recipient: String) {
        self.client = client
        self.recipient = recipient
    }
}

/// Why a worker cannot start; exit 78 in `hx deliver run`.
package struct DeliveryWorkerUnavailable: Error, CustomStringConvertible {
    package var description: String
}

/// `hx deliver run` for one recipient (docs/design.md "Delivery to recipients'
/// systems"): reads `hx.deliver.<code>` in the group `hx-deliver-<code>`, hands
/// each record to the recipient's system in topic order, one at a time, and
/// records what happened (status on `hx.delivery.v1`, an audit record in the
/// chain `delivery:<code>`, a dead letter when it failed) in one transaction
/// before the consumer offset moves.
///
/// A record the recipient's system did not take holds those behind it until it
/// is taken, refused or given up (`retry.giveUpAfter`): a discharge summary
/// must not overtake its own correction.
package final class DeliveryWorker: Service, Sendable {
    package let settings: DeliveryWorkerSettings
    let configuration: PlaceConfiguration
    let logger: Logger
    let metricsFactory: any MetricsFactory
    private let rebalances = RebalanceInbox()
    /// The next record to settle per assigned partition, and the timestamp of
    /// the one in hand: read by the gauge task.
    private let progress = Mutex<Progress>(Progress())

    /// MESH: the acknowledgements still owed, as recorded (the recorder notes each status it writes).
    let acknowledgements: Mutex<AcknowledgementTracker>

    struct Progress {
        var next: [KafkaTopicPartition: Int64] = [:]
        var inHandSince: Int64?
        /// The decision being sent or sent and not yet recorded: a response to it may come first.
        var awaitingRecord: String?
    }

    package init(settings: DeliveryWorkerSettings, configuration: PlaceConfiguration, logger: Logger,
                 metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        self.settings = settings
        self.configuration = configuration
        self.logger = logger
        self.metricsFactory = metricsFactory
        let limits = configuration.organisation(settings.recipient)?.delivery?.acknowledgements
        acknowledgements = Mutex(AcknowledgementTracker(limits: limits) { ITK3Renderer.messageHeaderId(decisionId: $0) ?? $0 })
    }

    /// Whether an arrival nobody waits on may be for the decision the send loop has not recorded yet.
    func awaitingRecord(matches arrival: AcknowledgementTracker.Arrival) -> Bool {
        guard let id = progress.withLock({ $0.awaitingRecord }) else { return false }
        switch arrival {
        case .itk3Response(let respondsTo, _, _, _): return ITK3Renderer.messageHeaderId(decisionId: id)?.lowercased() == respondsTo.lowercased()
        case .report(let localId, _, _): return localId?.lowercased() == id || localId == nil
        }
    }

    /// Checks what can be checked without Kafka: the recipient and its delivery block.
    package static func check(recipient: String, configuration: PlaceConfiguration, bearerToken: String?,
                              endpointOverride: DeliverySettings.Endpoint? = nil, mesh: MESHAccess? = nil) throws(DeliveryWorkerUnavailable) {
        guard let organisation = configuration.organisation(recipient) else {
            throw DeliveryWorkerUnavailable(description: "\(recipient) is not an organisation of this configuration")
        }
        guard var delivery = organisation.delivery else {
            throw DeliveryWorkerUnavailable(description: "\(organisation.code) has no delivery block in organisations.yaml")
        }
        if let endpointOverride { delivery.endpoint = endpointOverride }
        if case .mesh(let mailbox, _, _, _) = delivery.endpoint {
            // The client itself is made when the worker runs (it holds connections).
            guard let mesh else {
                throw DeliveryWorkerUnavailable(description: "\(organisation.code): MESH delivery from mailbox \(mailbox) needs --mesh-url, --mesh-password-file \(mailbox)=FILE and --mesh-shared-key-file")
            }
            try mesh.validate(mailbox: mailbox)
            return
        }
        do {
            _ = try DeliveryChannel(delivery, recipient: organisation.code, bearerToken: bearerToken)
        } catch {
            throw DeliveryWorkerUnavailable(description: error.description)
        }
    }

    /// MESH's handshake for each sending mailbox of these recipients, at start: a refusal of the
    /// mailbox's authorisation is exit 78; MESH not answering is returned as a warning (the sends retry).
    package static func handshake(recipients: [String], configuration: PlaceConfiguration, mesh: MESHAccess) async throws(DeliveryWorkerUnavailable) -> [String] {
        var done: Set<String> = []
        var warnings: [String] = []
        for code in recipients {
            guard let delivery = configuration.organisation(code)?.delivery, case .mesh(let mailbox, _, _, _) = delivery.endpoint,
                  done.insert(mailbox).inserted else { continue }
            let client = try mesh.client(mailbox: mailbox)
            var refusal: DeliveryWorkerUnavailable?
            do {
                try await client.handshake()
            } catch let problem as MESHProblem where problem.kind == .authentication {
                refusal = DeliveryWorkerUnavailable(description: "MESH refused mailbox \(mailbox)'s handshake (\(problem.detail)): check --mesh-password-file \(mailbox)=FILE and --mesh-shared-key-file")
            } catch {
                warnings.append("MESH handshake for mailbox \(mailbox) at \(mesh.url) failed, starting all the same: \(error)")
            }
            await client.close()
            if let refusal { throw refusal }
        }
        return warnings
    }

    package func run() async throws {
        try Self.check(recipient: settings.recipient, configuration: configuration, bearerToken: settings.bearerToken,
                       endpointOverride: settings.endpointOverride, mesh: settings.mesh)
        let organisation = configuration.organisation(settings.recipient)!
        var delivery = organisation.delivery!
        if let endpoint = settings.endpointOverride { delivery.endpoint = endpoint }
        let code = organisation.code, topic = organisation.deliveryTopic
        let chainId = AuditChain.deliveryChainId(recipient: code)

        let cluster = try await KafkaAdmin(configuration: settings.client).describeCluster()
        for needed in [topic, HXTopic.deliveryStatus, HXTopic.audit, HXTopic.deadLetter] where cluster.topic(needed) == nil {
            throw KafkaError(code: .unknownTopicOrPartition, message: "topic \(needed) does not exist; run `hx topics apply`")
        }
        let auditPartition = AuditPlacement.partition(chainId: chainId, partitions: Int32(cluster.topic(HXTopic.audit)!.partitions.count))

        var producerConfiguration = KafkaProducerConfiguration(client: settings.client)
        producerConfiguration.transactionalID = HXTransactionalID.deliver(code)
        producerConfiguration.linger = .milliseconds(1)
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        // Fences an earlier worker for this recipient before its chain is read.
        try await producer.initTransactions()
        let tail: DeliveryChainTail
        do {
            tail = try await DeliveryChainTail.read(
                client: settings.client, chainId: chainId, auditPartition: auditPartition, key: settings.auditKey,
                depth: 4 * (settings.batchSize + 1))
            if delivery.transport == .mesh {
                // What is still owed survives a restart: the recipient's own past statuses, in order.
                let past = try await DeliveryHistory.statuses(client: settings.client, recipient: code)
                acknowledgements.withLock { t in for s in past { t.note(s) } }
            }
        } catch {
            await producer.close()
            throw error
        }

        var consumerConfiguration = KafkaConsumerConfiguration(client: settings.client, groupID: HXGroup.deliver(code))
        consumerConfiguration.maxBatchSize = settings.batchSize
        consumerConfiguration.sessionTimeout = settings.sessionTimeout
        consumerConfiguration.fetchMaxWait = .milliseconds(10)
        consumerConfiguration.prefetchLimitKilobytes = 4_096
        let rebalances = self.rebalances
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger) { event in
            rebalances.events.withLock { $0.append(event) }
        }
        try consumer.subscribe([topic])
        let telemetry = DeliveryTelemetry(recipient: code, transport: delivery.transport.rawValue, factory: metricsFactory)
        logger.notice("delivery worker started", metadata: [
            "delivery.recipient": "\(code)", "delivery.transport": "\(delivery.transport.rawValue)",
            "delivery.format": "\(delivery.format.rawValue)", "audit.chain": "\(chainId)",
            "audit.next_sequence": "\(tail.chain.nextSequence)"])

        let recorder = DeliveryRecorder(
            producer: producer, recipient: code, transport: delivery.transport.rawValue, format: delivery.format.rawValue, chainId: chainId,
            auditPartition: auditPartition, chain: tail.chain, configurationDigest: configuration.configurationDigest,
            backoff: settings.recordBackoff, logger: logger
        ) { statuses in
            self.acknowledgements.withLock { t in for s in statuses { t.note(s) } }
        }
        if delivery.transport == .mesh { telemetry.overdue.record(acknowledgements.withLock { $0.overdueCount }) }
        let meshMailbox: (any MESHMailbox)?
        let channel: DeliveryChannel
        do {
            if case .mesh(let mailbox, _, _, _) = delivery.endpoint, let mesh = settings.mesh {
                meshMailbox = try mesh.client(mailbox: mailbox)
            } else {
                meshMailbox = nil
            }
            channel = try DeliveryChannel(delivery, recipient: organisation.code, bearerToken: settings.bearerToken, mesh: meshMailbox)
        } catch {
            await consumer.close()
            await producer.close()
            throw error
        }
        var loop = DeliveryLoop(
            worker: self, delivery: delivery, channel: channel, recipient: code, recorder: recorder, settled: tail.settled,
            consumer: consumer, telemetry: telemetry)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.refreshGauges(telemetry: telemetry) }
                if let meshMailbox, let mesh = settings.mesh, case .mesh(_, let to, _, _) = delivery.endpoint {
                    let poller = MESHMailboxPoller(
                        worker: self, mailbox: meshMailbox, recipient: code, practiceMailbox: to,
                        ackWorkflows: delivery.meshAckWorkflows,
                        interval: mesh.pollInterval, recorder: recorder, telemetry: telemetry)
                    group.addTask { try await poller.run() }
                    group.addTask { await self.handshakeDaily(meshMailbox, every: mesh.handshakeInterval) }
                }
                try await loop.run()
                group.cancelAll()
            }
        } catch {
            logger.error("delivery worker stopped on an error", metadata: ["delivery.recipient": "\(code)", "error": "\(error)"])
            await channel.close()
            await consumer.close()
            await producer.close()
            throw error
        }
        await channel.close()
        await consumer.close()
        await producer.close()
        logger.notice("delivery worker stopped", metadata: ["delivery.recipient": "\(code)"])
    }

    /// MESH asks each mailbox to say it is alive once a day; a refusal is logged (the sends will say more).
    private func handshakeDaily(_ mailbox: any MESHMailbox, every interval: Duration) async {
        while !(Task.isCancelled || Task.isShuttingDownGracefully) {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            do {
                try await mailbox.handshake()
            } catch {
                logger.error("MESH daily handshake failed", metadata: ["delivery.recipient": "\(settings.recipient)", "error": "\(error)"])
            }
        }
    }

    fileprivate func takeRebalances() -> [KafkaRebalance] { rebalances.events.withLock { e in defer { e = [] }; return e } }
    fileprivate func update(_ body: (inout Progress) -> Void) { progress.withLock { body(&$0) } }

    /// Backlog (records not yet settled) and the age of the one in hand.
    private func refreshGauges(telemetry: DeliveryTelemetry) async throws {
        let admin = try KafkaAdmin(configuration: settings.client)
        while !Task.isCancelled {
            let snapshot = progress.withLock { $0 }
            var backlog: Int64 = 0
            for (tp, next) in snapshot.next {
                if let marks = try? await admin.watermarks(tp) { backlog += max(0, marks.high - next) }
            }
            telemetry.backlog.record(backlog)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            telemetry.oldestAge.record(Double(snapshot.inHandSince.map { max(0, now - $0) } ?? 0) / 1000)
            try? await Task.sleep(for: settings.gaugeInterval)
        }
    }
}

/// Rebalance events from the consumer's thread, handled by the loop after each poll.
private final class RebalanceInbox: Sendable {
    let events = Mutex<[KafkaRebalance]>([])
}

/// The worker's send loop and its state; used by one task only.
private struct DeliveryLoop {
    let worker: DeliveryWorker
    let delivery: DeliverySettings
    let channel: DeliveryChannel
    let recipient: String
    let recorder: DeliveryRecorder
    /// Per delivery-topic partition, the last record with a final status.
    var settled: [KafkaTopicPartition: Int64]
    let consumer: KafkaConsumer
    let telemetry: DeliveryTelemetry
    /// Settled deliveries not yet recorded.
    var pending: [DeliveryEvent] = []
    var assigned: Set<KafkaTopicPartition> = []

    var logger: Logger { worker.logger }
    var settings: DeliveryWorkerSettings { worker.settings }
    var stopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }
    var isMESH: Bool { if case .mesh = channel { true } else { false } }

    init(worker: DeliveryWorker, delivery: DeliverySettings, channel: DeliveryChannel, recipient: String, recorder: DeliveryRecorder,
         settled: [KafkaTopicPartition: Int64], consumer: KafkaConsumer, telemetry: DeliveryTelemetry) {
        self.worker = worker
        self.delivery = delivery
        self.channel = channel
        self.recipient = recipient
        self.recorder = recorder
        self.settled = settled
        self.consumer = consumer
        self.telemetry = telemetry
    }

    mutating func run() async throws {
        while !stopping {
            var batch = try await consumer.poll()
            let moved = try await applyRebalances()
            // Records polled before a seek are read again from the position it set.
            batch.removeAll { moved.contains(KafkaTopicPartition(topic: $0.topic, partition: $0.partition)) }
            for record in batch {
                let tp = KafkaTopicPartition(topic: record.topic, partition: record.partition)
                guard assigned.contains(tp), record.offset > settled[tp] ?? -1 else { continue }
                guard let event = try await deliver(DeliveryJob(record)) else { break }
                pending.append(event)
                // MESH: recorded at once, so that the practice's acknowledgement finds its `sent`.
                if pending.count >= settings.batchSize || isMESH { try await recordPending() }
            }
            try await recordPending()
        }
        try await recordPending()
    }

    /// Partitions newly assigned start after the later of the committed offset
    /// and the last final status in the chain (see DeliveryChainTail).
    mutating func applyRebalances() async throws -> Set<KafkaTopicPartition> {
        var fresh: [KafkaTopicPartition] = []
        for event in worker.takeRebalances() {
            switch event {
            case .assigned(let partitions):
                assigned.formUnion(partitions)
                fresh += partitions
            case .revoked(let partitions):
                assigned.subtract(partitions)
                worker.update { p in for tp in partitions { p.next[tp] = nil } }
            }
        }
        guard !fresh.isEmpty else { return [] }
        var committed: [KafkaTopicPartition: Int64] = [:]
        for c in try await consumer.committed(fresh) where c.offset >= 0 { committed[c.topicPartition] = c.offset }
        var seeks: [KafkaTopicPartitionOffset] = []
        for tp in fresh.sorted() {
            let from = max(committed[tp] ?? 0, (settled[tp] ?? -1) + 1)
            seeks.append(KafkaTopicPartitionOffset(topic: tp.topic, partition: tp.partition, offset: from))
            worker.update { $0.next[tp] = from }
        }
        try await consumer.seek(seeks)
        logger.info("delivery positions", metadata: [
            "delivery.recipient": "\(recipient)", "kafka.positions": "\(seeks.map { "\($0.partition)@\($0.offset)" })"])
        return Set(fresh)
    }

    /// Tries one record until it is settled; nil when shutdown came first (the
    /// record stays unsettled and is tried again after a restart).
    mutating func deliver(_ job: DeliveryJob) async throws -> DeliveryEvent? {
        func event(_ status: DeliveryStatus.State, _ attempt: Int, _ reason: String?, _ detail: String?, next: Instant? = nil) -> DeliveryEvent {
            DeliveryEvent(job: job, status: status, attempt: attempt, time: Instant(Date()), reason: reason, detail: detail, nextAttemptAt: next)
        }
        worker.update { $0.inHandSince = job.record.timestampMilliseconds }
        defer { worker.update { $0.inHandSince = nil } }
        guard job.problem == nil, let message = job.message else {
            return event(.failed, 0, DeliveryReason.recordUnreadable, job.problem)
        }
        let rendered: RenderedDelivery
        do {
            rendered = try DeliveryRenderer.render(message, decisionId: job.decisionId, recipient: recipient, delivery: delivery) {
                worker.configuration.organisation($0)?.name
            }
        } catch {
            return event(.failed, 0, error.code.rawValue, error.message)
        }
        let meshWorkflow = delivery.meshWorkflow(for: message)?.workflow
        if isMESH { worker.update { $0.awaitingRecord = job.decisionId } }
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            telemetry.attempts.increment()
            let (outcome, meshMessageId) = await channel.send(rendered, decisionId: job.decisionId, meshWorkflow: meshWorkflow)
            switch outcome {
            case .sent(let detail):
                telemetry.retrying.record(0)
                var sent = event(.sent, attempt, nil, detail)
                sent.meshMessageId = meshMessageId
                return sent
            case .failed(let reason, let detail):
                telemetry.retrying.record(0)
                return event(.failed, attempt, reason.rawValue, detail)
            case .retry(let reason, let detail, let requested):
                guard let wait = RetrySchedule.wait(
                    after: attempt, elapsed: ContinuousClock.now - started, retry: delivery.retry, requested: requested,
                    jitter: Double.random(in: 0..<1))
                else {
                    telemetry.retrying.record(0)
                    return event(.failed, attempt, DeliveryReason.retriesExhausted, "\(reason.rawValue): \(detail)")
                }
                let next = Instant(Date().addingTimeInterval(Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18))
                // What was settled before is recorded (and its offsets move) before the wait.
                pending.append(event(.retrying, attempt, reason.rawValue, detail, next: next))
                try await recordPending()
                telemetry.retrying.record(1)
                logger.warning("delivery will be tried again", metadata: [
                    "delivery.recipient": "\(recipient)", "delivery.decision_id": "\(job.decisionId)",
                    "delivery.reason": "\(reason.rawValue)", "delivery.attempt": "\(attempt)", "delivery.wait": "\(wait)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                if stopping { return nil }
            }
        }
    }

    /// Records `pending` (see DeliveryRecorder), then commits the offsets of the
    /// settled records. Kafka refusing the transaction is tried again with the
    /// same events; the deliveries are not.
    mutating func recordPending() async throws {
        guard !pending.isEmpty else { return }
        let settledIds = Set(pending.filter(\.status.isFinal).map(\.job.decisionId))
        try await recorder.record(pending)
        worker.update { p in if let id = p.awaitingRecord, settledIds.contains(id) { p.awaitingRecord = nil } }
        var positions: [KafkaTopicPartition: Int64] = [:]
        for e in pending where e.status.isFinal {
            let tp = KafkaTopicPartition(topic: e.job.topic, partition: e.job.partition)
            positions[tp] = max(positions[tp] ?? -1, e.job.offset)
            settled[tp] = max(settled[tp] ?? -1, e.job.offset)
        }
        for e in pending {
            telemetry.outcome(e.status.rawValue, reason: e.reason)
            if e.status == .sent { telemetry.lastSuccess.record(Double(e.time.millisecondsSinceEpoch) / 1000) }
        }
        pending = []
        guard !positions.isEmpty else { return }
        worker.update { p in for (tp, last) in positions { p.next[tp] = last + 1 } }
        do {
            try await consumer.commit(positions.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value + 1) })
        } catch {
            // The chain holds the statuses: a restart starts after them anyway.
            logger.info("offset commit after recording failed; the chain covers it", metadata: ["error": "\(error)"])
        }
    }
}
