import CRdKafka
import Synchronization

/// The records of one poll, owned together and destroyed together when the
/// last `KafkaMessage` borrowing from them is gone. Records are read-only once
/// delivered, except that librdkafka parses headers on first access and caches
/// them in the record: that access is serialised by `headerLock`.
final class RDKafkaMessageBatch: @unchecked Sendable {
    private let records: [UnsafeMutablePointer<rd_kafka_message_t>]
    private let headerLock = Mutex<Void>(())
    /// librdkafka's destroy waits for every record to be returned: a batch that
    /// outlives its consumer keeps the client alive until the batch goes.
    private let client: RDKafkaClient

    init(_ records: [UnsafeMutablePointer<rd_kafka_message_t>], client: RDKafkaClient) {
        self.records = records
        self.client = client
    }

    deinit {
        for record in records { rd_kafka_message_destroy(record) }
    }

    /// One borrowing `KafkaMessage` per record, with one topic name string per topic.
    func messages() -> [KafkaMessage] {
        var names: [OpaquePointer: String] = [:]
        var last: (rkt: OpaquePointer, name: String)?
        var messages: [KafkaMessage] = []
        messages.reserveCapacity(records.count)
        for (index, raw) in records.enumerated() {
            var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let timestamp = rd_kafka_message_timestamp(raw, &timestampType)
            let topic: String
            if let rkt = raw.pointee.rkt {
                // Runs of records from one topic are the rule: compare with the last first.
                if let last, last.rkt == rkt { topic = last.name } else {
                    topic = names[rkt] ?? String(cString: rd_kafka_topic_name(rkt))
                    names[rkt] = topic
                    last = (rkt, topic)
                }
            } else {
                topic = ""
            }
            messages.append(KafkaMessage(
                topic: topic, partition: raw.pointee.partition, offset: raw.pointee.offset,
                timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp,
                batch: self, index: index))
        }
        return messages
    }

    func key(_ index: Int) -> [UInt8]? {
        let record = records[index].pointee
        return record.key.map { Array(UnsafeRawBufferPointer(start: $0, count: record.key_len)) }
    }

    func withValue<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let record = records[index].pointee
        return try body(UnsafeRawBufferPointer(start: record.payload, count: record.payload == nil ? 0 : record.len))
    }

    func headers(_ index: Int) -> [KafkaHeader] {
        headerLock.withLock { _ in readHeaders(index) }
    }

    private func readHeaders(_ index: Int) -> [KafkaHeader] {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(records[index], &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return [] }
        var result: [KafkaHeader] = []
        var position = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(headers, position, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            result.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "",
                                      value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
            position += 1
        }
        return result
    }
}
