import Foundation
import HXAudit
import HXCanonical
import HXKafka
import HXPlace
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

package struct RouterSettings: Sendable {
    package var client: KafkaClientConfiguration
    /// This instance's name: unique among running routers, and the same after a
    /// restart (it makes the transactional id, which fences a previous incarnation).
    package var instance: String
    package var groupID: String = HXGroup.router
    package var auditKey: AuditKey?
    /// Most input records decided in one transaction.
    package var batchSize: Int = 500
    /// Consumer group session timeout; nil: librdkafka's default (45 s).
    package var sessionTimeout: Duration?
    /// Pause after an aborted batch before it is read again.
    package var retryBackoff: Duration = .milliseconds(500)

    package init(client: KafkaClientConfiguration, instance: String) {
        self.client = client
        self.instance = instance
    }

    package var transactionalID: String { HXTransactionalID.router(instance: instance) }
}

/// `hx router`: consumes the canonical topics as a member of a consumer group
/// and, per batch and in one Kafka transaction, writes the deliveries, the
/// review and dead-letter records and the audit records, with the consumed
/// offsets. The decisions themselves are `RouterStep`'s; this type does the
/// Kafka side: recovery of chains on assignment, transactions, retries.
package final class RouterService: Service, Sendable {
    package let settings: RouterSettings
    private let configuration: Mutex<PlaceConfiguration>
    private let telemetry: RouterTelemetry
    private let logger: Logger
    private let rebalances = RebalanceInbox()
    /// Where the input consumer's librdkafka statistics go (`hx_kafka_consumer_lag`), when the client has a statistics interval.
    private let metricsFactory: any MetricsFactory

    package init(settings: RouterSettings, configuration: PlaceConfiguration, logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        self.settings = settings
        self.metricsFactory = metricsFactory
        self.configuration = Mutex(configuration)
        self.telemetry = RouterTelemetry(factory: metricsFactory)
        self.logger = logger
    }

    /// What the router decides: the canonical topics, and reviewers' resolutions of held
    /// messages (each partition its own chain, recovered and committed like the others).
    package static let inputTopics = HXTopic.canonicalTopics + [HXTopic.reviewResolution]

    /// The digest of the configuration decisions are made with now.
    package var configurationDigest: String { configuration.withLock { $0.configurationDigest } }

    /// Decides from the next batch on with `new`. Each chain records the change
    /// (a `configuration-reloaded` record) before its first decision under it.
    package func reload(_ new: PlaceConfiguration) {
        let old = configuration.withLock { c in
            defer { c = new }
            return c.configurationDigest
        }
        telemetry.reload(applied: true)
        logger.notice("configuration reloaded", metadata: ["configuration.digest": "\(new.configurationDigest)", "configuration.previous": "\(old)"])
    }

    /// A reload that was refused (the new files did not load): counted and logged by the caller.
    package func reloadRejected() { telemetry.reload(applied: false) }

    package func run() async throws {
        let client = settings.client
        let cluster = try await KafkaAdmin(configuration: client).describeCluster()
        for topic in Self.inputTopics + [HXTopic.audit, HXTopic.review, HXTopic.deadLetter] where cluster.topic(topic) == nil {
            throw KafkaError(code: .unknownTopicOrPartition, message: "topic \(topic) does not exist; run `hx topics apply`")
        }
        let auditPartitions = Int32(cluster.topic(HXTopic.audit)!.partitions.count)

        let reference = try ReferenceData(client: client, groupID: settings.groupID, logger: logger)
        let ends = try await reference.load(cluster: cluster)

        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.transactionalID = settings.transactionalID
        producerConfiguration.linger = .milliseconds(1)
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        try await producer.initTransactions()

        var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupID: settings.groupID)
        consumerConfiguration.sessionTimeout = settings.sessionTimeout
        consumerConfiguration.fetchMaxWait = .milliseconds(10)
        consumerConfiguration.maxBatchSize = settings.batchSize
        // A router that falls behind would otherwise hold librdkafka's default 64 MiB of
        // input it cannot use yet; 16 MiB is many batches ahead.
        consumerConfiguration.prefetchLimitKilobytes = 16_384
        let rebalances = self.rebalances
        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration, logger: logger, metricsLabel: "router-\(settings.instance)", metricsFactory: metricsFactory
        ) { event in
            rebalances.events.withLock { $0.append(event) }
        }
        try consumer.subscribe(Self.inputTopics)
        let recovery = try ChainRecovery(client: client, groupID: settings.groupID, auditPartitions: auditPartitions, key: settings.auditKey, logger: logger)
        logger.notice("router started", metadata: [
            "router.instance": "\(settings.instance)", "configuration.digest": "\(configurationDigest)",
            "audit.partitions": "\(auditPartitions)", "audit.hmac": "\(settings.auditKey != nil)"])

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // If following consent and identity fails, routing stops too: deciding on
                // directives that no longer update would ignore new objections.
                group.addTask {
                    try await reference.follow(from: ends)
                    if !Task.isCancelled { throw KafkaError(code: .broker, message: "following \(HXTopic.consent) and \(HXTopic.identity) stopped") }
                }
                group.addTask {
                    try await self.loop(consumer: consumer, producer: producer, recovery: recovery, reference: reference, auditPartitions: auditPartitions)
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            logger.error("router stopped on an error", metadata: ["error": "\(error)"])
            await close(consumer, producer, recovery, reference)
            throw error
        }
        await close(consumer, producer, recovery, reference)
        logger.notice("router stopped")
    }

    private func close(_ consumer: KafkaConsumer, _ producer: KafkaProducer, _ recovery: ChainRecovery, _ reference: ReferenceData) async {
        await consumer.close()
        await producer.close()
        await recovery.close()
        await reference.close()
    }

    /// One batch after another until graceful shutdown; a batch is never cut short by it.
    private func loop(
        consumer: KafkaConsumer, producer: KafkaProducer, recovery: ChainRecovery, reference: ReferenceData, auditPartitions: Int32
    ) async throws {
        var chains: [KafkaTopicPartition: RouterChainState] = [:]
        var recovering: Set<KafkaTopicPartition> = []
        var continuity = InputContinuity()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var batch = try await consumer.poll()
            for event in rebalances.events.withLock({ e in defer { e = [] }; return e }) {
                switch event {
                case .assigned(let partitions): recovering.formUnion(partitions)
                case .revoked(let partitions):
                    for p in partitions {
                        chains[p] = nil
                        continuity.forget(p)
                    }
                    recovering.subtract(partitions)
                }
            }
            if !recovering.isEmpty {
                let partitions = recovering.sorted()
                let committed = try await consumer.committed(partitions)
                var committedByPartition: [KafkaTopicPartition: Int64] = [:]
                for c in committed where c.offset >= 0 { committedByPartition[c.topicPartition] = c.offset }
                let plans = try await recovery.plans(for: partitions, committed: committedByPartition)
                var seeks: [KafkaTopicPartitionOffset] = []
                for (partition, (state, from)) in plans {
                    chains[partition] = state
                    continuity.resume(partition, at: from)
                    seeks.append(KafkaTopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: from ?? KafkaConsumer.beginning))
                    logger.info("chain resumed", metadata: [
                        "audit.chain": "\(state.chain.id)", "audit.next_sequence": "\(state.chain.nextSequence)",
                        "kafka.offset": "\(from.map(String.init) ?? "beginning")"])
                }
                try await consumer.seek(seeks.sorted { $0.topicPartition < $1.topicPartition })
                // Records polled before the seek are read again from the recovered position.
                batch.removeAll { recovering.contains(KafkaTopicPartition(topic: $0.topic, partition: $0.partition)) }
                recovering = []
                telemetry.partitions.record(chains.count)
            }
            batch.removeAll { chains[KafkaTopicPartition(topic: $0.topic, partition: $0.partition)] == nil }
            let admission = continuity.admit(batch.map { (KafkaTopicPartition(topic: $0.topic, partition: $0.partition), $0.offset) })
            if !admission.rewind.isEmpty {
                telemetry.rewinds.increment(by: admission.rewind.count)
                logger.warning("input offsets jumped ahead of a chain; reading again from the offset it expects", metadata: [
                    "kafka.positions": "\(admission.rewind.map { "\($0.topic)[\($0.partition)]@\($0.offset)" })"])
                try await consumer.seek(admission.rewind)
            }
            batch = zip(batch, admission.admitted).compactMap { $1 ? $0 : nil }
            guard !batch.isEmpty else { continue }
            if try await process(batch, chains: &chains, consumer: consumer, producer: producer, reference: reference, auditPartitions: auditPartitions) {
                continuity.committed(KafkaTopicPartitionOffset.positions(after: batch))
            }
        }
    }

    /// Decides and commits one batch; false when it was aborted (and will be read again).
    private func process(
        _ batch: [KafkaMessage], chains: inout [KafkaTopicPartition: RouterChainState],
        consumer: KafkaConsumer, producer: KafkaProducer, reference: ReferenceData, auditPartitions: Int32
    ) async throws -> Bool {
        let started = ContinuousClock.now
        let (consent, identities) = reference.snapshot
        let context = RouterContext(
            configuration: configuration.withLock { $0 }, consent: consent, identities: identities,
            auditPartitions: auditPartitions, instance: settings.instance)
        var updated = chains
        var writes = RouterWrites()
        // Chains are independent: each partition's inputs are decided in order, partitions side by side.
        let byPartition = Dictionary(grouping: batch) { KafkaTopicPartition(topic: $0.topic, partition: $0.partition) }
        await withTaskGroup(of: (KafkaTopicPartition, RouterChainState, RouterWrites).self) { group in
            for (tp, messages) in byPartition {
                guard let start = chains[tp] else { continue }
                group.addTask {
                    var state = start
                    var partial = RouterWrites()
                    for message in messages {
                        let input = RouterInput(
                            topic: message.topic, partition: Int(message.partition), offset: Int(message.offset),
                            timestampMilliseconds: message.timestampMilliseconds, value: message.value)
                        RouterStep.route(input, chain: &state, context: context, into: &partial)
                    }
                    return (tp, state, partial)
                }
            }
            for await (tp, state, partial) in group {
                updated[tp] = state
                writes.merge(partial)
            }
        }
        let positions = KafkaTopicPartitionOffset.positions(after: batch)
        do {
            try producer.beginTransaction()
            do {
                // Outputs confirmed before any audit record is sent (see RouterWrites).
                try await producer.send(batch: writes.outputs).throwFirstFailure()
                try await producer.send(batch: writes.audit).throwFirstFailure()
                try await producer.sendOffsetsToTransaction(positions, consumer: consumer)
                try await producer.commitTransaction()
            } catch let error as KafkaError where error.isFatal {
                throw error
            } catch {
                try await producer.abortTransaction()
                throw error
            }
        } catch let error as KafkaError where error.isFatal || error.code == .fenced {
            // Another instance with this transactional id took over, or the producer is
            // unusable: stop, and let the supervisor start a fresh process.
            throw error
        } catch {
            telemetry.aborted.increment()
            logger.warning("batch aborted; it will be read and decided again", metadata: ["error": "\(error)", "batch.size": "\(batch.count)"])
            // Back to the batch's first record of each partition; the chains were not advanced.
            var firsts: [KafkaTopicPartition: Int64] = [:]
            for m in batch {
                let tp = KafkaTopicPartition(topic: m.topic, partition: m.partition)
                firsts[tp] = min(firsts[tp] ?? m.offset, m.offset)
            }
            try await consumer.seek(firsts.sorted { $0.key < $1.key }.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) })
            try? await Task.sleep(for: settings.retryBackoff)
            return false
        }
        chains = updated
        // The same offsets again, outside the transaction: for lag reporting, and for
        // brokers that ignore offsets sent within a transaction. Recovery does not rely on it.
        do { try await consumer.commit(positions) } catch {
            logger.info("plain offset commit after the transaction failed; recovery does not need it", metadata: ["error": "\(error)"])
        }
        telemetry.committed.increment()
        telemetry.inputs.increment(by: batch.count)
        telemetry.record(writes.tally)
        telemetry.batchTime.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        return true
    }
}

/// Rebalance events from the consumer's thread, handled by the loop after each poll
/// (recovery reads Kafka, which must not happen inside librdkafka's callback).
private final class RebalanceInbox: Sendable {
    let events = Mutex<[KafkaRebalance]>([])
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, a) = components
        return s * 1_000_000_000 + a / 1_000_000_000
    }
}
