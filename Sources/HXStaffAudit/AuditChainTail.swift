import HXAudit
import HXCanonical
import HXKafka

/// The last records of one audit chain, read from the end of the audit
/// partition its id hashes to (`AuditPlacement`) in growing windows: for the
/// writers that continue a chain of their own (`StaffAuditWriter`, the delivery
/// workers), which must find its head without reading the whole log.
package enum AuditChainTail {
    /// At least the chain's last `count` records (all of them when it has fewer),
    /// in the order they stand on the topic; empty for a chain not yet begun.
    package static func read(client: KafkaClientConfiguration, groupID: String, chainId: String, partition: Int32,
                             count: Int) async throws -> [AuditRecord] {
        let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: groupID))
        do {
            let tp = KafkaTopicPartition(topic: HXTopic.audit, partition: partition)
            let end = try await reader.readToEnd(tp, from: KafkaConsumer.end) { _ in }
            var window: Int64 = 2_000
            while true {
                let from = max(0, end - window)
                var records: [AuditRecord] = []
                _ = try await reader.readToEnd(tp, from: from) { m in
                    guard m.keyString == chainId, let r = try? AuditRecord(wire: m.value), r.chainId == chainId else { return }
                    records.append(r)
                }
                // Enough once the window reaches back `count` sequence numbers from the head, or the chain's start.
                let head = records.map(\.sequence).max() ?? 0
                if from == 0 || records.contains(where: { $0.sequence <= max(1, head - count + 1) }) {
                    await reader.close()
                    return records
                }
                window *= 4
            }
        } catch {
            await reader.close()
            throw error
        }
    }
}
