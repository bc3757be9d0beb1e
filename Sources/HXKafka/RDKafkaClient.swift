import CRdKafka
import Dispatch
import Foundation
import Logging
import Synchronization

/// Owns one `rd_kafka_t`. librdkafka handles are thread-safe, so the box is
/// `@unchecked Sendable`; it is the only place a handle is created or destroyed.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind { case producer, consumer }

    let handle: OpaquePointer
    let kind: Kind
    let callbacks: RDKafkaCallbacks
    private let destroyed = Atomic<Bool>(false)

    /// Creates the handle. Every property is set one by one so that an unknown
    /// name or invalid value is reported with its name.
    init(kind: Kind, properties: [(String, String)], callbacks: RDKafkaCallbacks, configure: (OpaquePointer) -> Void = { _ in }) throws {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError.configuration("rd_kafka_conf_new failed") }
        var errstr = [CChar](repeating: 0, count: 512)
        for (name, value) in properties {
            let result = rd_kafka_conf_set(conf, name, value, &errstr, errstr.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let problem = string(fromCBuffer: errstr)
                let shown = name.contains("password") ? "<hidden>" : value
                throw KafkaError.configuration("property '\(name)' = '\(shown)': \(problem)")
            }
        }
        callbacks.install(on: conf)
        configure(conf)
        let unmanaged = Unmanaged.passRetained(callbacks)
        rd_kafka_conf_set_opaque(conf, unmanaged.toOpaque())
        // rd_kafka_new takes ownership of conf on success only.
        guard let rk = rd_kafka_new(kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            unmanaged.release()
            let problem = string(fromCBuffer: errstr)
            throw KafkaError.configuration(problem)
        }
        self.handle = rk
        self.kind = kind
        self.callbacks = callbacks
    }

    /// Destroys the handle once; later calls do nothing.
    func destroy() {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_destroy(handle)
        Unmanaged.passUnretained(callbacks).release()
    }

    deinit { destroy() }

    /// The name librdkafka gave this instance (`client.id#producer-1`), for logs.
    var name: String { String(cString: rd_kafka_name(handle)) }
}

/// What librdkafka's C callbacks reach through the handle's opaque pointer:
/// the logger, statistics, and whatever the producer or consumer hangs on it.
class RDKafkaCallbacks: @unchecked Sendable {
    let logger: Logger
    let statistics: KafkaStatisticsReporter?
    /// Set once the client is closed: a closed client whose handle still lives (records
    /// may hold it) keeps reconnecting to a broker that may be gone; that is not news.
    let quiet = Atomic<Bool>(false)

    init(logger: Logger, statistics: KafkaStatisticsReporter?) {
        self.logger = logger
        self.statistics = statistics
    }

    /// Installs the C callbacks this object serves. Subclasses add theirs.
    func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let rk, let callbacks = RDKafkaCallbacks.from(rk) else { return }
            callbacks.log(level: level, facility: facility.map { String(cString: $0) } ?? "", message: message.map { String(cString: $0) } ?? "")
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, _ in
            guard let rk, let callbacks = RDKafkaCallbacks.from(rk) else { return }
            callbacks.clientError(KafkaError(rdkafka: rd_kafka_resp_err_t(rawValue: err), context: reason.map { String(cString: $0) }))
        }
        rd_kafka_conf_set_stats_cb(conf) { rk, json, length, _ in
            guard let rk, let json, let callbacks = RDKafkaCallbacks.from(rk) else { return 0 }
            let bytes = UnsafeRawBufferPointer(start: json, count: length)
            callbacks.statistics?.report(json: Data(bytes))
            return 0  // 0: librdkafka frees the JSON buffer
        }
    }

    static func from(_ rk: OpaquePointer) -> RDKafkaCallbacks? {
        guard let opaque = rd_kafka_opaque(rk) else { return nil }
        return Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// librdkafka's syslog levels mapped onto swift-log's. Its log lines name
    /// brokers, topics and partitions, never message contents.
    func log(level: Int32, facility: String, message: String) {
        let swiftLevel: Logger.Level
        switch level {
        case ...2: swiftLevel = .critical
        case 3: swiftLevel = .error
        case 4: swiftLevel = .warning
        case 5: swiftLevel = .notice
        // librdkafka's info lines (connections coming and going) are routine: debug here.
        default: swiftLevel = .debug
        }
        if quiet.load(ordering: .relaxed) && swiftLevel > .debug { return logger.debug("\(message)", metadata: ["kafka.facility": "\(facility)"]) }
        logger.log(level: swiftLevel, "\(message)", metadata: ["kafka.facility": "\(facility)"])
    }

    /// Errors librdkafka reports outside any one request. Most are transient
    /// (a broker went away and will be retried); fatal ones are logged as such.
    func clientError(_ error: KafkaError) {
        if quiet.load(ordering: .relaxed) { return logger.debug("Kafka client error after close", metadata: ["kafka.error": "\(error)"]) }
        if error.isFatal {
            logger.critical("Kafka client fatal error", metadata: ["kafka.error": "\(error)"])
        } else {
            logger.warning("Kafka client error", metadata: ["kafka.error": "\(error)"])
        }
    }
}

/// Runs blocking librdkafka calls on a thread of their own, never on Swift's
/// cooperative pool (whose few threads must never block).
struct BlockingCalls: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}

/// The NUL-terminated text librdkafka wrote into an error buffer.
func string(fromCBuffer buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
