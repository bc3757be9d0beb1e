/// A header on a Kafka record. Values are bytes; most of ours are UTF-8 text.
public struct KafkaHeader: Sendable, Hashable {
    /// The header's name; a record may carry several headers of one name.
    public var name: String
    /// The raw bytes; nil for a null value, which Kafka tells apart from an empty one.
    public var value: [UInt8]?

    /// A header with these bytes (nil: a null value).
    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header whose value is this text in UTF-8.
    public init(_ name: String, _ text: String) {
        self.init(name: name, value: Array(text.utf8))
    }

    /// The value as UTF-8 text, or nil when absent.
    public var text: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}

/// A record to send.
public struct KafkaOutgoingMessage: Sendable {
    /// The topic to send to.
    public var topic: String
    /// `nil`: the partitioner picks one from the key (`murmur2_random`, as Java
    /// clients do), so one key always lands on one partition.
    public var partition: Int32?
    /// The record key, which chooses the partition when `partition` is nil; nil for none.
    public var key: [UInt8]?
    /// The record value; librdkafka copies it when the record is sent.
    public var value: [UInt8]
    /// The record's headers, sent in this order.
    public var headers: [KafkaHeader]
    /// Milliseconds since 1970; `nil`: the time of sending.
    public var timestampMilliseconds: Int64?

    /// A record of bytes.
    public init(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [], timestampMilliseconds: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// A record whose key and value are this text in UTF-8.
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
    /// The topic the record was read from.
    public var topic: String
    /// The partition the record was read from.
    public var partition: Int32
    /// The record's offset in its partition; commit `nextPosition`, not this.
    public var offset: Int64
    /// Milliseconds since 1970 as the broker or producer stamped it; nil when the record has none.
    public var timestampMilliseconds: Int64?
    private let storage: Storage

    private enum Storage: Sendable {
        case owned(key: [UInt8]?, value: [UInt8], headers: [KafkaHeader])
        case borrowed(RDKafkaMessageBatch, index: Int)
    }

    /// A record that owns its bytes rather than borrowing librdkafka's (tests,
    /// records built in memory).
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

    /// The key, copied out; nil when the record has none.
    public var key: [UInt8]? {
        switch storage {
        case .owned(let key, _, _): return key
        case .borrowed(let batch, let index): return batch.key(index)
        }
    }

    /// The value, copied out (`withUnsafeValue` reads it in place); empty for a null value.
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

    /// The value's length in bytes, without copying it.
    public var valueCount: Int { withUnsafeValue { $0.count } }

    /// The headers in record order, copied out.
    public var headers: [KafkaHeader] {
        switch storage {
        case .owned(_, _, let headers): return headers
        case .borrowed(let batch, let index): return batch.headers(index)
        }
    }

    /// The key as UTF-8 text (invalid bytes become U+FFFD); nil when there is none.
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    /// The value as UTF-8 text (invalid bytes become U+FFFD), decoded in place.
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

    /// Always 0.
    public var startIndex: Int { 0 }
    /// The number of records sent.
    public var endIndex: Int { topics.count }

    /// The report of the record at this position in the batch sent.
    public subscript(position: Int) -> KafkaDeliveryReport {
        KafkaDeliveryReport(topic: topics[position], partition: outcome.partitions[position],
                            offset: outcome.offsets[position], error: outcome.errors[position])
    }

    /// Whether the broker took every record.
    public var allSucceeded: Bool { outcome.errors.isEmpty }

    /// The reports of the records that failed, in order.
    public var failures: [KafkaDeliveryReport] { outcome.errors.keys.sorted().map { self[$0] } }

    /// Throws the first failure's error, if any record was not delivered: a
    /// transaction with such a record must not be committed.
    public func throwFirstFailure() throws {
        if let failure = failures.first, let error = failure.error { throw error }
    }

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
    /// The topic the record was sent to.
    public var topic: String
    /// The partition it landed on; -1 when it failed before one was chosen.
    public var partition: Int32
    /// The offset the broker gave it; negative when it failed.
    public var offset: Int64
    /// Why it was not delivered; nil when the broker has it.
    public var error: KafkaError?

    /// Whether the broker has the record (`error` is nil).
    public var succeeded: Bool { error == nil }
}

/// One partition of one topic; ordered by topic name, then partition number.
public struct KafkaTopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The topic's name.
    public var topic: String
    /// The partition number, from 0.
    public var partition: Int32

    /// This partition of this topic.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// By topic name, then partition number.
    public static func < (a: Self, b: Self) -> Bool { (a.topic, a.partition) < (b.topic, b.partition) }
    /// `topic[partition]`, as logs show it.
    public var description: String { "\(topic)[\(partition)]" }
}

/// A position in one partition: where to read from, commit or seek.
public struct KafkaTopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    /// The topic's name.
    public var topic: String
    /// The partition number, from 0.
    public var partition: Int32
    /// The next offset to read (Kafka's committed-offset convention).
    public var offset: Int64

    /// Offset `offset` of this partition of this topic.
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// The partition, without the offset.
    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
    /// `topic[partition]@offset`, as logs show it.
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
