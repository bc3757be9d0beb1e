import CRdKafka
import Logging

/// A topic to create.
public struct KafkaTopicSpec: Sendable, Equatable {
    /// The topic's name.
    public var name: String
    /// How many partitions to create it with.
    public var partitions: Int32
    /// `-1`: the broker's `default.replication.factor`.
    public var replicationFactor: Int32
    /// Topic-level configuration (`cleanup.policy`, `retention.ms`, ...).
    public var configs: [String: String]

    /// A topic of `partitions` partitions; by default with the broker's replication
    /// factor and no topic-level configuration of its own.
    public init(name: String, partitions: Int32, replicationFactor: Int32 = -1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// What `createTopics` did with one topic.
public struct KafkaTopicCreationResult: Sendable {
    /// Created now, found already there (and left unchanged), or refused.
    public enum Outcome: Sendable {
        case created
        case alreadyExists
        case failed(KafkaError)
    }
    /// The topic's name, as the cluster reported it.
    public var name: String
    /// What happened to it.
    public var outcome: Outcome
}

/// One broker as the cluster's metadata lists it.
public struct KafkaBrokerDescription: Sendable, Equatable {
    /// The broker's id, as partitions' `leader` and replica lists name it.
    public var id: Int32
    /// The host name the broker advertises to clients.
    public var host: String
    /// The port the broker advertises to clients.
    public var port: Int32
}

/// One partition of a topic as the cluster's metadata describes it.
public struct KafkaPartitionDescription: Sendable, Equatable {
    /// The partition number, from 0.
    public var id: Int32
    /// The id of the broker leading the partition; -1 while it has none.
    public var leader: Int32
    /// Ids of the brokers holding a replica of the partition.
    public var replicas: [Int32]
    /// Ids of the replicas caught up with the leader: with `acks=all` a write
    /// waits for each of these.
    public var inSyncReplicas: [Int32]
}

/// One topic as the cluster's metadata describes it.
public struct KafkaTopicDescription: Sendable {
    /// The topic's name.
    public var name: String
    /// The topic's partitions, sorted by id.
    public var partitions: [KafkaPartitionDescription]
    /// Why the cluster could not describe the topic (leader not available, not
    /// authorised, ...); nil when it could.
    public var error: KafkaError?
}

/// What `describeCluster` saw: the brokers and every topic.
public struct KafkaClusterDescription: Sendable {
    /// The brokers, in the order the metadata answer listed them.
    public var brokers: [KafkaBrokerDescription]
    /// Every topic, sorted by name, those with an `error` included.
    public var topics: [KafkaTopicDescription]

    /// The named topic; nil when it does not exist or came back with an error.
    public func topic(_ name: String) -> KafkaTopicDescription? { topics.first { $0.name == name && $0.error == nil } }
}

/// Earliest offset still kept and the offset the next record will get.
public struct KafkaWatermarks: Sendable, Equatable {
    /// The earliest offset still kept (the log start offset).
    public var low: Int64
    /// The end: the offset the next record will get (the high watermark).
    public var high: Int64
    /// Offsets between the two: at most the number of records kept, since
    /// compaction leaves gaps and transaction markers take offsets too.
    public var count: Int64 { high - low }

    /// Watermarks from these two offsets.
    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }
}

/// One consumer group as the cluster lists it.
public struct KafkaConsumerGroupListing: Sendable, Equatable {
    /// The group's `group.id`.
    public var id: String
    /// The state the group coordinator reports (`Stable`, `Empty`,
    /// `PreparingRebalance`, `Dead`, ...); `Unknown` when it reports none.
    public var state: String

    /// A listing of this group in this state.
    public init(id: String, state: String) {
        self.id = id
        self.state = state
    }
}

/// How far a consumer group is behind on one partition.
public struct KafkaPartitionLag: Sendable {
    /// The partition.
    public var topicPartition: KafkaTopicPartition
    /// The group's committed position; nil when it has committed none.
    public var committed: Int64?
    /// The partition's watermarks when asked; `lag` counts up to `high`.
    public var watermarks: KafkaWatermarks
    /// Records written and not yet committed by the group.
    public var lag: Int64 { watermarks.high - (committed.map { max($0, watermarks.low) } ?? watermarks.low) }
}

/// Cluster administration for operators and set-up: topics, watermarks,
/// consumer-group positions and lag.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient
    private let blocking = BlockingCalls(label: "hx.kafka.admin")
    private let pollThread: PollThread

    /// Creates the client from the shared settings (`properties` applied last);
    /// throws `configurationInvalid` for an unknown property or an invalid value.
    /// A thread of its own serves librdkafka's callbacks until the admin is released.
    public init(configuration: KafkaClientConfiguration, logger: Logger = Logger(label: "hx.kafka.admin")) throws {
        var properties = configuration.librdkafkaProperties()
        properties += configuration.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        client = try RDKafkaClient(kind: .producer, properties: properties, callbacks: RDKafkaCallbacks(logger: logger, statistics: nil))
        pollThread = PollThread(client: client)
    }

    deinit { pollThread.stop() }

    /// Creates the topics that do not exist; existing ones are reported as such, not changed.
    public func createTopics(_ specs: [KafkaTopicSpec], timeout: Duration = .seconds(30)) async throws -> [KafkaTopicCreationResult] {
        guard !specs.isEmpty else { return [] }
        let client = self.client
        return try await blocking.run {
            var errstr = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
            for spec in specs {
                guard let topic = rd_kafka_NewTopic_new(spec.name, spec.partitions, spec.replicationFactor, &errstr, errstr.count) else {
                    throw KafkaError.configuration("topic \(spec.name): \(string(fromCBuffer: errstr))")
                }
                newTopics.append(topic)
                for (name, value) in spec.configs.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(topic, name, value)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "topic \(spec.name) config \(name)") }
                }
            }
            return try Self.adminRequest(client, op: RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout: timeout) { options, queue in
                rd_kafka_CreateTopics(client.handle, &newTopics, newTopics.count, options, queue)
            } result: { event in
                var count = 0
                let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
                return (0..<count).map { index in
                    let result = results![index]
                    let name = String(cString: rd_kafka_topic_result_name(result))
                    let err = rd_kafka_topic_result_error(result)
                    switch err {
                    case RD_KAFKA_RESP_ERR_NO_ERROR: return KafkaTopicCreationResult(name: name, outcome: .created)
                    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: return KafkaTopicCreationResult(name: name, outcome: .alreadyExists)
                    default:
                        let detail = rd_kafka_topic_result_error_string(result).map { String(cString: $0) }
                        return KafkaTopicCreationResult(name: name, outcome: .failed(KafkaError(rdkafka: err, context: detail.map { "create \(name): \($0)" } ?? "create \(name)")))
                    }
                }
            }
        }
    }

    /// Brokers, and topics with their partitions, leaders and replicas.
    public func describeCluster(timeout: Duration = .seconds(10)) async throws -> KafkaClusterDescription {
        let client = self.client
        return try await blocking.run {
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(client.handle, 1, nil, &metadata, timeout.millisecondsInt32)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(rdkafka: err, context: "metadata") }
            defer { rd_kafka_metadata_destroy(metadata) }
            let m = metadata.pointee
            let brokers = (0..<Int(m.broker_cnt)).map { i in
                KafkaBrokerDescription(id: m.brokers[i].id, host: String(cString: m.brokers[i].host), port: m.brokers[i].port)
            }
            let topics = (0..<Int(m.topic_cnt)).map { i in
                let t = m.topics[i]
                let partitions = (0..<Int(t.partition_cnt)).map { j in
                    let p = t.partitions[j]
                    return KafkaPartitionDescription(
                        id: p.id, leader: p.leader,
                        replicas: (0..<Int(p.replica_cnt)).map { p.replicas[$0] },
                        inSyncReplicas: (0..<Int(p.isr_cnt)).map { p.isrs[$0] })
                }.sorted { $0.id < $1.id }
                return KafkaTopicDescription(
                    name: String(cString: t.topic), partitions: partitions,
                    error: t.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(rdkafka: t.err, context: String(cString: t.topic)))
            }.sorted { $0.name < $1.name }
            return KafkaClusterDescription(brokers: brokers, topics: topics)
        }
    }

    /// Low and high watermarks of one partition, asked of its leader.
    public func watermarks(_ partition: KafkaTopicPartition, timeout: Duration = .seconds(10)) async throws -> KafkaWatermarks {
        let client = self.client
        return try await blocking.run {
            var low: Int64 = 0, high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(client.handle, partition.topic, partition.partition, &low, &high, timeout.millisecondsInt32)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "watermarks \(partition)") }
            return KafkaWatermarks(low: low, high: high)
        }
    }

    /// A group's committed positions for these partitions (offset < 0: none committed).
    public func committedOffsets(group: String, partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartitionOffset] {
        let client = self.client
        return try await blocking.run {
            let list = RDKafkaPartitionList.make(partitions)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            var requests: [OpaquePointer?] = [rd_kafka_ListConsumerGroupOffsets_new(group, list)]
            defer { rd_kafka_ListConsumerGroupOffsets_destroy(requests[0]) }
            return try Self.adminRequest(client, op: RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout: timeout) { options, queue in
                rd_kafka_ListConsumerGroupOffsets(client.handle, &requests, 1, options, queue)
            } result: { event in
                var count = 0
                let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(event), &count)
                guard count > 0, let result = groups?[0] else { return [] }
                if let error = rd_kafka_group_result_error(result) {
                    throw KafkaError(code: .broker, message: "group \(group): \(String(cString: rd_kafka_error_string(error)))",
                                     rdkafkaCode: rd_kafka_error_code(error).rawValue)
                }
                guard let offsets = rd_kafka_group_result_partitions(result) else { return [] }
                return RDKafkaPartitionList.offsets(offsets)
            }
        }
    }

    /// The cluster's consumer groups, by id, with the state the group
    /// coordinator reports (`Stable`, `Empty`, `PreparingRebalance`, ...).
    public func consumerGroups(timeout: Duration = .seconds(10)) async throws -> [KafkaConsumerGroupListing] {
        let client = self.client
        return try await blocking.run {
            try Self.adminRequest(client, op: RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout: timeout) { options, queue in
                rd_kafka_ListConsumerGroups(client.handle, options, queue)
            } result: { event in
                var count = 0
                guard let result = rd_kafka_event_ListConsumerGroups_result(event),
                      let groups = rd_kafka_ListConsumerGroups_result_valid(result, &count) else { return [] }
                return (0..<count).compactMap { i in
                    guard let group = groups[i], let id = rd_kafka_ConsumerGroupListing_group_id(group) else { return nil }
                    let state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(group)).map { String(cString: $0) } ?? "Unknown"
                    return KafkaConsumerGroupListing(id: String(cString: id), state: state)
                }.sorted { $0.id < $1.id }
            }
        }
    }

    /// Per-partition lag of a consumer group over these topics: what operators
    /// watch to see a stuck or slow consumer.
    public func lag(group: String, topics: [String], timeout: Duration = .seconds(10)) async throws -> [KafkaPartitionLag] {
        let cluster = try await describeCluster(timeout: timeout)
        let partitions = topics.flatMap { name in
            (cluster.topic(name)?.partitions ?? []).map { KafkaTopicPartition(topic: name, partition: $0.id) }
        }
        let committed = try await committedOffsets(group: group, partitions: partitions, timeout: timeout)
        let byPartition = Dictionary(committed.map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var result: [KafkaPartitionLag] = []
        for partition in partitions {
            let marks = try await watermarks(partition, timeout: timeout)
            let position = byPartition[partition].flatMap { $0 >= 0 ? $0 : nil }
            result.append(KafkaPartitionLag(topicPartition: partition, committed: position, watermarks: marks))
        }
        return result
    }

    /// One admin request: options, a private reply queue, the call, and its
    /// result event, which `result` reads before the event is destroyed.
    private static func adminRequest<T>(
        _ client: RDKafkaClient, op: rd_kafka_admin_op_t, timeout: Duration,
        call: (OpaquePointer?, OpaquePointer?) -> Void, result: (OpaquePointer) throws -> T
    ) throws -> T {
        let queue = rd_kafka_queue_new(client.handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(client.handle, op)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errstr = [CChar](repeating: 0, count: 512)
        rd_kafka_AdminOptions_set_request_timeout(options, timeout.millisecondsInt32, &errstr, errstr.count)
        if op == RD_KAFKA_ADMIN_OP_CREATETOPICS {
            rd_kafka_AdminOptions_set_operation_timeout(options, timeout.millisecondsInt32, &errstr, errstr.count)
        }
        call(options, queue)
        // The request's own timeout answers first; the margin only guards against a lost reply.
        guard let event = rd_kafka_queue_poll(queue, timeout.millisecondsInt32 + 5000) else {
            throw KafkaError(code: .timedOut, message: "no answer from the cluster within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(rdkafka: err, context: rd_kafka_event_error_string(event).map { String(cString: $0) })
        }
        return try result(event)
    }
}
