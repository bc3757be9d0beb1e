import CRdKafka

/// The one error type of the Kafka layer.
///
/// `code` is a stable reason code for logs, metrics and dead letters; the
/// librdkafka error (when there is one) is kept beside it with the three
/// flags that decide what a caller does next: retry, abort the transaction,
/// or give up on this client.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// A stable reason code. Its text goes into logs, metrics and dead letters, so
    /// an existing value never changes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's text, e.g. `kafka-timed-out`.
        public let rawValue: String
        /// A code with this text; the constants below are the ones this module makes.
        public init(_ rawValue: String) { self.rawValue = rawValue }
        /// The raw value.
        public var description: String { rawValue }

        /// A configuration property is unknown or its value invalid.
        public static let configurationInvalid = Code("kafka-config-invalid")
        /// The operation or the message did not complete in time (broker unreachable, say).
        public static let timedOut = Code("kafka-timed-out")
        /// Another producer with the same transactional id took over: this one must stop.
        public static let fenced = Code("kafka-producer-fenced")
        /// The current transaction failed and must be aborted; the producer can go on after that.
        public static let transactionAbortRequired = Code("kafka-transaction-abort-required")
        /// The client hit an unrecoverable error and must be recreated.
        public static let fatal = Code("kafka-fatal")
        /// librdkafka's local queue is full; back off and retry.
        public static let queueFull = Code("kafka-queue-full")
        /// The topic or partition does not exist on the cluster.
        public static let unknownTopicOrPartition = Code("kafka-unknown-topic-or-partition")
        /// The client was closed; nothing more can be sent or received.
        public static let closed = Code("kafka-client-closed")
        /// The topic already exists (topic creation).
        public static let topicAlreadyExists = Code("kafka-topic-already-exists")
        /// Any other broker or client error; see `rdkafkaCode`.
        public static let broker = Code("kafka-error")
    }

    /// Why the operation failed: decide on this, not on `message`.
    public let code: Code
    /// librdkafka's `rd_kafka_resp_err_t` value, when the error came from librdkafka.
    public let rdkafkaCode: Int32?
    /// librdkafka's symbolic name for `rdkafkaCode` (e.g. `_MSG_TIMED_OUT`).
    public let rdkafkaName: String?
    /// What failed, for people: the operation and librdkafka's text
    /// (`commit: Broker: Not coordinator`).
    public let message: String
    /// The same call may succeed if made again (a timeout, a leader change, a full queue).
    public let isRetriable: Bool
    /// The client can no longer be used (a fatal librdkafka error, or a fenced
    /// producer): recreate it, or, when fenced, stop.
    public let isFatal: Bool
    /// The transaction in progress must be aborted before the producer is used again.
    public let requiresAbort: Bool
    /// The Swift source file (`#fileID`) where the error was made, for diagnosis.
    public let file: String
    /// The line in `file`.
    public let line: UInt

    /// An error with this code and text; `file` and `line` default to the caller's position.
    public init(
        code: Code, message: String, rdkafkaCode: Int32? = nil, rdkafkaName: String? = nil,
        isRetriable: Bool = false, isFatal: Bool = false, requiresAbort: Bool = false,
        file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.message = message
        self.rdkafkaCode = rdkafkaCode
        self.rdkafkaName = rdkafkaName
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.requiresAbort = requiresAbort
        self.file = file
        self.line = line
    }

    /// `code: message [librdkafka name] (flags)`, for logs.
    public var description: String {
        var text = "\(code): \(message)"
        if let rdkafkaName { text += " [\(rdkafkaName)]" }
        var flags: [String] = []
        if isRetriable { flags.append("retriable") }
        if isFatal { flags.append("fatal") }
        if requiresAbort { flags.append("abort transaction") }
        if !flags.isEmpty { text += " (\(flags.joined(separator: ", ")))" }
        return text
    }

    static func configuration(_ message: String, file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(code: .configurationInvalid, message: message, file: file, line: line)
    }

    static func closed(file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(code: .closed, message: "the Kafka client is closed", file: file, line: line)
    }

    /// An error from a plain `rd_kafka_resp_err_t`.
    init(rdkafka err: rd_kafka_resp_err_t, context: String? = nil, file: String = #fileID, line: UInt = #line) {
        let name = String(cString: rd_kafka_err2name(err))
        let text = String(cString: rd_kafka_err2str(err))
        self.init(
            code: Self.code(for: err),
            message: context.map { "\($0): \(text)" } ?? text,
            rdkafkaCode: err.rawValue,
            rdkafkaName: name,
            isRetriable: Self.retriableCodes.contains(err.rawValue),
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL || err == RD_KAFKA_RESP_ERR__FENCED,
            file: file, line: line
        )
    }

    /// An error from an `rd_kafka_error_t` (transactions and newer APIs), which it destroys.
    init(consuming error: OpaquePointer, context: String? = nil, file: String = #fileID, line: UInt = #line) {
        defer { rd_kafka_error_destroy(error) }
        let err = rd_kafka_error_code(error)
        let fatal = rd_kafka_error_is_fatal(error) != 0
        let abort = rd_kafka_error_txn_requires_abort(error) != 0
        let text = String(cString: rd_kafka_error_string(error))
        var code = Self.code(for: err)
        if fatal && code != .fenced { code = Self.isFencing(err) ? .fenced : .fatal }
        if abort { code = .transactionAbortRequired }
        self.init(
            code: code,
            message: context.map { "\($0): \(text)" } ?? text,
            rdkafkaCode: err.rawValue,
            rdkafkaName: String(cString: rd_kafka_error_name(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: fatal,
            requiresAbort: abort,
            file: file, line: line
        )
    }

    private static func isFencing(_ err: rd_kafka_resp_err_t) -> Bool {
        err == RD_KAFKA_RESP_ERR__FENCED || err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED
            || err == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH
            || err == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    }

    private static func code(for err: rd_kafka_resp_err_t) -> Code {
        switch err {
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
            RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE,
            RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
            return .timedOut
        case RD_KAFKA_RESP_ERR__QUEUE_FULL:
            return .queueFull
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            return .unknownTopicOrPartition
        case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
            return .topicAlreadyExists
        case RD_KAFKA_RESP_ERR__FATAL:
            return .fatal
        case _ where isFencing(err):
            return .fenced
        default:
            return .broker
        }
    }

    private static let retriableCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue,
        RD_KAFKA_RESP_ERR__TRANSPORT.rawValue, RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS.rawValue,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE.rawValue, RD_KAFKA_RESP_ERR_NOT_COORDINATOR.rawValue,
    ]
}
