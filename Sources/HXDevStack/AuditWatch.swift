import HXAudit
import HXCanonical
import HXKafka
import Logging
import ServiceLifecycle

/// Prints each record the router writes to the audit topic, one line each,
/// without patient identifiers: what an operator watching the demo needs.
package struct AuditWatch: Service {
    let consumer: KafkaConsumer
    let client: KafkaClientConfiguration

    package init(client: KafkaClientConfiguration, logger: Logger) throws {
        var configuration = KafkaConsumerConfiguration(client: client, groupID: HXGroup.runAuditWatch)
        configuration.fetchMaxWait = .milliseconds(50)
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.client = client
    }

    package func run() async throws {
        let partitions = try await KafkaAdmin(configuration: client).describeCluster().topic(HXTopic.audit)?.partitions ?? []
        try consumer.assign(partitions.map { KafkaTopicPartitionOffset(topic: HXTopic.audit, partition: $0.id, offset: KafkaConsumer.beginning) })
        var seen: Set<String> = []
        while !Task.isShuttingDownGracefully {
            for message in try await consumer.poll() {
                guard let record = try? AuditRecord(wire: message.value), seen.insert(record.decisionId).inserted else { continue }
                print(Self.line(record))
            }
        }
        await consumer.close()
    }

    static func line(_ r: AuditRecord) -> String {
        let reasons = r.reasons.isEmpty ? "" : "  [" + r.reasons.joined(separator: ", ") + "]"
        switch r.kind {
        case .decision:
            let agreement = r.agreementId.map { "  \($0) v\(r.agreementVersion ?? 0)" } ?? ""
            let what = "\(r.messageType ?? "?") from \(r.source?.organisation ?? "?") to \(r.recipient ?? "?")"
            return "decision:   " + what.padding(toLength: 72, withPad: " ", startingAt: 0) + " " + (r.outcome?.rawValue ?? "?") + agreement + reasons
        case .deadLetter:
            return "decision:   input \(r.inputTopic ?? "?")[\(r.inputPartition ?? -1)]@\(r.inputOffset ?? -1) dead-lettered" + reasons
        case .configurationReloaded:
            return "decision:   configuration \(r.configurationDigest.prefix(12)) in force for \(r.chainId)"
        case .auditorAccess:
            return "decision:   auditor access"
        case .deadLetterReplay:
            return "decision:   dead letter \(r.details["deadLetter"] ?? "?") replayed"
        case .configurationImpactRun:
            return "decision:   impact of configuration \(r.details["proposedDigest"]?.prefix(12) ?? "?") reported"
        case .identityResolution:
            return "decision:   held message \(r.details["item"] ?? "?") \(r.details["action"] ?? "?") by a reviewer"
        case .deliveryStatus:
            return "delivery:   \(r.messageType ?? "?") to \(r.recipient ?? "?") \(r.details["status"] ?? "?") (\(r.details["transport"] ?? "?"))" + reasons
        }
    }
}
