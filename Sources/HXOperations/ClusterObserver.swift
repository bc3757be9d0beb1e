import Foundation
import HXCanonical
import HXKafka
import HXSerial
import HXService
import Logging
import ServiceLifecycle

/// One partition's offsets at a sample.
package struct PartitionStatus: Sendable, Equatable {
    package init(partition: Int32, low: Int64, high: Int64) {
        self.partition = partition
        self.low = low
        self.high = high
    }

    package var partition: Int32
    package var low: Int64
    package var high: Int64
}

package struct TopicStatus: Sendable, Equatable {
    package init(name: String, partitions: [PartitionStatus], inPerMinute: Int? = nil, outPerMinute: Int? = nil) {
        self.name = name
        self.partitions = partitions
        self.inPerMinute = inPerMinute
        self.outPerMinute = outPerMinute
    }

    package var name: String
    package var partitions: [PartitionStatus]
    /// Records written in the last minute (nil until a minute of samples exists).
    package var inPerMinute: Int?
    /// Records consumed (committed) by all groups in the last minute.
    package var outPerMinute: Int?
    package var records: Int64 { partitions.reduce(0) { $0 + $1.high - $1.low } }
}

package struct GroupPartitionStatus: Sendable, Equatable {
    package init(topic: String, partition: Int32, committed: Int64, high: Int64) {
        self.topic = topic
        self.partition = partition
        self.committed = committed
        self.high = high
    }

    package var topic: String
    package var partition: Int32
    package var committed: Int64
    package var high: Int64
    package var lag: Int64 { max(0, high - committed) }
}

package struct GroupStatus: Sendable, Equatable {
    package init(id: String, state: String, partitions: [GroupPartitionStatus]) {
        self.id = id
        self.state = state
        self.partitions = partitions
    }

    package var id: String
    package var state: String
    package var partitions: [GroupPartitionStatus]
    package var lag: Int64 { partitions.reduce(0) { $0 + $1.lag } }
    package var topics: [String] { Array(Set(partitions.map(\.topic))).sorted() }
}

/// What the console shows of the cluster, as of one sample.
package struct OperationsSnapshot: Sendable {
    package var takenAt: Date
    package var topics: [TopicStatus]
    package var groups: [GroupStatus]
    package var components: [ComponentHealth]

    package init(takenAt: Date, topics: [TopicStatus], groups: [GroupStatus], components: [ComponentHealth]) {
        self.takenAt = takenAt
        self.topics = topics
        self.groups = groups
        self.components = components
    }

    package static let empty = OperationsSnapshot(takenAt: .distantPast, topics: [], groups: [], components: [])
}

/// Samples the cluster every `interval`: topics and their offsets, consumer
/// groups and their committed positions, and the components' heartbeats. Keeps
/// a few minutes of samples to give per-minute rates. Reads only metadata,
/// offsets and heartbeat counts: never a message's content.
package actor ClusterObserver: Service {
    /// The group id of its heartbeat reader (by position; it commits nothing).
    package static let heartbeatReaderGroup = HXGroup.consoleHeartbeats
    struct Sample {
        var at: Date
        var highs: [String: Int64]
        var committed: [String: Int64]
    }

    let client: KafkaClientConfiguration
    let interval: Duration
    let heartbeatInterval: TimeInterval
    let logger: Logger
    private var samples: [Sample] = []
    private var latest = OperationsSnapshot.empty
    private var beacons: [String: HeartbeatBeacon] = [:]
    private var heartbeatNext: [Int32: Int64] = [:]
    private var admin: KafkaAdmin?
    private var reader: KafkaConsumer?
    /// One sample at a time: the first page load and the sampling loop may both ask for one.
    private let gate = SerialGate()

    package init(client: KafkaClientConfiguration, interval: Duration = .seconds(10), heartbeatInterval: TimeInterval = 10,
                logger: Logger = Logger(label: "hx.operations.observer")) {
        self.client = client
        self.interval = interval
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
    }

    /// The latest sample, taken now if none was yet.
    package func snapshot() async throws -> OperationsSnapshot {
        if samples.isEmpty { try await sample() }
        return latest
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await sample()
            } catch {
                logger.warning("cluster sample failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        // Let go of the broker now, not when the observer is freed: by then it may be gone,
        // and its clients would complain of that until destroyed.
        await gate.run {
            await reader?.close()
            reader = nil
            admin = nil
        }
    }

    /// Takes one sample now.
    package func sample(at now: Date = Date()) async throws {
        try await gate.run { try await takeSample(at: now) }
    }

    private func takeSample(at now: Date) async throws {
        let admin = try self.adminClient()
        let cluster = try await admin.describeCluster()
        var topics: [TopicStatus] = []
        var highs: [String: Int64] = [:]
        let visible = cluster.topics.filter { $0.error == nil && !$0.name.hasPrefix("__") }.sorted { $0.name < $1.name }
        for topic in visible {
            var partitions: [PartitionStatus] = []
            for p in topic.partitions.sorted(by: { $0.id < $1.id }) {
                let marks = try await admin.watermarks(KafkaTopicPartition(topic: topic.name, partition: p.id))
                partitions.append(PartitionStatus(partition: p.id, low: marks.low, high: marks.high))
                highs["\(topic.name)/\(p.id)"] = marks.high
            }
            topics.append(TopicStatus(name: topic.name, partitions: partitions))
        }
        let all = visible.flatMap { t in t.partitions.map { KafkaTopicPartition(topic: t.name, partition: $0.id) } }
        var groups: [GroupStatus] = []
        var committed: [String: Int64] = [:]
        for listing in try await admin.consumerGroups() where !Self.isOurReader(listing.id) {
            let offsets = try await admin.committedOffsets(group: listing.id, partitions: all).filter { $0.offset >= 0 }
            let parts = offsets.map { o in
                GroupPartitionStatus(topic: o.topic, partition: o.partition, committed: o.offset, high: highs["\(o.topic)/\(o.partition)"] ?? o.offset)
            }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
            for o in offsets { committed["\(listing.id)|\(o.topic)/\(o.partition)"] = o.offset }
            groups.append(GroupStatus(id: listing.id, state: listing.state, partitions: parts))
        }
        try await readHeartbeats(cluster)
        let current = Sample(at: now, highs: highs, committed: committed)
        samples.append(current)
        samples.removeAll { now.timeIntervalSince($0.at) > 300 }
        let baseline = Self.baseline(samples, now: now)
        for i in topics.indices {
            guard let baseline else { continue }
            let prefix = topics[i].name + "/"
            topics[i].inPerMinute = Self.perMinute(from: baseline.highs, to: current.highs, seconds: now.timeIntervalSince(baseline.at)) { $0.hasPrefix(prefix) }
            topics[i].outPerMinute = Self.perMinute(from: baseline.committed, to: current.committed, seconds: now.timeIntervalSince(baseline.at)) {
                $0.split(separator: "|", maxSplits: 1).last.map { $0.hasPrefix(prefix) } ?? false
            }
        }
        let components = beacons.values.map { ComponentHealth.judge($0, now: now, interval: heartbeatInterval) }.sorted { $0.component < $1.component }
        latest = OperationsSnapshot(takenAt: now, topics: topics, groups: groups, components: components)
    }

    /// The newest sample at least a minute old (the rate's start), or nil while there is none.
    static func baseline(_ samples: [Sample], now: Date) -> Sample? {
        samples.last { now.timeIntervalSince($0.at) >= 60 }
    }

    /// Growth per minute of the counters whose keys match, between two samples;
    /// a counter that fell (a topic recreated) counts from zero. Pure.
    static func perMinute(from old: [String: Int64], to new: [String: Int64], seconds: TimeInterval, matching: (String) -> Bool) -> Int? {
        guard seconds > 0 else { return nil }
        var growth: Int64 = 0
        for (key, value) in new where matching(key) {
            let before = old[key] ?? value
            growth += value >= before ? value - before : value
        }
        return Int((Double(growth) * 60 / seconds).rounded())
    }

    /// Groups our own readers use to read by position: they commit nothing, so they are not shown.
    static func isOurReader(_ group: String) -> Bool {
        [DeadLetterStore.readerGroup, heartbeatReaderGroup, HXGroup.staffAudit].contains(group)
    }

    private func readHeartbeats(_ cluster: KafkaClusterDescription) async throws {
        guard let topic = cluster.topic(HXTopic.heartbeat) else { return }
        if reader == nil {
            reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: Self.heartbeatReaderGroup), logger: logger)
        }
        guard let reader else { return }
        let decoder = JSONDecoder()
        for partition in topic.partitions.map(\.id) {
            var seen: [HeartbeatBeacon] = []
            let end = try await reader.readToEnd(KafkaTopicPartition(topic: HXTopic.heartbeat, partition: partition), from: heartbeatNext[partition] ?? 0) { m in
                if let beacon = try? decoder.decode(HeartbeatBeacon.self, from: Data(m.value)) { seen.append(beacon) }
            }
            for beacon in seen { beacons[beacon.component] = beacon }
            heartbeatNext[partition] = end
        }
    }

    private func adminClient() throws -> KafkaAdmin {
        if let admin { return admin }
        let made = try KafkaAdmin(configuration: client, logger: logger)
        admin = made
        return made
    }
}
