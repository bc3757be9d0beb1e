import Foundation
import HXCanonical
import HXImpact
import HXKafka
import HXPolicy

/// The Kafka half of `hx config impact`: the consent and identity topics in
/// full, then every canonical input in the window, into an `ImpactReplay`.
/// Reads without committing anything, so it moves no one's positions.
struct ImpactReading {
    let client: KafkaClientConfiguration
    /// The window, ms since 1970, both ends included.
    let from: Int64
    let to: Int64
    /// Called with the number of inputs read so far, now and then.
    var progress: (@Sendable (Int) -> Void)?

    func read(into replay: inout ImpactReplay) async throws {
        let cluster = try await KafkaAdmin(configuration: client).describeCluster()
        func partitions(_ topic: String) -> [KafkaTopicPartition] {
            (cluster.topic(topic)?.partitions.map(\.id) ?? []).sorted().map { KafkaTopicPartition(topic: topic, partition: $0) }
        }
        let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: HXGroup.configImpact))
        do {
            replay.timeline = try await reference(reader, partitions(HXTopic.consent) + partitions(HXTopic.identity))
            try await inputs(reader, HXTopic.canonicalTopics.flatMap(partitions), into: &replay)
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
    }

    /// Every directive and fact with its record time; the topics are compacted, so this is the latest state and its history.
    func reference(_ reader: KafkaConsumer, _ partitions: [KafkaTopicPartition]) async throws -> ReferenceTimeline {
        var timeline = ReferenceTimeline()
        let decoder = JSONDecoder()
        _ = try await reader.readToEnd(partitions, from: KafkaConsumer.beginning) { m in
            // As the router's ReferenceData: what it cannot read it skips.
            if m.topic == HXTopic.consent, let d = try? decoder.decode(ConsentDirective.self, from: Data(m.value)) {
                timeline.add(.consent(d), at: m.timestampMilliseconds)
            } else if m.topic == HXTopic.identity, let f = try? decoder.decode(IdentityFact.self, from: Data(m.value)), let entry = IdentityEntry(f) {
                timeline.add(.identity(entry), at: m.timestampMilliseconds)
            }
        }
        return timeline
    }

    /// Stops a partition's read at the end of the window.
    struct WindowEnd: Error {}

    /// One partition at a time, from the first record of the window (found by timestamp) to
    /// the first after it: within a partition, time mostly moves forward, so the reference
    /// state is mostly carried forward rather than started again.
    func inputs(_ reader: KafkaConsumer, _ partitions: [KafkaTopicPartition], into replay: inout ImpactReplay) async throws {
        let starts = try await positions(reader, partitions, at: from)
        let ends = try await positions(reader, partitions, at: to == Int64.max ? to : to + 1)
        var read = 0
        for partition in partitions {
            let start = starts[partition] ?? KafkaConsumer.beginning
            let end = ends[partition]
            // Nothing at or after the window's start: nothing to read.
            if start == KafkaConsumer.end { continue }
            do {
                _ = try await reader.readToEnd(partition, from: start) { m in
                    if let end, end != KafkaConsumer.end, m.offset >= end { throw WindowEnd() }
                    // Timestamps need not rise with offsets: the window is judged on each record's own.
                    guard let time = m.timestampMilliseconds, time >= from, time <= to else { return }
                    replay.add(ImpactInput(topic: m.topic, timestampMilliseconds: time, value: m.value))
                    read += 1
                    if read % 5_000 == 0 { progress?(read) }
                }
            } catch is WindowEnd {
                continue
            }
        }
        progress?(read)
    }

    /// Where each partition's records reach `time`; nil for all when the broker cannot say
    /// (then every partition is read from its beginning and filtered by timestamp).
    func positions(_ reader: KafkaConsumer, _ partitions: [KafkaTopicPartition], at time: Int64) async throws -> [KafkaTopicPartition: Int64] {
        guard let found = try? await reader.offsets(forTimes: partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: time) }) else {
            return [:]
        }
        return Dictionary(found.map { (KafkaTopicPartition(topic: $0.topic, partition: $0.partition), $0.offset) }, uniquingKeysWith: { a, _ in a })
    }
}
