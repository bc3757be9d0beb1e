import CRdKafka
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// A partition assignment change in a consumer group.
public enum KafkaRebalance: Sendable {
    /// These partitions are now this consumer's.
    case assigned([KafkaTopicPartition])
    /// These partitions are about to go to another member: commit what was
    /// processed from them now, before the handler returns.
    case revoked([KafkaTopicPartition])
}

/// Reads records as a member of a consumer group and commits what the
/// application has processed.
///
/// `poll` returns a batch (up to `maxBatchSize`), so the cost of leaving
/// Swift's concurrency pool for librdkafka's blocking call is paid once per
/// batch, not per record. Nothing is committed automatically.
public final class KafkaConsumer: Sendable {
    /// The settings this consumer was created with.
    public let configuration: KafkaConsumerConfiguration
    private let client: RDKafkaClient
    private let queue: UnsafeQueue
    private let blocking: BlockingCalls
    private let closed = Atomic<Bool>(false)
    private let callbacks: ConsumerCallbacks
    private let logger: Logger
    /// Topics whose metadata `readToEnd` has asked for (see `learnMetadata`).
    private let knownTopics = Mutex<Set<String>>([])

    /// - Parameter onRebalance: called on the consumer's polling thread during
    ///   `poll` when partitions are assigned or revoked; a revoke waits for it.
    public init(
        configuration: KafkaConsumerConfiguration, logger: Logger = Logger(label: "hx.kafka.consumer"),
        metricsLabel: String? = nil, metricsFactory: (any MetricsFactory)? = nil,
        onRebalance: (@Sendable (KafkaRebalance) -> Void)? = nil
    ) throws {
        self.configuration = configuration
        self.logger = logger
        let statistics = configuration.client.statisticsInterval == nil ? nil : KafkaStatisticsReporter(client: metricsLabel ?? configuration.client.clientID, factory: metricsFactory)
        let callbacks = ConsumerCallbacks(logger: logger, statistics: statistics, onRebalance: onRebalance)
        self.callbacks = callbacks
        let client = try RDKafkaClient(kind: .consumer, properties: configuration.librdkafkaProperties(), callbacks: callbacks)
        self.client = client
        // One queue for records and callbacks alike, served by `poll`.
        rd_kafka_poll_set_consumer(client.handle)
        self.queue = UnsafeQueue(pointer: rd_kafka_queue_get_consumer(client.handle))
        self.blocking = BlockingCalls(label: "hx.kafka.consumer.blocking")
    }

    deinit {
        rd_kafka_queue_destroy(queue.pointer)
        if !closed.load(ordering: .relaxed) { rd_kafka_consumer_close(client.handle) }
        // The client itself is destroyed when the last reference goes: received
        // records may still hold it (see RDKafkaMessageBatch).
    }

    // MARK: Membership

    /// Joins the group for these topics; partitions arrive through `poll`.
    public func subscribe(_ topics: [String]) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, -1) }
        let err = rd_kafka_subscribe(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "subscribe") }
    }

    /// Reads these partitions from these offsets, outside any group rebalancing
    /// (for tools that inspect a topic). `KafkaConsumer.beginning` / `.end` are accepted.
    public func assign(_ positions: [KafkaTopicPartitionOffset]) throws {
        let list = RDKafkaPartitionList.make(positions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "assign") }
        callbacks.replaceOwned(with: Set(positions.map(\.topicPartition)))
    }

    /// Stops reading every assigned partition (outside group rebalancing), so that
    /// librdkafka stops prefetching them.
    public func unassign() throws {
        let err = rd_kafka_assign(client.handle, nil)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "unassign") }
        callbacks.replaceOwned(with: [])
    }

    /// Offset meaning "the first record still kept".
    public static let beginning: Int64 = -2
    /// Offset meaning "only records written from now on".
    public static let end: Int64 = -1

    /// The partitions this consumer holds now.
    public func assignment() throws -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(client.handle, &list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "assignment") }
        guard let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return RDKafkaPartitionList.offsets(list).map(\.topicPartition).sorted()
    }

    // MARK: Reading

    /// Up to `maxBatchSize` records, waiting at most `pollTimeout` for the
    /// first; an empty batch when nothing came. Rebalance callbacks run here.
    public func poll(maxMessages: Int? = nil, timeout: Duration? = nil) async throws -> [KafkaMessage] {
        guard !closed.load(ordering: .relaxed) else { throw KafkaError.closed() }
        let queue = self.queue
        let callbacks = self.callbacks
        let client = self.client
        let max = maxMessages ?? configuration.maxBatchSize
        let timeoutMs = (timeout ?? configuration.pollTimeout).millisecondsInt32
        return try await blocking.run {
            // rd_kafka_consume_batch_queue waits for a full batch or the whole timeout,
            // so wait for the first record alone, then take what else is ready.
            let revocationsBefore = callbacks.revocations.load(ordering: .acquiring)
            var buffer = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: max)
            guard let first = rd_kafka_consume_queue(queue.pointer, timeoutMs) else { return [] }
            buffer[0] = first
            var count = 1
            if max > 1 {
                let more = buffer.withUnsafeMutableBufferPointer { rd_kafka_consume_batch_queue(queue.pointer, 0, $0.baseAddress! + 1, max - 1) }
                if more > 0 { count += more }
            }
            var records: [UnsafeMutablePointer<rd_kafka_message_t>] = []
            records.reserveCapacity(count)
            var failure: KafkaError?
            for slot in buffer.prefix(count) {
                guard let raw = slot else { continue }
                if raw.pointee.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    rd_kafka_message_destroy(raw)
                    continue
                }
                if raw.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    // An error in the stream (a topic vanished, say): report it after the good records.
                    if failure == nil { failure = KafkaError(rdkafka: raw.pointee.err, context: "consume") }
                    rd_kafka_message_destroy(raw)
                    continue
                }
                records.append(raw)
            }
            var messages = RDKafkaMessageBatch(records, client: client).messages()
            if let failure, messages.isEmpty { throw failure }
            if callbacks.revocations.load(ordering: .acquiring) != revocationsBefore {
                // Partitions were revoked while this batch was collected: records taken
                // from them before the revoke now belong to another member, which will
                // read them from the committed position. Handing them out here would
                // process them twice.
                let owned = callbacks.ownedPartitions()
                messages.removeAll { !owned.contains(KafkaTopicPartition(topic: $0.topic, partition: $0.partition)) }
            }
            return messages
        }
    }

    /// Every record of one partition from `offset` to the partition's end as
    /// it stands when reached, handed to `body` in order; returns the end
    /// offset. For a consumer made with `partitionEOF` and used without a
    /// group subscription (it replaces the assignment). The end comes from
    /// the fetch itself, not from ListOffsets, so it is right on brokers
    /// whose ListOffsets understates it; under read_committed it is the last
    /// stable offset. Leaves the consumer unassigned: a partition left assigned
    /// but no longer polled would be prefetched into memory (up to
    /// `queued.max.messages.kbytes`, 64 MiB) for nothing.
    public func readToEnd(
        _ partition: KafkaTopicPartition, from offset: Int64, timeout: Duration = .seconds(30), _ body: (KafkaMessage) throws -> Void
    ) async throws -> Int64 {
        try await readToEnd([partition], from: offset, timeout: timeout, body)[partition]!
    }

    /// `readToEnd` for several partitions at once, all assigned together: an
    /// empty partition costs one fetch round, not one round each (reading the
    /// ~100 partitions of a Halton cluster one by one took 30 s). Each
    /// partition's records reach `body` in order; partitions interleave.
    /// Returns each partition's end offset. `timeout` is the longest wait with
    /// nothing read, not a limit on the whole read: a log of millions of records
    /// takes as long as it takes.
    public func readToEnd(
        _ partitions: [KafkaTopicPartition], from offset: Int64, timeout: Duration = .seconds(30), _ body: (KafkaMessage) throws -> Void
    ) async throws -> [KafkaTopicPartition: Int64] {
        guard configuration.partitionEOF else {
            throw KafkaError.configuration("readToEnd needs a consumer configured with partitionEOF")
        }
        var ends: [KafkaTopicPartition: Int64] = [:]
        guard !partitions.isEmpty else { return ends }
        for topic in Set(partitions.map(\.topic)).sorted() { await learnMetadata(topic) }
        try assign(partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: offset) })
        defer { try? unassign() }
        let queue = self.queue
        let client = self.client
        var deadline = ContinuousClock.now + timeout
        let wanted = Set(partitions)
        while ContinuousClock.now < deadline {
            let reached = Set(ends.keys)
            let (messages, newEnds) = try await blocking.run { () throws -> ([KafkaMessage], [KafkaTopicPartition: Int64]) in
                var buffer = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: 1000)
                guard let first = rd_kafka_consume_queue(queue.pointer, 100) else { return ([], [:]) }
                buffer[0] = first
                let more = buffer.withUnsafeMutableBufferPointer { rd_kafka_consume_batch_queue(queue.pointer, 0, $0.baseAddress! + 1, 999) }
                var records: [UnsafeMutablePointer<rd_kafka_message_t>] = []
                var ends: [KafkaTopicPartition: Int64] = [:]
                var failure: KafkaError?
                for slot in buffer.prefix(1 + max(0, more)) {
                    guard let raw = slot else { continue }
                    let err = raw.pointee.err
                    let at = KafkaTopicPartition(topic: raw.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "", partition: raw.pointee.partition)
                    // Past its end (records written since it was reached) or not asked for: not handed out.
                    let open = wanted.contains(at) && !reached.contains(at) && ends[at] == nil
                    if err == RD_KAFKA_RESP_ERR_NO_ERROR, open {
                        records.append(raw)
                        continue
                    }
                    if err == RD_KAFKA_RESP_ERR__PARTITION_EOF, open { ends[at] = raw.pointee.offset }
                    else if err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__PARTITION_EOF, failure == nil {
                        failure = KafkaError(rdkafka: err, context: "read \(at)")
                    }
                    rd_kafka_message_destroy(raw)
                }
                // An error alongside progress is left to the next round to repeat.
                if let failure, records.isEmpty, ends.isEmpty { throw failure }
                let messages = RDKafkaMessageBatch(records, client: client).messages()
                return (messages, ends)
            }
            for message in messages { try body(message) }
            ends.merge(newEnds) { first, _ in first }
            if ends.count == wanted.count { return ends }
            if !messages.isEmpty || !newEnds.isEmpty { deadline = ContinuousClock.now + timeout }
        }
        let missing = wanted.subtracting(ends.keys).sorted().prefix(5).map(\.description).joined(separator: ", ")
        throw KafkaError(code: .timedOut, message: "reading \(wanted.count) partitions to their ends: nothing read for \(timeout) (not reached: \(missing))")
    }

    /// Asks for a topic's metadata once, before its first partition is assigned. Assigned a
    /// partition of a topic it has not seen, librdkafka finds no leader and retries on a
    /// timer: a second per topic (measured: `hx audit reconcile` took 35 s over 30 delivery
    /// topics, instead of 3). A failed request is left to librdkafka's own retry.
    private func learnMetadata(_ topic: String) async {
        guard !knownTopics.withLock({ $0.contains(topic) }) else { return }
        let client = self.client
        let learned = await blocking.run { () -> Bool in
            guard let handle = rd_kafka_topic_new(client.handle, topic, nil) else { return false }
            defer { rd_kafka_topic_destroy(handle) }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(client.handle, 0, handle, &metadata, 5_000)
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            return err == RD_KAFKA_RESP_ERR_NO_ERROR
        }
        if learned { knownTopics.withLock { _ = $0.insert(topic) } }
    }

    /// Records one at a time, polling in batches underneath. Ends when the
    /// consumer is closed or the task is cancelled.
    public var messages: Messages { Messages(consumer: self) }

    /// The consumer's records as an `AsyncSequence` (see `messages`).
    public struct Messages: AsyncSequence, Sendable {
        /// A received record.
        public typealias Element = KafkaMessage
        let consumer: KafkaConsumer

        /// Hands out a polled batch one record at a time, polling again when it is used up.
        public struct AsyncIterator: AsyncIteratorProtocol {
            let consumer: KafkaConsumer
            var buffer: [KafkaMessage] = []
            var position = 0

            /// The next record; nil once the consumer is closed or the task cancelled
            /// (records already polled are handed out first). Throws what `poll` throws.
            public mutating func next() async throws -> KafkaMessage? {
                while position == buffer.count {
                    if Task.isCancelled || consumer.isClosed { return nil }
                    buffer = try await consumer.poll()
                    position = 0
                }
                defer { position += 1 }
                return buffer[position]
            }
        }

        /// A new iterator. Iterators of one consumer take from the same queue, each
        /// seeing only some of the records: use one.
        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: consumer) }
    }

    // MARK: Committing

    /// Commits these positions (each the next offset to read) and waits for the broker.
    public func commit(_ positions: [KafkaTopicPartitionOffset]) async throws {
        guard !positions.isEmpty else { return }
        guard !closed.load(ordering: .relaxed) else { throw KafkaError.closed() }
        let client = self.client
        try await blocking.run {
            let list = RDKafkaPartitionList.make(positions)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_commit(client.handle, list, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "commit") }
            if let error = RDKafkaPartitionList.firstError(list, context: "commit") { throw error }
        }
    }

    /// Commits synchronously, blocking the calling thread. Only for the
    /// rebalance handler, which runs on the consumer's own thread and must
    /// commit before a revoke completes; everywhere else use `commit`.
    public func commitFromRebalanceHandler(_ positions: [KafkaTopicPartitionOffset]) throws {
        guard !positions.isEmpty else { return }
        let list = RDKafkaPartitionList.make(positions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_commit(client.handle, list, 0)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "commit") }
    }

    /// Commits the position after each of these messages' partitions.
    public func commit(after messages: [KafkaMessage]) async throws {
        try await commit(KafkaTopicPartitionOffset.positions(after: messages))
    }

    /// The group's committed positions for these partitions; a negative offset (librdkafka's -1001) where none is committed.
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartitionOffset] {
        let client = self.client
        return try await blocking.run {
            let list = RDKafkaPartitionList.make(partitions)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_committed(client.handle, list, timeout.millisecondsInt32)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "committed offsets") }
            return RDKafkaPartitionList.offsets(list)
        }
    }

    /// For each partition, the offset of its first record timestamped at or after the
    /// time given as the position's offset (ms since 1970), or `end` where there is
    /// none: where to start reading a time window. Asks the partitions' leaders (ListOffsets).
    public func offsets(forTimes times: [KafkaTopicPartitionOffset], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartitionOffset] {
        guard !times.isEmpty else { return [] }
        let client = self.client
        return try await blocking.run {
            let list = RDKafkaPartitionList.make(times)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_offsets_for_times(client.handle, list, timeout.millisecondsInt32)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "offsets for times") }
            if let error = RDKafkaPartitionList.firstError(list, context: "offsets for times") { throw error }
            return RDKafkaPartitionList.offsets(list)
        }
    }

    /// Moves the read position of assigned partitions (to replay, or to resume
    /// from a position kept elsewhere).
    public func seek(_ positions: [KafkaTopicPartitionOffset], timeout: Duration = .seconds(10)) async throws {
        let client = self.client
        try await blocking.run {
            let list = RDKafkaPartitionList.make(positions)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            if let error = rd_kafka_seek_partitions(client.handle, list, timeout.millisecondsInt32) {
                throw KafkaError(consuming: error, context: "seek")
            }
            if let error = RDKafkaPartitionList.firstError(list, context: "seek") { throw error }
        }
    }

    /// The group identity a transactional producer needs to commit this
    /// consumer's offsets inside its transaction.
    func groupMetadata() throws -> KafkaConsumerGroupMetadata {
        guard let pointer = rd_kafka_consumer_group_metadata(client.handle) else {
            throw KafkaError(code: .broker, message: "consumer has no group metadata (no group.id?)")
        }
        return KafkaConsumerGroupMetadata(pointer: pointer)
    }

    // MARK: Closing

    /// Whether `close()` has been called (true from the moment it starts).
    public var isClosed: Bool { closed.load(ordering: .relaxed) }

    /// Leaves the group (revoking partitions through the rebalance handler, so
    /// a last commit can happen) and releases the client. Idempotent.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let client = self.client
        let err = await blocking.run { rd_kafka_consumer_close(client.handle) }
        callbacks.quiet.store(true, ordering: .relaxed)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("Kafka consumer did not leave its group cleanly", metadata: ["kafka.error": "\(KafkaError(rdkafka: err))"])
        }
    }
}

extension KafkaConsumer: Service {
    /// Runs until graceful shutdown, then leaves the group.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}

/// `rd_kafka_consumer_group_metadata_t`, kept alive for one transaction call.
final class KafkaConsumerGroupMetadata: @unchecked Sendable {
    let pointer: OpaquePointer
    init(pointer: OpaquePointer) { self.pointer = pointer }
    deinit { rd_kafka_consumer_group_metadata_destroy(pointer) }
}

/// A librdkafka queue handle; thread-safe like every librdkafka handle.
private struct UnsafeQueue: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The consumer's C callbacks: rebalances are applied here (eager or
/// cooperative, whichever protocol the group uses) after the handler ran.
final class ConsumerCallbacks: RDKafkaCallbacks, @unchecked Sendable {
    let onRebalance: (@Sendable (KafkaRebalance) -> Void)?
    /// Counts revokes, so `poll` can tell cheaply whether one happened during a batch.
    let revocations = Atomic<Int>(0)
    private let owned = Mutex<Set<KafkaTopicPartition>>([])

    func ownedPartitions() -> Set<KafkaTopicPartition> { owned.withLock { $0 } }
    func replaceOwned(with partitions: Set<KafkaTopicPartition>) { owned.withLock { $0 = partitions } }

    init(logger: Logger, statistics: KafkaStatisticsReporter?, onRebalance: (@Sendable (KafkaRebalance) -> Void)?) {
        self.onRebalance = onRebalance
        super.init(logger: logger, statistics: statistics)
    }

    override func install(on conf: OpaquePointer) {
        super.install(on: conf)
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
            guard let rk, let opaque else { return }
            let callbacks = Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue() as? ConsumerCallbacks
            callbacks?.rebalance(rk, err, partitions)
        }
    }

    private func rebalance(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let changed = partitions.map { RDKafkaPartitionList.offsets($0).map(\.topicPartition).sorted() } ?? []
        if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { logger.error("incremental assign failed: \(KafkaError(consuming: error))") }
            } else {
                rd_kafka_assign(rk, partitions)
            }
            owned.withLock { $0.formUnion(changed) }
            logger.info("Kafka partitions assigned", metadata: ["kafka.partitions": "\(changed)"])
            onRebalance?(.assigned(changed))
        } else {
            onRebalance?(.revoked(changed))
            owned.withLock { $0.subtract(changed) }
            revocations.add(1, ordering: .acquiringAndReleasing)
            logger.info("Kafka partitions revoked", metadata: ["kafka.partitions": "\(changed)"])
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { logger.error("incremental unassign failed: \(KafkaError(consuming: error))") }
            } else {
                rd_kafka_assign(rk, nil)
            }
        }
    }
}
