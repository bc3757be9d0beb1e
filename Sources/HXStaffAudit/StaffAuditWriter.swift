import HXAudit
import HXCanonical
import HXKafka
import Logging

/// Appends records to a member of staff's own chain on `hx.audit.ig.v1` (in the
/// audit partition its id hashes to, continued from its last record there),
/// optionally in the same Kafka transaction as other records, so that what
/// staff do and its record land together or not at all.
///
/// Two sessions of one person at once are kept from forking the chain by a
/// transactional id per person: the later one fences the earlier.
package struct StaffAuditWriter: Sendable {
    /// The group id of its reader of chain heads (it reads by position and commits nothing).
    package static let readerGroup = HXGroup.staffAudit
    let client: KafkaClientConfiguration
    let key: AuditKey?
    let logger: Logger

    package init(client: KafkaClientConfiguration, key: AuditKey?, logger: Logger) {
        self.client = client
        self.key = key
        self.logger = logger
    }

    /// Appends `entries` to `chainId` and writes them with `alongside`, committed
    /// together; returns the sealed records once Kafka has committed them. With
    /// `auditFirst`, the records are confirmed by the broker before `alongside` is
    /// sent (a staff action recorded before anything changes, even on a broker
    /// that shows an aborted transaction's records).
    package func append(
        _ entries: [AuditEntry], chainId: String, transactionalID: String, alongside: [KafkaOutgoingMessage] = [],
        auditFirst: Bool = false
    ) async throws -> [AuditRecord] {
        guard let topic = try await KafkaAdmin(configuration: client).describeCluster().topic(HXTopic.audit) else {
            throw KafkaError(code: .unknownTopicOrPartition, message: "topic \(HXTopic.audit) does not exist; run `hx topics apply`")
        }
        let partition = AuditPlacement.partition(chainId: chainId, partitions: Int32(topic.partitions.count))
        var configuration = KafkaProducerConfiguration(client: client)
        configuration.transactionalID = transactionalID
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        do {
            // Fences an earlier session and settles its open transaction before the head is read.
            try await producer.initTransactions()
            var chain = try await head(chainId, partition: partition).map { last throws in try AuditChain.resume(from: last, key: key) }
                ?? AuditChain(id: chainId, key: key)
            let records = chain.append(entries)
            try producer.beginTransaction()
            let audit = records.map {
                KafkaOutgoingMessage(topic: HXTopic.audit, partition: partition, key: Array(chainId.utf8), value: $0.wireBytes)
            }
            for batch in auditFirst ? [audit, alongside] : [alongside + audit] where !batch.isEmpty {
                let reports = try await producer.send(batch: batch)
                if let error = reports.failures.first?.error {
                    try await producer.abortTransaction()
                    throw error
                }
            }
            try await producer.commitTransaction()
            await producer.close()
            return records
        } catch {
            await producer.close()
            throw error
        }
    }

    /// The chain's last record.
    private func head(_ chainId: String, partition: Int32) async throws -> AuditRecord? {
        try await AuditChainTail.read(client: client, groupID: Self.readerGroup, chainId: chainId, partition: partition, count: 1)
            .max { $0.sequence < $1.sequence }
    }
}
