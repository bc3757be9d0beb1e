import HXAudit
import HXCanonical
import HXKafka
import Logging

/// Reads chain heads back from `hx.audit.ig.v1` for partitions the router
/// has just been given. Each chain lives in one audit partition (see
/// `AuditPlacement`); the partition is read backwards in growing windows
/// from its end until every chain wanted there has a plan.
struct ChainRecovery {
    let reader: KafkaConsumer
    let auditPartitions: Int32
    let key: AuditKey?
    let logger: Logger
    /// Records read per audit partition in the first window; each further window is four times larger.
    var firstWindow: Int64 = 2_000

    init(client: KafkaClientConfiguration, groupID: String, auditPartitions: Int32, key: AuditKey?, logger: Logger) throws {
        reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: HXGroup.routerRecovery(groupID)), logger: logger)
        self.auditPartitions = auditPartitions
        self.key = key
        self.logger = logger
    }

    /// For each input partition, the chain state and the input offset to continue from.
    func plans(for partitions: [KafkaTopicPartition], committed: [KafkaTopicPartition: Int64]) async throws -> [KafkaTopicPartition: (RouterChainState, Int64?)] {
        var chains: [String: KafkaTopicPartition] = [:]
        for p in partitions { chains[AuditChain.routerChainId(topic: p.topic, partition: Int(p.partition))] = p }
        let byAuditPartition = Dictionary(grouping: chains.keys) { AuditPlacement.partition(chainId: $0, partitions: auditPartitions) }
        var out: [KafkaTopicPartition: (RouterChainState, Int64?)] = [:]
        for (auditPartition, ids) in byAuditPartition.sorted(by: { $0.key < $1.key }) {
            let tp = KafkaTopicPartition(topic: HXTopic.audit, partition: auditPartition)
            // Only the end matters here; reading from "end" finds it without ListOffsets' answer being exact.
            let end = try await reader.readToEnd(tp, from: KafkaConsumer.end) { _ in }
            var window = firstWindow
            var pending = Set(ids)
            while !pending.isEmpty {
                let from = max(0, end - window)
                var records: [String: [AuditRecord]] = [:]
                _ = try await reader.readToEnd(tp, from: from) { message in
                    guard let keyText = message.keyString, pending.contains(keyText) else { return }
                    do {
                        records[keyText, default: []].append(try AuditRecord(wire: message.value))
                    } catch {
                        logger.error("unreadable record on the audit topic skipped", metadata: [
                            "audit.partition": "\(auditPartition)", "kafka.offset": "\(message.offset)", "error.code": "\((error as? AuditRecordDecodingError)?.code ?? "unknown")"])
                    }
                }
                for id in pending.sorted() {
                    let partition = chains[id]!
                    let committedOffset = committed[partition].map(Int.init)
                    switch try ChainResumption.plan(chainId: id, records: records[id] ?? [], reachesStart: from == 0, committed: committedOffset, key: key) {
                    case .resume(let state, let offset):
                        out[partition] = (state, offset.map(Int64.init))
                        pending.remove(id)
                    case .needEarlierRecords:
                        continue
                    }
                }
                window *= 4
            }
        }
        return out
    }

    func close() async { await reader.close() }
}
