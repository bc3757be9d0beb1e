import HXAudit
import HXAuditIndex
import HXCanonical
import HXKafka
import Logging

/// Reads `hx.audit.ig.v1` into an audit index, exactly once: each chunk of
/// records is stored in one database transaction with the offsets to read
/// next, so a feed killed at any point resumes where its last transaction
/// left off, and a record read twice is a repeat the store counts, not a
/// second row.
package struct AuditIndexFeed: Sendable {
    package struct Progress: Sendable, Equatable {
        package var stored = 0
        package var repeats = 0
        /// Decision ids seen with different content (each is also kept by the store).
        package var conflicts = 0
        /// Records on the topic that are not audit records: left out of the index, counted.
        package var unreadable = 0
        package init() {}
    }

    let client: KafkaClientConfiguration
    let store: any AuditIndexStore
    let topic: String
    let chunk: Int
    let logger: Logger

    package init(client: KafkaClientConfiguration, store: any AuditIndexStore, topic: String = HXTopic.audit, chunk: Int = 5_000, logger: Logger) {
        self.client = client
        self.store = store
        self.topic = topic
        self.chunk = chunk
        self.logger = logger
    }

    /// Indexes every partition from its stored position to its end as it stands now.
    package func catchUp() async throws -> Progress {
        guard let described = try await KafkaAdmin(configuration: client).describeCluster().topic(topic) else {
            throw KafkaError(code: .unknownTopicOrPartition, message: "topic \(topic) does not exist")
        }
        let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: HXGroup.auditIndex))
        do {
            let progress = try await catchUp(described.partitions.map(\.id).sorted(), reader: reader)
            await reader.close()
            return progress
        } catch {
            await reader.close()
            throw error
        }
    }

    private func catchUp(_ partitions: [Int32], reader: KafkaConsumer) async throws -> Progress {
        var progress = Progress()
        let positions = try await store.positions(topic: topic)
        for partition in partitions {
            var next = positions[Int(partition)] ?? KafkaConsumer.beginning
            while true {
                let (records, after, unreadable, reachedEnd) = try await read(reader, partition: partition, from: next)
                progress.unreadable += unreadable
                guard let after else { break }
                let summary = try await store.ingest(records, positions: [AuditTopicPosition(topic: topic, partition: Int(partition), nextOffset: after)])
                progress.stored += summary.stored
                progress.repeats += summary.repeats
                progress.conflicts += summary.conflicts.count
                for c in summary.conflicts { logger.error("audit record conflicts with one already indexed", metadata: ["audit.conflict": "\(c)"]) }
                next = after
                if reachedEnd { break }
            }
        }
        return progress
    }

    /// Catches up, then again every `interval`, until the task is cancelled.
    package func follow(every interval: Duration = .seconds(2), onProgress: @Sendable (Progress) -> Void = { _ in }) async throws {
        while !Task.isCancelled {
            let progress = try await catchUp()
            if progress != Progress() { onProgress(progress) }
            try? await Task.sleep(for: interval)
        }
    }

    private struct ChunkFull: Error {}

    /// Up to `chunk` records of one partition from `offset`; `after` is the next offset to read
    /// (nil when nothing was there), `reachedEnd` whether the partition's end was reached.
    private func read(_ reader: KafkaConsumer, partition: Int32, from offset: Int64) async throws
        -> (records: [IndexedAuditRecord], after: Int64?, unreadable: Int, reachedEnd: Bool)
    {
        var records: [IndexedAuditRecord] = []
        var last: Int64?
        var unreadable = 0
        let limit = chunk
        let topic = self.topic
        var reachedEnd = true
        do {
            _ = try await reader.readToEnd(KafkaTopicPartition(topic: topic, partition: partition), from: offset) { m in
                do {
                    records.append(try IndexedAuditRecord(wire: m.value, topic: topic, partition: Int(partition), offset: m.offset))
                } catch {
                    // Not ours to repair: `hx audit verify` reports it with its place.
                    unreadable += 1
                }
                last = m.offset
                if records.count + unreadable >= limit { throw ChunkFull() }
            }
        } catch is ChunkFull {
            reachedEnd = false
        }
        return (records, last.map { $0 + 1 }, unreadable, reachedEnd)
    }
}
