import CRdKafka
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Sends records to Kafka and tells the caller when the broker has them.
///
/// `send` returns only once librdkafka's delivery report arrived: with
/// `acks=all` and idempotence (both defaults here) that means every in-sync
/// replica has the record, so a caller may then acknowledge its own sender.
/// A dedicated thread serves librdkafka's callbacks; it is joined on `close`.
///
/// With `transactionalID` set the same object is a transactional producer:
/// `initTransactions`, then `beginTransaction` … `commitTransaction`.
public final class KafkaProducer: Sendable {
    /// The settings this producer was created with.
    public let configuration: KafkaProducerConfiguration
    private let client: RDKafkaClient
    private let callbacks: ProducerCallbacks
    private let blocking: BlockingCalls
    private let topics = Mutex<[String: TopicHandle]>([:])
    private let pollThread: PollThread
    private let mainQueue: QueueHandle
    private let closed = Atomic<Bool>(false)
    private let logger: Logger

    /// - Parameters:
    ///   - metricsLabel: the `client` dimension of librdkafka's statistics gauges (default: the client id).
    ///   - metricsFactory: where those gauges go (default: the bootstrapped `MetricsSystem`).
    public init(
        configuration: KafkaProducerConfiguration, logger: Logger = Logger(label: "hx.kafka.producer"),
        metricsLabel: String? = nil, metricsFactory: (any MetricsFactory)? = nil
    ) throws {
        self.configuration = configuration
        self.logger = logger
        let statistics = configuration.client.statisticsInterval == nil ? nil : KafkaStatisticsReporter(client: metricsLabel ?? configuration.client.clientID, factory: metricsFactory)
        let callbacks = ProducerCallbacks(logger: logger, statistics: statistics)
        self.callbacks = callbacks
        self.client = try RDKafkaClient(kind: .producer, properties: configuration.librdkafkaProperties(), callbacks: callbacks)
        self.blocking = BlockingCalls(label: "hx.kafka.producer.blocking")
        let mainQueue = QueueHandle(pointer: rd_kafka_queue_get_main(client.handle))
        self.mainQueue = mainQueue
        self.pollThread = PollThread(name: "hx-kafka-producer") { callbacks.serve(mainQueue.pointer) }
    }

    deinit {
        pollThread.stop()
        rd_kafka_queue_destroy(mainQueue.pointer)
        for handle in topics.withLock({ $0.values }) { rd_kafka_topic_destroy(handle.pointer) }
        client.destroy()
    }

    // MARK: Sending

    /// Sends one record and returns where it landed; throws when it could not be delivered.
    @discardableResult
    public func send(_ message: KafkaOutgoingMessage) async throws -> KafkaDeliveryReport {
        let report = try await send(batch: [message])[0]
        if let error = report.error { throw error }
        return report
    }

    /// Sends records in order and returns one report per record, in the same order,
    /// once the broker has answered for all of them. Records for one partition
    /// keep their order. A failed record is reported, not thrown: the others may
    /// have been delivered. Throws only when the producer is closed.
    public func send(batch messages: [KafkaOutgoingMessage]) async throws -> KafkaDeliveryReports {
        guard !closed.load(ordering: .relaxed) else { throw KafkaError.closed() }
        if messages.isEmpty { return KafkaDeliveryReports(messages: [], outcome: .init(partitions: [], offsets: [], errors: [:])) }
        if messages.count > DeliveryTracker.maxBatch {
            var reports = KafkaDeliveryReports(messages: [], outcome: .init(partitions: [], offsets: [], errors: [:]))
            for start in stride(from: 0, to: messages.count, by: DeliveryTracker.maxBatch) {
                reports.append(try await send(batch: Array(messages[start..<min(start + DeliveryTracker.maxBatch, messages.count)])))
            }
            return reports
        }
        let tracker = callbacks.tracker
        let batch = tracker.open(count: messages.count)
        var topic: (name: String, handle: OpaquePointer)?
        for (index, message) in messages.enumerated() {
            let opaque = DeliveryTracker.opaque(batch: batch, index: index)
            // Most batches go to one topic: look its handle up once, not per record.
            if topic?.name != message.topic { topic = (message.topic, topicHandle(message.topic)) }
            while true {
                let err = enqueue(message, to: topic!.handle, opaque: opaque)
                if err == RD_KAFKA_RESP_ERR_NO_ERROR { break }
                if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                    // librdkafka's local queue is full: wait for deliveries to drain it.
                    try? await Task.sleep(for: .milliseconds(1))
                    continue
                }
                tracker.settle(batch: batch, index: index, partition: message.partition ?? -1, offset: -1,
                               error: KafkaError(rdkafka: err, context: "producing to \(message.topic)"))
                break
            }
        }
        let outcome = await tracker.wait(batch: batch)
        return KafkaDeliveryReports(messages: messages, outcome: outcome)
    }

    /// Hands one record to librdkafka; headers are freed here unless librdkafka took them.
    private func enqueue(_ message: KafkaOutgoingMessage, to rkt: OpaquePointer, opaque: UnsafeMutableRawPointer?) -> rd_kafka_resp_err_t {
        if message.headers.isEmpty && message.timestampMilliseconds == nil {
            // Without headers or a timestamp the plain call does the same with less
            // argument handling than rd_kafka_producev.
            let status = message.value.withUnsafeBytes { value in
                withOptionalBytes(message.key) { key in
                    rd_kafka_produce(rkt, message.partition ?? -1, RD_KAFKA_MSG_F_COPY,
                                     UnsafeMutableRawPointer(mutating: value.baseAddress), value.count,
                                     key?.baseAddress, key?.count ?? 0, opaque)
                }
            }
            return status == 0 ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_last_error()
        }
        var headers: OpaquePointer?
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                if let value = header.value {
                    value.withUnsafeBytes { _ = rd_kafka_header_add(headers, header.name, -1, $0.baseAddress, $0.count) }
                } else {
                    rd_kafka_header_add(headers, header.name, -1, nil, 0)
                }
            }
        }
        let err = message.value.withUnsafeBytes { value in
            withOptionalBytes(message.key) { key in
                hx_produce(client.handle, rkt, message.partition ?? -1,
                           key?.baseAddress, key?.count ?? 0,
                           value.baseAddress, value.count,
                           headers, message.timestampMilliseconds ?? 0, opaque)
            }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
        return err
    }

    /// A topic handle cached for the producer's life: librdkafka looks a name up on every send otherwise.
    private func topicHandle(_ name: String) -> OpaquePointer {
        topics.withLock { topics in
            if let handle = topics[name] { return handle.pointer }
            let handle = rd_kafka_topic_new(client.handle, name, nil)!
            topics[name] = TopicHandle(pointer: handle)
            return handle
        }
    }

    /// Waits until every record sent so far has its delivery report.
    public func flush(timeout: Duration) async throws {
        let client = self.client
        let err = await blocking.run { rd_kafka_flush(client.handle, timeout.millisecondsInt32) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "flush") }
    }

    /// Records handed to librdkafka and not yet acknowledged by the broker.
    public var outstandingMessages: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Flushes for at most `flushTimeoutOnClose`, fails whatever is still
    /// waiting, and releases the client. Safe to call more than once.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        do {
            try await flush(timeout: configuration.flushTimeoutOnClose)
        } catch {
            logger.warning("Kafka producer closed with records undelivered", metadata: ["kafka.outstanding": "\(outstandingMessages)"])
        }
        let client = self.client, pollThread = self.pollThread
        await blocking.run {
            // Whatever could not be flushed fails with a purge error through the
            // normal report path; what the poll thread has not served by the time
            // it stops is failed below.
            rd_kafka_purge(client.handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            pollThread.stop()
        }
        callbacks.tracker.failAll(KafkaError.closed())
        callbacks.quiet.store(true, ordering: .relaxed)
    }

    // MARK: Transactions

    /// Registers the transactional id with the cluster, fencing any older
    /// producer with the same id. Call once before the first transaction.
    public func initTransactions(timeout: Duration = .seconds(30)) async throws {
        try requireTransactional()
        let client = self.client
        try await blocking.run {
            if let error = rd_kafka_init_transactions(client.handle, timeout.millisecondsInt32) {
                throw KafkaError(consuming: error, context: "init transactions")
            }
        }
    }

    /// Starts a transaction: records sent until `commitTransaction` or
    /// `abortTransaction` belong to it. Local, no broker round trip; needs
    /// `initTransactions` first.
    public func beginTransaction() throws {
        try requireTransactional()
        if let error = rd_kafka_begin_transaction(client.handle) {
            throw KafkaError(consuming: error, context: "begin transaction")
        }
    }

    /// Adds a consumer's positions to the transaction, so that they are
    /// committed if and only if the transaction is.
    public func sendOffsetsToTransaction(_ offsets: [KafkaTopicPartitionOffset], consumer: KafkaConsumer, timeout: Duration = .seconds(30)) async throws {
        try requireTransactional()
        guard !offsets.isEmpty else { return }
        let metadata = try consumer.groupMetadata()
        let client = self.client
        try await blocking.run {
            let list = RDKafkaPartitionList.make(offsets)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            if let error = rd_kafka_send_offsets_to_transaction(client.handle, list, metadata.pointer, timeout.millisecondsInt32) {
                throw KafkaError(consuming: error, context: "send offsets to transaction")
            }
        }
    }

    /// Flushes the transaction's records and commits it.
    public func commitTransaction(timeout: Duration = .seconds(30)) async throws {
        try requireTransactional()
        let client = self.client
        try await blocking.run {
            if let error = rd_kafka_commit_transaction(client.handle, timeout.millisecondsInt32) {
                throw KafkaError(consuming: error, context: "commit transaction")
            }
        }
    }

    /// Aborts the current transaction: records not yet delivered are purged (their
    /// `send` reports the purge), read_committed consumers never see the others, and
    /// offsets sent with it are not committed. The way on after an error with
    /// `requiresAbort`.
    public func abortTransaction(timeout: Duration = .seconds(30)) async throws {
        try requireTransactional()
        let client = self.client
        try await blocking.run {
            if let error = rd_kafka_abort_transaction(client.handle, timeout.millisecondsInt32) {
                throw KafkaError(consuming: error, context: "abort transaction")
            }
        }
    }

    /// Runs `body` in a transaction: committed when it returns, aborted when it
    /// (or the commit) throws an error that allows an abort. A fenced or fatal
    /// error is rethrown without an abort: this producer is finished.
    @discardableResult
    public func inTransaction<T: Sendable>(timeout: Duration = .seconds(30), _ body: () async throws -> T) async throws -> T {
        try beginTransaction()
        do {
            let result = try await body()
            try await commitTransaction(timeout: timeout)
            return result
        } catch let error as KafkaError where error.isFatal {
            throw error
        } catch {
            try await abortTransaction(timeout: timeout)
            throw error
        }
    }

    private func requireTransactional() throws {
        guard configuration.transactionalID != nil else {
            throw KafkaError.configuration("transactions need 'transactional.id' (KafkaProducerConfiguration.transactionalID)")
        }
        guard !closed.load(ordering: .relaxed) else { throw KafkaError.closed() }
    }
}

extension KafkaProducer: Service {
    /// Runs until graceful shutdown, then flushes (bounded) and closes.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}

private struct TopicHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// A librdkafka queue handle; thread-safe like every librdkafka handle.
struct QueueHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

/// The producer's callbacks. Delivery reports arrive as events, a batch of
/// reports per event, so the tracker is locked once per batch rather than
/// once per record; errors and statistics arrive as events too.
final class ProducerCallbacks: RDKafkaCallbacks, @unchecked Sendable {
    let tracker = DeliveryTracker()

    override func install(on conf: OpaquePointer) {
        super.install(on: conf)
        rd_kafka_conf_set_events(conf, Int32(RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_STATS))
    }

    /// Waits up to 100 ms for one event on the main queue and handles it.
    func serve(_ queue: OpaquePointer) {
        guard let event = rd_kafka_queue_poll(queue, 100) else { return }
        defer { rd_kafka_event_destroy(event) }
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_DR:
            let count = rd_kafka_event_message_count(event)
            var messages = [UnsafePointer<rd_kafka_message_t>?](repeating: nil, count: count)
            let filled = rd_kafka_event_message_array(event, &messages, count)
            tracker.settle(messages.prefix(filled).compactMap { pointer -> DeliveryTracker.Settlement? in
                guard let message = pointer?.pointee, let (batch, index) = DeliveryTracker.decode(message._private) else { return nil }
                return DeliveryTracker.Settlement(batch: batch, index: index, partition: message.partition, offset: message.offset, error: message.err.rawValue)
            })
        case RD_KAFKA_EVENT_ERROR:
            let err = rd_kafka_event_error(event)
            var error = KafkaError(rdkafka: err, context: rd_kafka_event_error_string(event).map { String(cString: $0) })
            if rd_kafka_event_error_is_fatal(event) != 0 {
                error = KafkaError(code: .fatal, message: error.message, rdkafkaCode: error.rdkafkaCode, rdkafkaName: error.rdkafkaName, isFatal: true)
            }
            clientError(error)
        case RD_KAFKA_EVENT_STATS:
            if let json = rd_kafka_event_stats(event) { statistics?.report(json: Data(bytes: json, count: strlen(json))) }
        default:
            break
        }
    }
}

/// Runs one blocking librdkafka serving call (`rd_kafka_poll`, `rd_kafka_queue_poll`)
/// in a loop on a thread of its own: such calls block, so they must not run on
/// the cooperative pool. Joined by `stop()`.
final class PollThread: Sendable {
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)

    /// `serve` must return within about 100 ms so that `stop()` is prompt.
    init(name: String, serve: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            while running.load(ordering: .acquiring) { serve() }
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// For clients whose callbacks `rd_kafka_poll` serves (the admin client).
    convenience init(client: RDKafkaClient) {
        self.init(name: "hx-kafka-poll") { rd_kafka_poll(client.handle, 100) }
    }

    /// Stops the thread and waits for it (at most one serving call). Idempotent.
    func stop() {
        if running.exchange(false, ordering: .acquiringAndReleasing) { finished.wait() }
    }
}
