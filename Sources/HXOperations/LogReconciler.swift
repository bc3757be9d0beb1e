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
        /// What the decisions add up to, when asked for (`read(flows: true)`).
        public var flows: FlowSummary?
    }

    /// The group its reader names (it commits nothing); `hx audit verify` reads under it too.
    public static let readerGroup = "hx-audit-verify"

    let client: KafkaClientConfiguration
    let place: PlaceConfiguration

    public init(client: KafkaClientConfiguration, place: PlaceConfiguration) {
        self.client = client
        self.place = place
    }

    /// Reads every topic to its end now. Run it when traffic has stopped and the
    /// routers have caught up: an input not yet routed shows as unaccounted.
    public func read(flows summarising: Bool = false) async throws -> Snapshot {
        let cluster = try await KafkaAdmin(configuration: client).describeCluster()
        let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: Self.readerGroup))
        // One partition at a time: with all of them assigned at once, the development broker
        // stopped answering for some large partitions (seen on a soak's 544,000 inputs).
        func each(_ topics: [String], _ body: (KafkaMessage) throws -> Void) async throws {
            for topic in topics {
                for partition in (cluster.topic(topic)?.partitions.map(\.id) ?? []).sorted() {
                    _ = try await reader.readToEnd(KafkaTopicPartition(topic: topic, partition: partition), from: KafkaConsumer.beginning, body)
                }
            }
        }
        do {
            // Only what reconciliation needs is kept of each record: the whole records of a long log do not fit.
            var decisions: [InputReconciliation.Decision] = []
            var decidedMessages: Set<String> = []
            var flows: FlowSummary? = summarising ? FlowSummary() : nil
            try await each([HXTopic.audit]) { m in
                guard let r = try? AuditRecord(wire: m.value) else { return }
                flows?.add(r)
                if let id = r.messageId { decidedMessages.insert(id) }
                if let d = InputReconciliation.Decision(r) { decisions.append(d) }
            }
            let accounted = Set(decisions.compactMap(\.input))
            var outputs: [InputReconciliation.Output] = []
            let outputTopics = cluster.topics.map(\.name).filter { $0.hasPrefix("hx.deliver.") }.sorted() + [HXTopic.review]
            try await each(outputTopics) { m in
                outputs.append(.init(place: "\(m.topic):\(m.partition):\(m.offset)", topic: m.topic, decisionId: m.header(HXHeader.decisionID)?.text ?? ""))
            }
            var inputs: [String] = []
            var unrecorded: [String: InputReconciliation.Unrecorded] = [:]
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
            let report = InputReconciliation().reconcile(inputs: inputs, decisions: decisions, outputs: outputs) { unrecorded[$0] ?? .unexplained }
            return Snapshot(report: report, flows: flows)
        } catch {
            await reader.close()
            throw error
        }
    }
}
