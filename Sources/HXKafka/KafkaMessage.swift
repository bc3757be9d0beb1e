/// A header on a Kafka record. Values are bytes; most of ours are UTF-8 text.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    public init(_ name: String, _ text: String) {
        self.init(name: name, value: Array(text.utf8))
    }

    /// The value as UTF-8 text, or nil when absent.
    public var text: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}

/// A record to send.
public struct KafkaOutgoingMessage: Sendable {
    public var topic: String
    /// `nil`: the partitioner picks one from the key (`murmur2_random`, as Java
    /// clients do), so one key always lands on one partition.
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// Milliseconds since 1970; `nil`: the time of sending.
    public var timestampMilliseconds: Int64?

    public init(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [], timestampMilliseconds: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    public init(topic: String, key: String?, value: String, headers: [KafkaHeader] = []) {
        self.init(topic: topic, key: key.map { Array($0.utf8) }, value: Array(value.utf8), headers: headers)
    }
}

/// A record received from the cluster.
///
/// A record from `KafkaConsumer.poll` borrows librdkafka's buffer rather than
/// copying it: `key`, `value` and `headers` copy out on access, and
/// `withUnsafeValue` reads in place. The buffers of one poll's batch are
/// released when the last record of that batch is; copy what must be kept
/// for long.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since 1970 as the broker or producer stamped it; nil when the record has none.
    public var timestampMilliseconds: Int64?
    private let storage: Storage

    private enum Storage: Sendable {
        case owned(key: [UInt8]?, value: [UInt8], headers: [KafkaHeader])
        case borrowed(RDKafkaMessageBatch, index: Int)
    }

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader], timestampMilliseconds: Int64?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestampMilliseconds = timestampMilliseconds
        self.storage = .owned(key: key, value: value, headers: headers)
    }

    init(topic: String, partition: Int32, offset: Int64, timestampMilliseconds: Int64?, batch: RDKafkaMessageBatch, index: Int) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestampMilliseconds = timestampMilliseconds
        self.storage = .borrowed(batch, index: index)
    }

    public var key: [UInt8]? {
        switch storage {
        case .owned(let key, _, _): return key
        case .borrowed(let batch, let index): return batch.key(index)
        }
    }

    public var value: [UInt8] {
        switch storage {
        case .owned(_, let value, _): return value
        case .borrowed(let batch, let index): return batch.withValue(index) { Array($0) }
        }
    }

    /// Reads the value in place, without copying it.
    public func withUnsafeValue<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch storage {
        case .owned(_, let value, _): return try value.withUnsafeBytes(body)
        case .borrowed(let batch, let index): return try batch.withValue(index, body)
        }
    }

    public var valueCount: Int { withUnsafeValue { $0.count } }

    public var headers: [KafkaHeader] {
        switch storage {
        case .owned(_, _, let headers): return headers
        case .borrowed(let batch, let index): return batch.headers(index)
        }
    }

    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    public var valueString: String { withUnsafeValue { String(decoding: $0, as: UTF8.self) } }

    /// The first header with this name.
    public func header(_ name: String) -> KafkaHeader? { headers.first { $0.name == name } }

    /// The position a consumer commits once this message is processed: the next offset.
    public var nextPosition: KafkaTopicPartitionOffset {
        KafkaTopicPartitionOffset(topic: topic, partition: partition, offset: offset + 1)
    }
}

/// The delivery reports of one `send(batch:)`, in the order of the records
/// sent. Reports are made on access from compact arrays: a batch of tens of
/// thousands of records would otherwise allocate as many report values.
public struct KafkaDeliveryReports: RandomAccessCollection, Sendable {
    private var topics: [String]
    private var outcome: DeliveryTracker.Outcome

    init(messages: [KafkaOutgoingMessage], outcome: DeliveryTracker.Outcome) {
        self.topics = messages.map(\.topic)
        self.outcome = outcome
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { topics.count }

    public subscript(position: Int) -> KafkaDeliveryReport {
        KafkaDeliveryReport(topic: topics[position], partition: outcome.partitions[position],
                            offset: outcome.offsets[position], error: outcome.errors[position])
    }

    /// Whether the broker took every record.
    public var allSucceeded: Bool { outcome.errors.isEmpty }

    /// The reports of the records that failed, in order.
    public var failures: [KafkaDeliveryReport] { outcome.errors.keys.sorted().map { self[$0] } }

    mutating func append(_ other: KafkaDeliveryReports) {
        let shift = topics.count
        topics += other.topics
        outcome.partitions += other.outcome.partitions
        outcome.offsets += other.outcome.offsets
        for (index, error) in other.outcome.errors { outcome.errors[index + shift] = error }
    }
}

/// Where a record landed, or why it did not.
public struct KafkaDeliveryReport: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var error: KafkaError?

    public var succeeded: Bool { error == nil }
}

public struct KafkaTopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (a: Self, b: Self) -> Bool { (a.topic, a.partition) < (b.topic, b.partition) }
    public var description: String { "\(topic)[\(partition)]" }
}

public struct KafkaTopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    /// The next offset to read (Kafka's committed-offset convention).
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
    public var description: String { "\(topic)[\(partition)]@\(offset)" }

    /// For each partition, the position after the last of these messages.
    public static func positions(after messages: some Sequence<KafkaMessage>) -> [KafkaTopicPartitionOffset] {
        var next: [KafkaTopicPartition: Int64] = [:]
        for message in messages {
            let tp = KafkaTopicPartition(topic: message.topic, partition: message.partition)
            next[tp] = max(next[tp] ?? 0, message.offset + 1)
        }
        return next.sorted { $0.key < $1.key }.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
    }
}
