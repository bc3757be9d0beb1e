import HXKafka

/// Which polled records a chain may take, so that no input offset is passed
/// over without being decided.
///
/// Each chain expects its partition's inputs in offset order from where it
/// resumed. A record below that point was decided already (one fetched
/// before a seek, say): it is dropped. A record above it means the read
/// position jumped — a stale fetch, a seek that lost a race with the group's
/// own offset fetch, a broker handing a partition to two members — and
/// deciding it would commit past inputs never decided. The chain takes
/// nothing from that partition and reads again from the expected offset. The
/// same jump seen twice in a row from the same place is the log's own: offsets
/// without a record a consumer sees (transaction markers, compacted
/// records), accepted the second time.
package struct InputContinuity: Sendable {
    /// What to do with one polled batch.
    package struct Admission: Sendable, Equatable {
        /// For each record of the batch, in order: whether to decide it now.
        package var admitted: [Bool]
        /// Partitions to read again, from the offset their chain expects.
        package var rewind: [KafkaTopicPartitionOffset]
        /// Records dropped because their chain had passed them.
        package var stale: Int
    }

    private struct Jump: Equatable {
        var expected: Int64
        var found: Int64
    }

    /// The next offset each chain expects; absent while the first record read decides it.
    private var next: [KafkaTopicPartition: Int64] = [:]
    /// The last jump a partition was rewound for.
    private var rewound: [KafkaTopicPartition: Jump] = [:]

    package init() {}

    /// A chain resumed: its next input is at `offset`, or wherever reading starts when nil.
    package mutating func resume(_ partition: KafkaTopicPartition, at offset: Int64?) {
        next[partition] = offset
        rewound[partition] = nil
    }

    /// A partition was revoked: its chain is gone.
    package mutating func forget(_ partition: KafkaTopicPartition) {
        next[partition] = nil
        rewound[partition] = nil
    }

    /// Sorts one batch, records given as partition and offset in poll order.
    package mutating func admit(_ records: [(partition: KafkaTopicPartition, offset: Int64)]) -> Admission {
        var admitted = [Bool](repeating: false, count: records.count)
        var stale = 0
        var expected = next
        var halted: [KafkaTopicPartition: Int64] = [:]
        for (i, record) in records.enumerated() {
            let tp = record.partition
            if halted[tp] != nil { continue }
            guard let want = expected[tp] else {
                admitted[i] = true
                expected[tp] = record.offset + 1
                continue
            }
            if record.offset < want {
                stale += 1
            } else if record.offset == want || rewound[tp] == Jump(expected: want, found: record.offset) {
                admitted[i] = true
                expected[tp] = record.offset + 1
                rewound[tp] = nil
            } else {
                rewound[tp] = Jump(expected: want, found: record.offset)
                halted[tp] = want
            }
        }
        let rewind = halted.sorted { $0.key < $1.key }.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
        return Admission(admitted: admitted, rewind: rewind, stale: stale)
    }

    /// The admitted records were decided and committed: their chains expect what follows them.
    package mutating func committed(_ positions: [KafkaTopicPartitionOffset]) {
        for p in positions { next[p.topicPartition] = p.offset }
    }
}
