import Foundation
import HXCanonical
import HXImpact
import HXKafka
import HXPlace
import HXPolicy
import Synchronization

/// The Kafka half of the impact report (`hx config impact`, the console's impact page): the consent and identity topics in
/// full, then every canonical input in the window, decided by `ImpactReplay`.
/// Reads without committing anything, so it moves no one's positions.
package struct ImpactReading: Sendable {
    let client: KafkaClientConfiguration
    /// The window, ms since 1970, both ends included.
    let from: Int64
    let to: Int64
    /// Readers working at once, each with its own consumer and share of the partitions
    /// (deciding costs more than reading: one per core keeps the cores busy).
    package var readers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Called with the number of inputs read so far, now and then.
    package var progress: (@Sendable (Int) -> Void)?

    package init(client: KafkaClientConfiguration, from: Int64, to: Int64) {
        self.client = client
        self.from = from
        self.to = to
    }

    package func read(current: PlaceConfiguration, proposed: PlaceConfiguration) async throws -> ImpactReport {
        let cluster = try await KafkaAdmin(configuration: client).describeCluster()
        func partitions(_ topic: String) -> [KafkaTopicPartition] {
            (cluster.topic(topic)?.partitions.map(\.id) ?? []).sorted().map { KafkaTopicPartition(topic: topic, partition: $0) }
        }
        var timeline = try await withReader { try await reference($0, partitions(HXTopic.consent) + partitions(HXTopic.identity)) }
        // Sorted once here rather than in every reader's copy.
        timeline.advance(to: Int64.min)
        let known = timeline
        let inputs = HXTopic.canonicalTopics.flatMap(partitions)
        let shares = (0..<min(readers, max(1, inputs.count))).map { r in inputs.indices.filter { $0 % readers == r }.map { inputs[$0] } }
        let counter = Counter()
        return try await withThrowingTaskGroup(of: ImpactReport.self) { group in
            for share in shares {
                group.addTask {
                    var replay = ImpactReplay(current: current, proposed: proposed, timeline: known)
                    try await withReader { try await self.inputs($0, share, into: &replay, counter: counter) }
                    return replay.report
                }
            }
            var report = ImpactReport()
            for try await part in group { report.merge(part) }
            progress?(counter.total)
            return report
        }
    }

    /// A reader of its own for `body`, closed after it.
    func withReader<T>(_ body: (KafkaConsumer) async throws -> T) async throws -> T {
        let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: HXGroup.configImpact))
        do {
            let result = try await body(reader)
            await reader.close()
            return result
        } catch {
            await reader.close()
            throw error
        }
    }

    /// Every directive and fact with its record time; the topics are compacted, so this is the latest state and its history.
    func reference(_ reader: KafkaConsumer, _ partitions: [KafkaTopicPartition]) async throws -> ReferenceTimeline {
        var timeline = ReferenceTimeline()
        let decoder = JSONDecoder()
        _ = try await reader.readToEnd(partitions, from: KafkaConsumer.beginning) { m in
            // As the router's ReferenceData: what it cannot read it skips.
            if m.topic == HXTopic.consent, let d = try? decoder.decode(ConsentDirective.self, from: Data(m.value)) {
                timeline.add(.consent(d), at: m.timestampMilliseconds)
            } else if m.topic == HXTopic.identity, let f = try? decoder.decode(IdentityFact.self, from: Data(m.value)) {
                timeline.add(.identity(f), at: m.timestampMilliseconds)
            }
        }
        return timeline
    }

    /// Inputs read by all readers, for the progress line.
    final class Counter: Sendable {
        private let count = Atomic<Int>(0)
        /// Adds one; returns the new total.
        func increment() -> Int { count.add(1, ordering: .relaxed).newValue }
        var total: Int { count.load(ordering: .relaxed) }
    }

    /// Stops a partition's read early.
    struct Enough: Error {}

    /// One partition at a time, from the first record of the window (found by timestamp) to
    /// its end: within a partition, time mostly moves forward, so the reference state is
    /// mostly carried forward rather than started again. Records are kept by their own
    /// timestamps (they need not rise with offsets), so a window in the past reads on to the
    /// end of each partition and keeps only what falls in it.
    func inputs(_ reader: KafkaConsumer, _ partitions: [KafkaTopicPartition], into replay: inout ImpactReplay, counter: Counter) async throws {
        guard !partitions.isEmpty else { return }
        let starts = (try? await reader.offsets(forTimes: partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: from) })) ?? []
        for partition in partitions {
            let found = starts.first { $0.topic == partition.topic && $0.partition == partition.partition }?.offset
            let start = try await verified(found, in: partition, reader) ?? KafkaConsumer.beginning
            replay.beginPartition()
            _ = try await reader.readToEnd(partition, from: start) { m in
                guard let time = m.timestampMilliseconds, time >= from, time <= to else { return }
                replay.add(ImpactInput(topic: m.topic, timestampMilliseconds: time, value: m.value))
                let total = counter.increment()
                if total % 5_000 == 0 { progress?(total) }
            }
        }
    }

    /// `offset` if it is where the window starts: the record there is timestamped at or after
    /// `from` and the one before it earlier. Else nil, and the partition is read from its
    /// beginning: brokers that answer ListOffsets by timestamp wrongly (the development broker)
    /// or not at all cost time, not inputs. "No record that late" is not taken on trust either.
    func verified(_ offset: Int64?, in partition: KafkaTopicPartition, _ reader: KafkaConsumer) async throws -> Int64? {
        guard let offset, offset >= 0 else { return nil }
        var seen: [(offset: Int64, time: Int64?)] = []
        do {
            _ = try await reader.readToEnd(partition, from: max(offset - 1, 0)) { m in
                seen.append((m.offset, m.timestampMilliseconds))
                if m.offset >= offset { throw Enough() }
            }
        } catch is Enough {}
        guard let at = seen.first(where: { $0.offset == offset }), let time = at.time, time >= from else { return nil }
        if let before = seen.first(where: { $0.offset == offset - 1 }), (before.time ?? Int64.min) >= from { return nil }
        return offset
    }
}
