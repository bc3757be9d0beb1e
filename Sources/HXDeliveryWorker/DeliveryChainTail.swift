import HXAudit
import HXCanonical
import HXKafka
import HXStaffAudit

/// Where a delivery worker starts: its chain's last record (to continue the
/// chain) and, per partition of the delivery topic, the last record whose
/// delivery has a final status in that chain.
///
/// The worker records a batch's statuses in a transaction and only then
/// commits its consumer offsets, so after a crash between the two the
/// committed offsets are behind what the chain says is done. Starting from
/// the later of the two means a delivery that has its final status is never
/// sent again, and no decision gets two final statuses. Each recording commits
/// the offsets of everything settled so far, so the committed offsets lag the
/// chain by one batch, or by a few where commits failed while transactions
/// went through (a coordinator away, as in a broker outage): the worker reads
/// back `depth` records, four batches.
struct DeliveryChainTail: Sendable {
    var chain: AuditChain
    /// Offset of the last finally-settled record, per delivery-topic partition.
    var settled: [KafkaTopicPartition: Int64]

    static func read(client: KafkaClientConfiguration, chainId: String, auditPartition: Int32, key: AuditKey?,
                     depth: Int) async throws -> DeliveryChainTail {
        let records = try await AuditChainTail.read(
            client: client, groupID: HXGroup.deliverRecovery, chainId: chainId, partition: auditPartition, count: depth)
        let chain = try records.max { $0.sequence < $1.sequence }.map { try AuditChain.resume(from: $0, key: key) }
            ?? AuditChain(id: chainId, key: key)
        return DeliveryChainTail(chain: chain, settled: settled(records))
    }

    /// Final statuses (sent, failed) by the delivery record they settle.
    static func settled(_ records: [AuditRecord]) -> [KafkaTopicPartition: Int64] {
        var out: [KafkaTopicPartition: Int64] = [:]
        for r in records where r.kind == .deliveryStatus {
            guard let status = r.details["status"], status == "sent" || status == "failed",
                  let topic = r.inputTopic, let partition = r.inputPartition, let offset = r.inputOffset else { continue }
            let tp = KafkaTopicPartition(topic: topic, partition: Int32(partition))
            out[tp] = max(out[tp] ?? -1, Int64(offset))
        }
        return out
    }
}
