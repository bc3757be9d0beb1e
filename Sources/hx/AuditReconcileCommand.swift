import ArgumentParser
import Foundation
import HXAudit
import HXCanonical
import HXKafka
import HXPlace
import HXPolicy

extension AuditCommand {
    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every input on the canonical topics is accounted for, and every delivery and review record is audited.",
            discussion: """
            Reads the canonical topics, hx.audit.ig.v1, every hx.deliver.* topic and hx.review.v1 to their ends. \
            Each input must have its decisions or a dead-letter record in the audit trail, or have no candidate \
            recipient under --config (nothing to share); each delivery and review record must carry out an \
            audited decision to deliver or review there; each such decision must have its record. Repeats \
            count once. Run it when traffic has stopped and the routers have caught up: an input not yet \
            routed shows as unaccounted. Exit status 0 when everything is accounted for, 1 otherwise. Prints \
            counts, and places (topic:partition:offset) and decision ids, never content.
            """
        )

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var config: ConfigDirectoryOption

        @Option(help: "At most this many places listed per kind of problem.") var show: Int = 20

        func run() async throws {
            LogSetup.bootstrap()
            let place = try RouterCommand.load(config.url)
            let client = try kafka.clientConfiguration(clientID: "hx-audit-reconcile")
            let cluster = try await KafkaAdmin(configuration: client).describeCluster()
            let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: "hx-audit-verify"))
            func each(_ topic: String, _ body: (KafkaMessage) throws -> Void) async throws {
                for partition in (cluster.topic(topic)?.partitions.map(\.id) ?? []).sorted() {
                    _ = try await reader.readToEnd(KafkaTopicPartition(topic: topic, partition: partition), from: KafkaConsumer.beginning, body)
                }
            }
            do {
                var audit: [AuditRecord] = []
                try await each(HXTopic.audit) { m in if let r = try? AuditRecord(wire: m.value) { audit.append(r) } }
                let accounted = Set(audit.compactMap { r -> String? in
                    guard let t = r.inputTopic, let p = r.inputPartition, let o = r.inputOffset else { return nil }
                    return "\(t):\(p):\(o)"
                })
                var outputs: [InputReconciliation.Output] = []
                let outputTopics = cluster.topics.map(\.name).filter { $0.hasPrefix("hx.deliver.") }.sorted() + [HXTopic.review]
                for topic in outputTopics {
                    try await each(topic) { m in
                        outputs.append(.init(place: "\(topic):\(m.partition):\(m.offset)", topic: topic, decisionId: m.header(HXHeader.decisionID)?.text ?? ""))
                    }
                }
                var inputs: [String] = []
                var unrecorded: [String: InputReconciliation.Unrecorded] = [:]
                let decidedMessages = Set(audit.compactMap(\.messageId))
                for topic in HXTopic.canonicalTopics {
                    try await each(topic) { m in
                        let at = "\(topic):\(m.partition):\(m.offset)"
                        inputs.append(at)
                        // Only an input with no record is decoded: a resent message, or nobody to share it with?
                        guard !accounted.contains(at), let message = try? CanonicalJSON.decode(Data(m.value)) else { return }
                        if decidedMessages.contains(message.id.uuidString.lowercased()) {
                            unrecorded[at] = .repeatOfDecided
                        } else if message.subject.nhsNumber != nil, PolicyEngine.candidates(for: message, configuration: place).isEmpty {
                            unrecorded[at] = .noCandidates
                        }
                    }
                }
                await reader.close()
                let report = InputReconciliation().reconcile(inputs: inputs, audit: audit, outputs: outputs) { unrecorded[$0] ?? .unexplained }
                print(summary(report))
                if !report.holds { throw ExitCode(1) }
            } catch {
                await reader.close()
                throw error
            }
        }

        func summary(_ r: InputReconciliation.Report) -> String {
            var lines = ["inputs \(r.inputs): " + (["deliver", "deliver-redacted", "deny", "review"].map { "\($0) \(r.byOutcome[$0] ?? 0)" }
                + ["dead-lettered \(r.deadLettered)", "repeats of a decided message \(r.repeats)", "no candidate recipient \(r.noCandidates)"]).joined(separator: ", ")]
            func list(_ name: String, _ items: [String]) {
                guard !items.isEmpty else { return }
                lines.append("\(name): \(items.count)")
                lines += items.prefix(show).map { "  \($0)" }
            }
            list("unaccounted inputs", r.unaccounted)
            list("outputs without an audited decision", r.outputsWithoutAudit)
            list("audited decisions to deliver or review with no output", r.decisionsWithoutOutput)
            list("outputs a decision does not allow", r.outputsAgainstDecision)
            lines.append(r.holds ? "every input is accounted for" : "reconciliation FAILED")
            return lines.joined(separator: "\n")
        }
    }
}
