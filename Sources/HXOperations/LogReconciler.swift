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
package struct LogReconciler: Sendable {
    /// What was read, and what it adds up to.
    package struct Snapshot: Sendable {
        package var report: InputReconciliation.Report
        /// What the decisions add up to, when asked for (`read(flows: true)`).
        package var flows: FlowSummary?
    }

    /// The group its reader names (it commits nothing); `hx audit verify` reads under it too.
    package static let readerGroup = HXGroup.auditVerify

    let client: KafkaClientConfiguration
    let place: PlaceConfiguration
    /// The routers' consumer group, whose committed positions say how far they have got.
    let routerGroup: String

    package init(client: KafkaClientConfiguration, place: PlaceConfiguration, routerGroup: String = HXGroup.router) {
        self.client = client
        self.place = place
        self.routerGroup = routerGroup
    }

    /// Reads the log as it stands, live traffic or not. The routers' committed positions
    /// are read first: every input before them has its transaction committed, so its
    /// outputs and audit records are already written. Outputs are read before the audit
    /// trail, since a batch's audit records follow its outputs; so neither side can show
    /// work whose other half is not yet in view. Inputs from a committed position on are
    /// only counted (`Report.pending`).
    package func read(flows summarising: Bool = false) async throws -> Snapshot {
        let admin = try KafkaAdmin(configuration: client)
        let cluster = try await admin.describeCluster()
        func partitions(_ topics: [String]) -> [KafkaTopicPartition] {
            topics.flatMap { topic in (cluster.topic(topic)?.partitions.map(\.id) ?? []).sorted().map { KafkaTopicPartition(topic: topic, partition: $0) } }
        }
        var routed: [KafkaTopicPartition: Int64] = [:]
        for c in try await admin.committedOffsets(group: routerGroup, partitions: partitions(HXTopic.canonicalTopics)) { routed[c.topicPartition] = c.offset }
        // Outputs and audit records are read uncommitted: read committed, a batch that has
        // committed stays out of view behind another router's batch still open in the same
        // partition (the partition's last stable offset), and a live reconcile saw 262 decisions
        // "without output" that way. Attempts that were aborted and redone write the same
        // decision ids again, and repeats count once. Inputs are read as the routers read them.
        var uncommitted = KafkaConsumerConfiguration.partitionReader(client: client, groupID: Self.readerGroup)
        uncommitted.isolationLevel = .readUncommitted
        let writes = try KafkaConsumer(configuration: uncommitted)
        let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: Self.readerGroup))
        // One partition at a time: with all of them assigned at once, the development broker
        // stopped answering for some large partitions (seen on a soak's 544,000 inputs).
        func each(_ topics: [String], with consumer: KafkaConsumer, _ body: (KafkaMessage) throws -> Void) async throws {
            for partition in partitions(topics) { _ = try await consumer.readToEnd(partition, from: KafkaConsumer.beginning, body) }
        }
        do {
            var outputs: [InputReconciliation.Output] = []
            let outputTopics = cluster.topics.map(\.name).filter { $0.hasPrefix("hx.deliver.") }.sorted() + [HXTopic.review]
            try await each(outputTopics, with: writes) { m in
                outputs.append(.init(place: "\(m.topic):\(m.partition):\(m.offset)", topic: m.topic, decisionId: m.header(HXHeader.decisionID)?.text ?? ""))
            }
            // Only what reconciliation needs is kept of each record: the whole records of a long log do not fit.
            var decisions: [InputReconciliation.Decision] = []
            var decidedMessages: Set<String> = []
            var flows: FlowSummary? = summarising ? FlowSummary() : nil
            try await each([HXTopic.audit], with: writes) { m in
                guard let r = try? AuditRecord(wire: m.value) else { return }
                flows?.add(r)
                if let id = r.messageId { decidedMessages.insert(id) }
                if let d = InputReconciliation.Decision(r) { decisions.append(d) }
            }
            let accounted = Set(decisions.compactMap(\.input))
            var inputs: [String] = []
            var pending = 0
            var unrecorded: [String: InputReconciliation.Unrecorded] = [:]
            try await each(HXTopic.canonicalTopics, with: reader) { m in
                guard m.offset < routed[KafkaTopicPartition(topic: m.topic, partition: m.partition)] ?? 0 else {
                    pending += 1
                    return
                }
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
            await writes.close()
            await reader.close()
            var report = InputReconciliation().reconcile(inputs: inputs, decisions: decisions, outputs: outputs) { unrecorded[$0] ?? .unexplained }
            report.pending = pending
            return Snapshot(report: report, flows: flows)
        } catch {
            await writes.close()
            await reader.close()
            throw error
        }
    }
}
