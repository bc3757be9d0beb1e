import Foundation
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import Testing

/// The `hx` executable as an operator runs it.
@Suite("The hx command")
struct CommandTests {
    /// Built beside the test bundle, since the test target depends on it.
    static let hx = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hx")

    static func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> CommandResult {
        try await runProgram(hx, arguments, directory: repositoryRoot, timeout: timeout)
    }

    /// A folder of its own for each `hx run`, whose drop folders and index would otherwise be shared.
    static func stateDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hx-run-\(UUID().uuidString.prefix(8))").path
    }

    @Test("every subcommand has help")
    func help() async throws {
        let commands = [
            ["--help"], ["run", "--help"], ["adapter", "run", "--help"], ["translate", "--help"], ["route", "--help"], ["test", "--help"],
            ["config", "check", "--help"], ["config", "impact", "--help"], ["topics", "apply", "--help"], ["topics", "list", "--help"],
            ["tail", "--help"], ["dev", "broker", "--help"],
            ["consent", "record", "--help"], ["consent", "withdraw", "--help"], ["consent", "show", "--help"], ["router", "--help"], ["audit", "verify", "--help"],
        ]
        for command in commands {
            let result = try await Self.run(command)
            #expect(result.status == 0, "\(command)")
            #expect(result.output.contains("USAGE:"), "\(command)")
        }
    }

    @Test("hx topics apply creates the topics, a second run changes nothing, and hx topics list shows them")
    func topicsApplyAndList() async throws {
        try await withBroker { broker in
            let first = try await Self.run(["topics", "apply", "--bootstrap-servers", broker.bootstrapServers])
            #expect(first.status == 0)
            // topics.yaml's eleven and one delivery topic per organisation of config/organisations.yaml.
            #expect(first.output.split(separator: "\n").filter { $0.hasSuffix(" created") }.count == 11 + 29)
            #expect(first.output.contains("hx.deliver.n81035"))
            let second = try await Self.run(["topics", "apply", "--bootstrap-servers", broker.bootstrapServers])
            #expect(second.status == 0)
            #expect(second.output.split(separator: "\n").filter { $0.hasSuffix(" exists") }.count == 11 + 29)
            let list = try await Self.run(["topics", "list", "--bootstrap-servers", broker.bootstrapServers])
            #expect(list.status == 0)
            #expect(list.output.contains("hx.audit.ig.v1"))
            #expect(!list.output.contains("missing"))
        }
    }

    @Test("hx run starts its own broker, every adapter, two routers and the console, feeds the samples through the adapters, prints what flowed and stops cleanly")
    func runEmbedded() async throws {
        let port = try DevBroker.freePort()
        let consolePort = try DevBroker.freePort()
        let state = Self.stateDirectory()
        let result = try await Self.run(
            ["run", "--port", String(port), "--console-port", String(consolePort), "--adapter-ports", "any", "--exit-when-settled",
             "--state-directory", state], timeout: .seconds(180))
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        let consoleLine = try Regex("console:    http://localhost:\(consolePort)  sign in as operator / [a-z0-9-]{19} or auditor / [a-z0-9-]{19} or reviewer / [a-z0-9-]{19}")
        #expect(result.output.contains(consoleLine), "the console's address and this run's demonstration users")
        #expect(result.output.contains("topics:     40 declared"))
        #expect(result.output.contains("adapters:   7,"))
        #expect(result.output.contains("routers:    2 instances"))
        // Each sample went through the adapter's own source and got that source's answer.
        let feeds = result.output.split(separator: "\n").filter { $0.hasPrefix("feed:") }
        #expect(feeds.count == 22, "\(feeds)")
        #expect(feeds.contains { $0.contains("whh-pas-discharge a03-batch-winter.hl7: accepted") }, "a batch over MLLP")
        #expect(feeds.contains { $0.contains("whh-pas-discharge bad-nhs-number.hl7: refused [nhs-number-invalid]") }, "an AE with its reason code")
        #expect(feeds.contains { $0.contains("sthk-edischarge bad-no-composition.json: refused [fhir-composition-missing]") }, "an HTTP 400 OperationOutcome")
        #expect(feeds.contains { $0.contains("hbc-adult-social-care events-bad-rows.csv: refused [nhs-number-invalid, date-invalid]") }, "a file moved to rejected/")
        let decisions = result.output.split(separator: "\n").filter { $0.hasPrefix("decision:") }
        #expect(decisions.contains { $0.contains("discharge-summary from RWW to N81035") && $0.contains("deliver  DSA-HALTON-DISCHARGE-001") })
        #expect(decisions.contains { $0.contains("review  [identity-unresolved]") })
        #expect(decisions.contains { $0.contains("[sensitivity-denied:sexual-health]") })
        // The summary: what flowed, what was withheld and why, and that every input is accounted for.
        #expect(result.output.contains("  sent:       22 files to 7 adapters: 14 accepted, 8 refused (10 messages dead-lettered)"))
        #expect(result.output.contains("  inputs:     19 on the canonical topics: 18 decided, 1 with no candidate recipient"))
        #expect(result.output.contains("  accounted:  every input, and every delivery and review record carries out an audited decision"))
        #expect(result.output.contains("  decisions:  \(decisions.count) for 18 messages: deliver "), "one line per decision was printed")
        #expect(result.output.contains("  withheld:   ") && result.output.contains("sensitivity-denied:sexual-health"))
        #expect(result.output.contains("  in review:  3 decisions: identity-unresolved 3"))
        // What was shared reached the stand-ins for the recipients' systems, which acknowledged it.
        #expect(result.output.contains("  delivered:  HUB-WIDNES-1: 3 of 3 sent and acknowledged by its system"), "MLLP, answered AA by python-hl7")
        #expect(result.output.contains("  delivered:  HBC-ASC: 1 of 1 sent and acknowledged by its system"), "FHIR, validated by fhir.resources")
        #expect(result.output.contains("delivery:   discharge-summary to HUB-RUNCORN-2 sent (mllp)"))
        // The GP practices over MESH: the sandbox, a mailbox per practice, mesh-client answering for the practices.
        #expect(result.output.contains("mesh:       NHS Digital's MESH sandbox on http://127.0.0.1:"))
        #expect(result.output.contains("delivery:   N81035         MESH from X26HX0002 to the practice's mailbox N81035OT001 in the sandbox"))
        #expect(result.output.contains("  delivered:  N81035: 2 of 2 sent over MESH, 2 acknowledged by the practice (infrastructure and business)"))
        #expect(result.output.contains("  delivered:  N81011: 3 of 3 sent over MESH, 3 acknowledged by the practice (infrastructure and business)"))
        #expect(result.output.contains("delivery:   discharge-summary to N81035 infrastructure-acknowledged (mesh)"))
        #expect(result.output.contains("delivery:   discharge-summary to N81035 business-acknowledged (mesh)"))
        #expect(result.output.contains("  delivered:  nothing to N81045, N81054, N81064, N81066, N81096, N81619, RY2, WELLBEING-ENT: none of the samples is shared with them"))
        // What arrived in the practices' mailboxes (the sandbox's file store), each from the exchange on the
        // inpatient discharge workflow and downloaded and acknowledged by the practice.
        let mailboxes = URL(fileURLWithPath: state).appendingPathComponent("mesh/mailboxes")
        var arrived: [String: Int] = [:]
        for mailbox in try FileManager.default.contentsOfDirectory(atPath: mailboxes.path) where mailbox.hasPrefix("N81") {
            let inbox = mailboxes.appendingPathComponent(mailbox).appendingPathComponent("in")
            for file in try FileManager.default.contentsOfDirectory(atPath: inbox.path) where file.hasSuffix(".json") {
                let metadata = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: inbox.appendingPathComponent(file))) as? [String: Any])
                #expect((metadata["sender"] as? [String: Any])?["mailbox_id"] as? String == "X26HX0002")
                #expect(metadata["workflow_id"] as? String == "TOC_FHIR_IP_DISCH")
                let events = (metadata["events"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
                #expect(events.contains("acknowledged"), "the practice downloaded and acknowledged \(mailbox)/\(file)")
                arrived[mailbox, default: 0] += 1
            }
        }
        #expect(arrived["N81035OT001"] == 2 && arrived["N81011OT001"] == 3 && arrived.values.reduce(0, +) == 12, "\(arrived)")
        // The practices' side: every message answered with a positive infrastructure (20013) and business (30001) response.
        let practices = try String(contentsOf: URL(fileURLWithPath: state).appendingPathComponent("mesh/practices.log"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains("\"workflow\": \"TOC_FHIR_IP_DISCH\"") }
        #expect(practices.count == 12 && practices.allSatisfy { $0.contains("\"20013\"") && $0.contains("\"30001\"") }, "\(practices)")
        // The samples' NHS numbers are all in the 999 test range.
        #expect(result.output.firstMatch(of: /\b999\d{7}\b/) == nil, "no NHS number on the console")
        #expect(result.error.firstMatch(of: /\b999\d{7}\b/) == nil, "no NHS number in the log")
        #expect(!result.output.contains("NOT read back"))
        #expect(result.output.contains("stopped cleanly"))
        // Everything let go of the broker before it stopped: no client complained of its going.
        #expect(!result.error.contains("Connection refused"), "\(result.error)")
        #expect(!DevBroker.canConnect(port: consolePort), "the console stopped with hx run")
        #expect(!DevBroker.canConnect(port: port), "the embedded broker stopped with hx run")
    }

    @Test("hx run on a cluster, twice: the second run's samples are recognised as repeats, and reconcile and verify hold on what is left")
    func runTwiceThenReconcile() async throws {
        try await withBroker { broker in
            let servers = ["--bootstrap-servers", broker.bootstrapServers]
            // A router that stays up in the group across both runs, as on a cluster in service. (When
            // every member had left, the development broker sometimes never assigned the partitions
            // to the next run's routers: seen once in three runs, never on a group in use.)
            #expect(try await Self.run(["topics", "apply"] + servers).status == 0)
            let routerLog = FileManager.default.temporaryDirectory.appendingPathComponent("hx-run-twice-router-\(UUID().uuidString.prefix(8)).log")
            let router = try ChildProcess(
                executable: Self.hx.path,
                arguments: ["router", "--config", repositoryRoot.appendingPathComponent("config").path, "--instance", "resident", "--session-timeout", "6", "--metrics-port", "0", "--listen", "127.0.0.1"] + servers,
                output: routerLog)
            defer { router.stop() }
            // A development broker: a short session, or each run's routers wait long to join.
            let arguments = ["run", "--console-port", "0", "--adapter-ports", "any", "--exit-when-settled", "--session-timeout", "6", "--state-directory", Self.stateDirectory()] + servers
            let first = try await Self.run(arguments, timeout: .seconds(180))
            #expect(first.status == 0, "\(first.output)\n\(first.error)")
            #expect(first.output.contains("  inputs:     19 on the canonical topics: 18 decided, 1 with no candidate recipient"))
            let decided = try #require(first.output.firstMatch(of: /decisions:  (\d+) for 18 messages/)?.1)
            // The same files again: the adapters give the same message ids and the routers decide nothing twice.
            let second = try await Self.run(arguments, timeout: .seconds(180))
            #expect(second.status == 0, "\(second.output)\n\(second.error)")
            #expect(second.output.contains("  inputs:     38 on the canonical topics: 18 decided, 18 repeats of a decided message, 2 with no candidate recipient"))
            #expect(second.output.contains("  decisions:  \(decided) for 18 messages"), "no decision made twice")
            // The independent checks an auditor runs.
            let reconcile = try await Self.run(["audit", "reconcile"] + servers)
            #expect(reconcile.status == 0, "\(reconcile.output)\n\(reconcile.error)")
            #expect(reconcile.output.contains("every input is accounted for"))
            let verify = try await Self.run(["audit", "verify"] + servers)
            #expect(verify.status == 0, "\(verify.output)\n\(verify.error)")
        }
    }

    @Test("hx adapter send gives a running adapter files through its own source and prints its answers: MLLP and a drop folder")
    func adapterSend() async throws {
        try await withBroker { broker in
            let servers = ["--bootstrap-servers", broker.bootstrapServers]
            #expect(try await Self.run(["topics", "apply"] + servers).status == 0)
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("hx-adapter-send-\(UUID().uuidString.prefix(8))")
            let mllpPort = try DevBroker.freePort()
            let mllp = try ChildProcess(
                executable: Self.hx.path, arguments: ["adapter", "run", repositoryRoot.appendingPathComponent("adapters/whh-pas-discharge").path, "--mllp-port", String(mllpPort), "--metrics-port", "0", "--listen", "127.0.0.1"] + servers,
                output: URL(fileURLWithPath: log.path + "-mllp.log"))
            defer { mllp.stop() }
            let drop = log.path + "-drop"
            let folder = try ChildProcess(
                executable: Self.hx.path, arguments: ["adapter", "run", repositoryRoot.appendingPathComponent("adapters/social-prescribing-referrals").path, "--drop-folder", drop, "--metrics-port", "0", "--listen", "127.0.0.1"] + servers,
                output: URL(fileURLWithPath: log.path + "-folder.log"))
            defer { folder.stop() }
            let deadline = ContinuousClock.now + .seconds(20)
            while !DevBroker.canConnect(port: mllpPort) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }

            let samples = "adapters/whh-pas-discharge/samples/"
            let sent = try await Self.run(["adapter", "send", "whh-pas-discharge", samples + "a03-discharge-home.hl7", samples + "bad-nhs-number.hl7", "--port", String(mllpPort)])
            #expect(sent.status == 65, "a refused file: exit 65\n\(sent.output)\(sent.error)")
            #expect(sent.output.contains("a03-discharge-home.hl7: accepted (MLLP 127.0.0.1:\(mllpPort))"))
            #expect(sent.output.contains("bad-nhs-number.hl7: refused [nhs-number-invalid], dead letter on hx.dlq.v1"))

            let dropped = try await Self.run(["adapter", "send", "social-prescribing-referrals", "adapters/social-prescribing-referrals/samples/referrals-2026-07.csv", "--drop-folder", drop])
            #expect(dropped.status == 0, "\(dropped.output)\(dropped.error)")
            #expect(dropped.output.contains("referrals-2026-07.csv: accepted (drop folder \(drop)/incoming/)"))
            #expect(FileManager.default.fileExists(atPath: drop + "/done/referrals-2026-07.csv"))

            // Nobody listening: not taken, exit 75, the sender keeps the file.
            let nobody = try await Self.run(["adapter", "send", "whh-pas-discharge", samples + "a03-discharge-home.hl7", "--port", String(try DevBroker.freePort())])
            #expect(nobody.status == 75, "\(nobody.output)\(nobody.error)")
            #expect(nobody.output.contains("NOT taken"))
        }
    }

    @Test("hx translate prints one JSON line per message and exits 65 when any input is rejected")
    func translate() async throws {
        let samples = "adapters/whh-pas-discharge/samples"
        let good = try await Self.run(["translate", "--adapter", "adapters/whh-pas-discharge", "\(samples)/a03-discharge-home.hl7"])
        #expect(good.status == 0)
        #expect(good.output.hasPrefix(#"{"ok":true,"message":{"#))
        let bad = try await Self.run(["translate", "--adapter", "adapters/whh-pas-discharge", "\(samples)/a03-discharge-home.hl7", "\(samples)/bad-nhs-number.hl7"])
        #expect(bad.status == 65)
        let lines = bad.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.last?.contains(#""code":"nhs-number-invalid""#) == true)
    }

    @Test("hx config check and hx test pass on the repository's configuration")
    func configCheckAndTest() async throws {
        let check = try await Self.run(["config", "check", "config"])
        #expect(check.status == 0)
        #expect(check.output.contains("config: valid"))
        let test = try await Self.run(["test"])
        #expect(test.status == 0)
        #expect(test.output.contains(" 0 failed"))
    }

    @Test("hx config check refuses a bad audit index retention")
    func configCheckRetention() async throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("hx-config-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("config"), to: copy)
        try Data("# kept in the index\nretentionYears: 0\n".utf8).write(to: copy.appendingPathComponent("audit-index.yaml"))
        let check = try await Self.run(["config", "check", copy.path])
        #expect(check.status == 78)
        // The file:line itself goes to standard error (RetentionTests checks the line).
        #expect(check.output.contains("1 error(s)"), "\(check.output)")
    }

    @Test("hx consent records and withdraws directives on hx.consent.v1 and shows a person's, oldest first")
    func consent() async throws {
        try await withBroker { broker in
            let servers = ["--bootstrap-servers", broker.bootstrapServers]
            #expect(try await Self.run(["topics", "apply"] + servers).status == 0)
            let person = ["--nhs-number", "943 476 5919", "--recorded-by", "IG team"]
            let objection = try await Self.run(["consent", "record", "--scope", "RWW,RBN"] + person + servers)
            #expect(objection.status == 0)
            #expect(!objection.output.contains("9434765919"), "no NHS number in the confirmation")
            #expect(try await Self.run(["consent", "record", "--directive", "national-data-opt-out"] + person + servers).status == 0)
            #expect(try await Self.run(["consent", "withdraw", "--scope", "RWW"] + person + servers).status == 0)
            // Another person's directive is not shown.
            #expect(try await Self.run(["consent", "record", "--nhs-number", "9999999999", "--recorded-by", "IG team"] + servers).status == 0)
            let bad = try await Self.run(["consent", "record", "--nhs-number", "9434765918", "--recorded-by", "IG team"] + servers)
            #expect(bad.status != 0, "a failing Modulus 11 check is refused")

            let shown = try await Self.run(["consent", "show", "--nhs-number", "9434765919"] + servers)
            #expect(shown.status == 0)
            let lines = shown.output.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines.allSatisfy { $0.contains(#""nhsNumber":"9434765919""#) })
            #expect(lines.first?.contains(#""directive":"objection""#) == true)
            #expect(lines.first?.contains(#""scope":["RWW","RBN"]"#) == true)
            #expect(lines.contains { $0.contains(#""directive":"national-data-opt-out""#) })
            #expect(lines.contains { $0.contains(#""directive":"withdraw-objection""#) && $0.contains(#""scope":["RWW"]"#) })
        }
    }

    @Test("hx dev broker serves Kafka on the given port until stopped, and stops its broker with it")
    func devBroker() async throws {
        let port = try DevBroker.freePort()
        let process = try ChildProcess(executable: Self.hx.path, arguments: ["dev", "broker", "--port", String(port)], output: nil)
        defer { process.stop() }
        let deadline = ContinuousClock.now + .seconds(15)
        while !DevBroker.canConnect(port: port) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let admin = try KafkaAdmin(configuration: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:\(port)"]))
        #expect(try await admin.describeCluster().brokers.map(\.port) == [Int32(port)])
        // What a service manager sends; Ctrl-C (SIGINT) is handled the same way.
        process.signal(SIGTERM)
        let stopDeadline = ContinuousClock.now + .seconds(15)
        while DevBroker.canConnect(port: port) && ContinuousClock.now < stopDeadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!DevBroker.canConnect(port: port))
    }

    @Test("a bad configuration file stops hx with file, line and problem, exit 78")
    func badConfiguration() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("config"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "topics:\n  - name: hx.x.v1\n    partitions: many\n    retention: 1d\n".write(to: directory.appendingPathComponent("topics.yaml"), atomically: true, encoding: .utf8)
        let result = try await Self.run(["topics", "apply", "--config", directory.path, "--bootstrap-servers", "127.0.0.1:1"])
        let text = result.error
        #expect(result.status == 78)
        #expect(text.contains("topics.yaml:3:"))
        #expect(text.contains("partitions must be a whole number"))
    }
}
