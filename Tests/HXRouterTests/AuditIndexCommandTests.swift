import Foundation
import HXAudit
import HXCanonical
import HXDevBroker
import HXKafkaTestSupport
import Testing

/// `hx audit index`, `search` and `verify --from-index` on a routed log, through the hx binary.
@Suite(.serialized) struct AuditIndexCommandTests {
    @Test(.timeLimit(.minutes(4)))
    func indexesARoutedLogOnceThenSearchesAndVerifiesIt() async throws {
        try await withBroker { broker in
            var rig = try await RouterRig(broker: broker)
            try await rig.produce(300)
            var router = InProcessRouter(rig: rig, instance: "index")
            try await rig.waitUntilRouted(timeout: .seconds(60))
            try await router.stop()
            let servers = ["--bootstrap-servers", broker.bootstrapServers]
            let database = FileManager.default.temporaryDirectory.appendingPathComponent("hx-index-\(UUID().uuidString.prefix(8)).sqlite")
            let index = ["--index", database.path]
            let hx = AuditVerifyCommandTests.hx
            let keyFile = ["--audit-key-file", RouterKillTests.keyFile.path]
            // Searches and reports are recorded on the audit topic as this auditor's, before anything is shown.
            let auditor = servers + keyFile + ["--config", Place.root.appendingPathComponent("config").path, "--actor", "test-auditor"]

            var audit = try await rig.readAll(HXTopic.audit).map { try AuditRecord(wire: $0.value) }
            let first = try await hx(["audit", "index"] + servers + index)
            #expect(first.status == 0)
            #expect(first.output.contains("indexed \(audit.count) records (0 repeats, 0 conflicts, 0 unreadable)"), "\(first.output)")
            // Run again: nothing new, nothing stored twice.
            let again = try await hx(["audit", "index"] + servers + index)
            #expect(again.output.contains("indexed 0 records"), "\(again.output)")

            // More traffic: only the new records are read and stored.
            try await rig.produce(200)
            router = InProcessRouter(rig: rig, instance: "index")
            try await rig.waitUntilRouted(timeout: .seconds(60))
            try await router.stop()
            let before = audit.count
            audit = try await rig.readAll(HXTopic.audit).map { try AuditRecord(wire: $0.value) }
            // Killed with SIGKILL again and again while it indexes in small transactions: each run resumes
            // where the last committed one stopped, and in the end every record is there once.
            var kills = 0
            for attempt in 0..<12 {
                let run = try ChildProcess(executable: RouterKillTests.hx.path, arguments: ["audit", "index", "--chunk", "7"] + servers + index, output: nil)
                // From just after start, later each time: some kills land mid-run however fast it indexes
                // (a run that indexed everything within 100 ms was seen, and then no run was killed).
                try await Task.sleep(for: .milliseconds(attempt == 0 ? 20 : 100 * attempt))
                guard run.isRunning else { break }
                run.signal(SIGKILL)
                while run.isRunning { try await Task.sleep(for: .milliseconds(20)) }
                kills += 1
            }
            let more = try await hx(["audit", "index"] + servers + index)
            #expect(more.status == 0)
            #expect(kills > 0, "at least one run was killed mid-way")
            let count = try await hx(["audit", "search", "--limit", "100000", "--format", "csv"] + index + auditor)
            #expect(count.output.split(separator: "\n").count - 1 == audit.count, "every record once (this search's own access record is not indexed yet)")
            _ = before

            // A person's history: every record with their NHS number, newest first.
            let person = try #require(audit.compactMap(\.nhsNumber).first)
            let theirs = audit.filter { $0.nhsNumber == person }
            let csv = try await hx(["audit", "search", "--nhs-number", person, "--format", "csv"] + index + auditor)
            #expect(csv.status == 0)
            let rows = csv.output.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            #expect(Set(rows.map { String($0.last ?? "") }) == Set(theirs.map(\.decisionId)))
            #expect(rows.allSatisfy { $0[3] == person[...] })
            let times = rows.map { String($0[0]) }
            #expect(times == times.sorted(by: >), "newest first")

            // Filters combine: denials for an objection.
            let denials = audit.filter { $0.outcome == .deny && $0.reasons.contains("objection") }
            let json = try await hx(["audit", "search", "--outcome", "deny", "--reason", "objection", "--format", "json"] + index + auditor)
            let found = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]] ?? []
            #expect(Set(found.compactMap { $0["decisionId"] as? String }) == Set(denials.map(\.decisionId)))
            #expect(!denials.isEmpty, "the traffic includes objections")

            // Their subject access report: one row per decision about them, and nobody else's number.
            let page = FileManager.default.temporaryDirectory.appendingPathComponent("hx-sar-\(UUID().uuidString.prefix(8)).html")
            let sar = try await hx(["audit", "report", "--nhs-number", person, "--output", page.path] + index + auditor)
            #expect(sar.status == 0, "\(sar.output)")
            let html = try String(contentsOf: page, encoding: .utf8)
            let decisions = theirs.filter { $0.kind == .decision }
            #expect(html.components(separatedBy: "<tr><td>").count - 1 == decisions.count)
            #expect(Set(audit.compactMap(\.nhsNumber)).subtracting([person]).allSatisfy { !html.contains($0) })

            let bad = try await hx(["audit", "search", "--outcome", "maybe"] + index + auditor)
            #expect(bad.status != 0)

            // The three searches and the report, indexed like any record: who, what, and whose record.
            #expect(try await hx(["audit", "index"] + servers + index).output.contains("indexed 4 records"))
            let access = try await hx(["audit", "search", "--kind", "auditor-access", "--format", "json"] + index + auditor)
            let accesses = try JSONSerialization.jsonObject(with: Data(access.output.utf8)) as? [[String: Any]] ?? []
            #expect(accesses.count == 4)
            #expect(accesses.allSatisfy { $0["chainId"] as? String == "auditor:test-auditor" })
            let actions = accesses.compactMap { ($0["details"] as? [String: String])?["action"] }
            #expect(actions.sorted() == ["search", "search", "search", "subject-access-report"])
            #expect(accesses.filter { $0["nhsNumber"] as? String == person }.count == 2)
            // The auditor's chain holds on the topic with the routers' chains.
            let onTopic = try await hx(["audit", "verify"] + servers + keyFile)
            #expect(onTopic.status == 0, "\(onTopic.output)")
            #expect(onTopic.output.contains("auditor:test-auditor  holds  records 5"))

            let verified = try await hx(["audit", "verify", "--from-index"] + keyFile + index)
            #expect(verified.status == 0, "\(verified.output)")
            #expect(verified.output.contains("chains in the index hold"))

            // Retention (8 years in config/audit-index.yaml): 8 years after a middle record, what is older goes,
            // and what remains still verifies from each chain's anchor.
            let recordTimes = audit.map(\.time).sorted()
            let cut = recordTimes[recordTimes.count / 2]
            let now = "2034" + cut.dropFirst(4)
            let pruned = try await hx(["audit", "prune", "--config", Place.root.appendingPathComponent("config").path, "--now", now] + index)
            #expect(pruned.status == 0, "\(pruned.output)")
            #expect(pruned.output.contains("pruned \(recordTimes.filter { $0 < cut }.count) records older than \(cut)"), "\(pruned.output)")
            let old = try await hx(["audit", "search", "--to", cut, "--format", "csv"] + index + auditor)
            #expect(old.output.split(separator: "\n").count == 1, "only the header is left before the cutoff")
            let afterPrune = try await hx(["audit", "verify", "--from-index"] + keyFile + index)
            #expect(afterPrune.status == 0, "\(afterPrune.output)")
        }
    }
}
