import ArgumentParser
import Foundation
import HXAudit
import HXCanonical
import HXKafka
import HXOperations

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Auditors' tools over the IG decision log.",
        subcommands: [Verify.self, Reconcile.self, Index.self, Search.self, Report.self, Prune.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every hash chain of hx.audit.ig.v1 and report the first problem in each.",
            discussion: """
            Reads every partition of the audit topic from its start to its end and checks each chain as \
            docs/audit-chain.md "Verification" describes: altered, missing, reordered, conflicting, malformed \
            records, broken links, and (with --audit-key-file) bad HMACs. An exact repeat of a record (a redone \
            batch) counts once. Prints one line per chain and one per problem, naming chain, sequence and where \
            the record is (partition@offset); --json prints one JSON object instead. Exit status 0 when every \
            chain holds, 1 when any does not. What verification cannot show alone: records cut off the end of a \
            chain; compare the last sequences printed with an earlier run.
            """
        )

        @OptionGroup var kafka: KafkaOptions

        @Option(help: "File holding the HMAC key the routers use (env HX_AUDIT_KEY_FILE): every record must then carry a matching HMAC.")
        var auditKeyFile: String?

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        @Flag(help: "Verify the audit index (--index / --index-url) instead of the topic: the stored bytes of every chain, from its retention anchor, and the index's conflicts.")
        var fromIndex = false

        @OptionGroup var index: AuditIndexOptions

        func run() async throws {
            LogSetup.bootstrap()
            let key = try loadAuditKey(auditKeyFile)
            if fromIndex { return try await verifyIndex(key: key) }
            let client = try kafka.clientConfiguration(clientID: "hx-audit-verify")
            guard let topic = try await KafkaAdmin(configuration: client).describeCluster().topic(HXTopic.audit) else {
                throw ValidationError("topic \(HXTopic.audit) does not exist on \(kafka.bootstrapServers)")
            }
            let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: LogReconciler.readerGroup))
            var records: [AuditRecord] = []
            var places: [String] = []  // partition@offset of each record, by position
            var unreadable: [String] = []
            for partition in topic.partitions.map(\.id).sorted() {
                _ = try await reader.readToEnd(KafkaTopicPartition(topic: HXTopic.audit, partition: partition), from: KafkaConsumer.beginning) { m in
                    do {
                        records.append(try AuditRecord(wire: m.value))
                        places.append("\(partition)@\(m.offset)")
                    } catch {
                        unreadable.append("\(partition)@\(m.offset): \((error as? AuditRecordDecodingError)?.code ?? "unreadable")")
                    }
                }
            }
            await reader.close()
            let report = AuditVerifier(key: key).verify(records)
            let holds = report.isValid && unreadable.isEmpty
            if json {
                print(Self.json(report, places: places, unreadable: unreadable, records: records.count, holds: holds))
            } else {
                for chain in report.chains.sorted(by: { $0.chainId < $1.chainId }) {
                    let problem = report.problem(chainId: chain.chainId)
                    let state = problem == nil ? "holds" : "BROKEN"
                    print("\(chain.chainId)  \(state)  records \(chain.records), sequences \(chain.firstSequence ?? 0)…\(chain.lastSequence ?? 0), repeats \(chain.duplicates), last hash \(chain.lastHash?.prefix(16) ?? "-")")
                }
                for p in report.problems {
                    print("problem: \(p.chainId) sequence \(p.sequence): \(p.code) at \(HXTopic.audit)[\(places[p.position])]: \(p.message)")
                }
                for u in unreadable { print("problem: \(HXTopic.audit)[\(u)]: not an audit record") }
                print(holds ? "all \(report.chains.count) chains hold (\(records.count) records read)" : "verification FAILED: \(report.problems.count + unreadable.count) problems")
            }
            if !holds { throw ExitCode(1) }
        }

        /// Each chain of the index, page by page; a conflict the indexer kept fails verification too.
        func verifyIndex(key: AuditKey?) async throws {
            let (lines, problems) = try await index.withStore { store in
                var lines: [String] = []
                var problems: [String] = []
                for chainId in try await store.chainIds() {
                    let v = try await store.verifyChain(chainId, key: key)
                    let c = v.summary
                    lines.append("\(chainId)  \(v.isValid ? "holds" : "BROKEN")  records \(c.records), sequences \(c.firstSequence ?? 0)…\(c.lastSequence ?? 0), repeats \(c.duplicates), last hash \(c.lastHash?.prefix(16) ?? "-")")
                    if let p = v.problem { problems.append("problem: \(p.chainId) sequence \(p.sequence): \(p.code): \(p.message)") }
                }
                for c in try await store.conflicts() { problems.append("problem: conflict: \(c)") }
                return (lines, problems)
            }
            if json {
                print(#"{"holds":\#(problems.isEmpty),"chains":\#(lines.count),"problems":[\#(problems.map(jsonString).joined(separator: ","))]}"#)
            } else {
                lines.forEach { print($0) }
                problems.forEach { print($0) }
                print(problems.isEmpty ? "all \(lines.count) chains in the index hold" : "verification FAILED: \(problems.count) problems")
            }
            if !problems.isEmpty { throw ExitCode(1) }
        }

        static func json(_ report: AuditVerificationReport, places: [String], unreadable: [String], records: Int, holds: Bool) -> String {
            let string = jsonString
            let chains = report.chains.sorted { $0.chainId < $1.chainId }.map { c in
                #"{"chainId":\#(string(c.chainId)),"records":\#(c.records),"firstSequence":\#(c.firstSequence ?? 0),"lastSequence":\#(c.lastSequence ?? 0),"repeats":\#(c.duplicates),"lastHash":\#(string(c.lastHash ?? "")),"holds":\#(report.problem(chainId: c.chainId) == nil)}"#
            }
            let problems = report.problems.map { p in
                #"{"chainId":\#(string(p.chainId)),"sequence":\#(p.sequence),"code":\#(string(p.code)),"where":\#(string(places[p.position])),"message":\#(string(p.message))}"#
            } + unreadable.map { #"{"code":"unreadable","where":\#(string($0))}"# }
            return #"{"holds":\#(holds),"recordsRead":\#(records),"chains":[\#(chains.joined(separator: ","))],"problems":[\#(problems.joined(separator: ","))]}"#
        }
    }
}

/// A string as a JSON string literal.
private func jsonString(_ s: String) -> String {
    String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
}
