import Foundation
import HXAudit
import HXCanonical
import HXKafka
import HXPlace
import HXPolicy

/// Reads the whole log (canonical topics, the audit topic, every delivery
/// topic and the review topic) and reconciles it with `InputReconciliation`:
/// the I/O half of `hx audit reconcile`, also what `hx run` waits on before it
/// prints its summary.
public struct LogReconciler: Sendable {
    /// What was read, and what it adds up to.
    public struct Snapshot: Sendable {
        public var report: InputReconciliation.Report
        /// Every record on the audit topic, each partition's in offset order (repeats included).
        public var audit: [AuditRecord]
    }

    let client: KafkaClientConfiguration
    let place: PlaceConfiguration

    public init(client: KafkaClientConfiguration, place: PlaceConfiguration) {
        self.client = client
        self.place = place
    }

    /// Reads every topic to its end now. Run it when traffic has stopped and the
    /// routers have caught up: an input not yet routed shows as unaccounted.
    public func read() async throws -> Snapshot {
        let cluster = try await KafkaAdmin(configuration: client).describeCluster()
        let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: "hx-audit-verify"))
        func each(_ topics: [String], _ body: (KafkaMessage) throws -> Void) async throws {
            let partitions = topics.flatMap { topic in (cluster.topic(topic)?.partitions ?? []).map { KafkaTopicPartition(topic: topic, partition: $0.id) } }
            _ = try await reader.readToEnd(partitions, from: KafkaConsumer.beginning, body)
        }
        do {
            var audit: [AuditRecord] = []
            try await each([HXTopic.audit]) { m in if let r = try? AuditRecord(wire: m.value) { audit.append(r) } }
            let accounted = Set(audit.compactMap { r -> String? in
                guard let t = r.inputTopic, let p = r.inputPartition, let o = r.inputOffset else { return nil }
                return "\(t):\(p):\(o)"
            })
            var outputs: [InputReconciliation.Output] = []
            let outputTopics = cluster.topics.map(\.name).filter { $0.hasPrefix("hx.deliver.") }.sorted() + [HXTopic.review]
            try await each(outputTopics) { m in
                outputs.append(.init(place: "\(m.topic):\(m.partition):\(m.offset)", topic: m.topic, decisionId: m.header(HXHeader.decisionID)?.text ?? ""))
            }
            var inputs: [String] = []
            var unrecorded: [String: InputReconciliation.Unrecorded] = [:]
            let decidedMessages = Set(audit.compactMap(\.messageId))
            try await each(HXTopic.canonicalTopics) { m in
                let at = "\(m.topic):\(m.partition):\(m.offset)"
                inputs.append(at)
                // Only an input with no record is decoded: a resent message, or nobody to share it with?
                guard !accounted.contains(at), let message = try? CanonicalJSON.decode(Data(m.value)) else { return }
                if decidedMessages.contains(message.id.uuidString.lowercased()) {
                    unrecorded[at] = .repeatOfDecided
                } else if message.subject.nhsNumber != nil, PolicyEngine.candidates(for: message, configuration: place).isEmpty {
                    unrecorded[at] = .noCandidates
                }
            }
            await reader.close()
            let report = InputReconciliation().reconcile(inputs: inputs, audit: audit, outputs: outputs) { unrecorded[$0] ?? .unexplained }
            return Snapshot(report: report, audit: audit)
        } catch {
            await reader.close()
            throw error
        }
    }
}
