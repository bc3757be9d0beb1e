import Foundation
import HXAdapterRecords
import HXAudit
import HXCanonical
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXTranslate
import Testing

/// The console end to end, in a real browser (Debian's chromium, driven by
/// scripts/console-browser-test.py over WebDriver), on a real broker with
/// routed traffic, a real audit index and the hx binary: an operator replays
/// a dead letter after its adapter's mapping is fixed, an auditor searches
/// the audit log and opens a subject access report. Screenshots are kept in
/// test-artifacts/console-browser/.
@Suite(.serialized) struct ConsoleBrowserTests {
    static let artifacts = Place.root.appendingPathComponent("test-artifacts/console-browser")

    @Test(.timeLimit(.minutes(6)))
    func operatorReplaysADeadLetterAndAuditorSearchesInABrowser() async throws {
        try await withBroker { broker in
            var rig = try await RouterRig(broker: broker)
            try await rig.produce(60)
            let router = InProcessRouter(rig: rig, instance: "console")
            try await rig.waitUntilRouted(timeout: .seconds(60))
            try await router.stop()
            let servers = ["--bootstrap-servers", broker.bootstrapServers]
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("hx-console-\(UUID().uuidString.prefix(8))")
            let config = Place.root.appendingPathComponent("config")

            // The council renamed a column of its export: every file is now dead-lettered.
            let adapter = work.appendingPathComponent("adapters/hbc-adult-social-care")
            try FileManager.default.createDirectory(at: adapter.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Place.root.appendingPathComponent("adapters/hbc-adult-social-care"), to: adapter)
            let sample = try String(contentsOf: adapter.appendingPathComponent("samples/events-2026-07-14.csv"), encoding: .utf8)
            let renamed = Array(sample.replacingOccurrences(of: "NHS No,", with: "NHS Number,").utf8)
            let before = try AdapterConfiguration.load(directory: adapter, sensitivityCodes: config.appendingPathComponent("sensitivity-codes.yaml")).get()
            let outcomes = Translator.translate(configuration: before, input: Data(renamed))
            #expect(outcomes.map(\.error?.code) == ["csv-column-missing"])
            let producer = try KafkaProducer(configuration: rig.producerConfiguration())
            let reports = try await producer.send(batch: AdapterRecords.make(configuration: before, input: renamed, outcomes: outcomes).0)
            #expect(reports.failures.isEmpty)
            await producer.close()
            // The fix: the mapping follows the new name. The console reads adapter.yaml again for each replay.
            let yaml = adapter.appendingPathComponent("adapter.yaml")
            try String(contentsOf: yaml, encoding: .utf8).replacingOccurrences(of: "nhsNumber: NHS No\n", with: "nhsNumber: NHS Number\n")
                .write(to: yaml, atomically: true, encoding: .utf8)

            let index = ["--index", work.appendingPathComponent("index.sqlite").path]
            let indexed = try await AuditVerifyCommandTests.hx(["audit", "index"] + servers + index)
            #expect(indexed.status == 0)
            let audit = try await rig.readAll(HXTopic.audit).map { try AuditRecord(wire: $0.value) }
            let person = try #require(audit.compactMap(\.nhsNumber).first)

            // Users, through the command trust IT would use (the password on standard input).
            let users = work.appendingPathComponent("console-users.yaml").path
            for (name, role, password) in [("olive", "operator", "olive-password-1"), ("audrey", "auditor", "audrey-password-1"),
                                           ("adam", "admin", "adam-password-1")] {
                let added = try await run("/bin/sh", ["-c", "printf '%s\\n' \"$1\" | \"$2\" console user add \"$3\" --role \"$4\" --users \"$5\" --bcrypt-cost 4",
                                                "sh", password, RouterKillTests.hx.path, name, role, users])
                #expect(added.status == 0, "\(added.output)")
            }
            #expect(try String(contentsOfFile: users, encoding: .utf8).contains("olive-password-1") == false, "only hashes are stored")

            let port = try DevBroker.freePort()
            let log = work.appendingPathComponent("console.log")
            let console = try ChildProcess(
                executable: RouterKillTests.hx.path,
                arguments: ["console", "--listen", "127.0.0.1:\(port)", "--users", users, "--config", config.path,
                            "--adapters", work.appendingPathComponent("adapters").path, "--audit-key-file", RouterKillTests.keyFile.path,
                            "--sample-interval", "2"] + servers + index,
                output: log)
            defer { console.stop() }
            let deadline = ContinuousClock.now + .seconds(30)
            while !DevBroker.canConnect(port: port), ContinuousClock.now < deadline, console.isRunning { try await Task.sleep(for: .milliseconds(200)) }
            #expect(DevBroker.canConnect(port: port), "the console listens: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")

            // An IG lead's proposal: the discharge agreement suspended, as a plain tar of its config folder.
            // What the page must say would stop is what `hx config impact` says, on the same window.
            let proposed = try RouterCommandTests.configCopy()
            try RouterCommandTests.edit(RouterCommandTests.agreement(proposed)) { $0.replacingOccurrences(of: "status: active", with: "status: suspended") }
            let proposal = work.appendingPathComponent("proposal.tar")
            let tarred = try await run("/bin/tar", ["-cf", proposal.path, "-C", proposed.deletingLastPathComponent().path, proposed.lastPathComponent])
            #expect(tarred.status == 0, "\(tarred.output)")
            let trafficDay = Instant(millisecondsSinceEpoch: RouterRig.trafficTime).ukDate
            let cli = try await runProgram(RouterKillTests.hx, ["config", "impact", "--format", "json", "--config", config.path, "--proposed", proposed.path,
                                                               "--from", "\(trafficDay)T00:00:00Z", "--to", "\(trafficDay)T23:59:59.999Z"] + servers,
                                           timeout: .seconds(120))
            #expect(cli.status == 0, "\(cli.error)")
            let expected = try ConfigImpactCommandTests.parse(cli.output)
            #expect(expected.totalStops > 0, "the traffic has discharge summaries to stop")

            try? FileManager.default.removeItem(at: Self.artifacts)
            let browser = try await run("/usr/bin/python3", [
                Place.root.appendingPathComponent("scripts/console-browser-test.py").path, "--url", "http://127.0.0.1:\(port)",
                "--operator-user", "olive", "--operator-password", "olive-password-1",
                "--auditor-user", "audrey", "--auditor-password", "audrey-password-1",
                "--nhs-number", person, "--artifacts", Self.artifacts.path,
                "--admin-user", "adam", "--admin-password", "adam-password-1", "--proposal", proposal.path,
                "--impact-from", "\(trafficDay)", "--impact-to", "\(trafficDay)", "--expect-stops", "\(expected.totalStops)",
                "--expect-agreement", ConfigImpactCommandTests.discharge,
            ])
            #expect(browser.status == 0, "\(browser.output)\nconsole log:\n\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            let shots = (try? FileManager.default.contentsOfDirectory(atPath: Self.artifacts.path)) ?? []
            #expect(shots.filter { $0.hasSuffix(".png") }.count >= 10, "\(shots)")

            // What the browser did is in Kafka: the replayed message, linked to its dead letter, and its audit record.
            let letters = try await rig.readAll(HXTopic.deadLetter).filter { $0.headers[HXHeader.adapter] == "hbc-adult-social-care" }
            let letter = try #require(letters.last)
            let place = "\(HXTopic.deadLetter):\(letter.partition):\(letter.offset)"
            let replayed = try await rig.readAll(before.topic).filter { $0.headers[HXHeader.replayOf] == place }
            #expect(!replayed.isEmpty, "the fixed input, re-sent")
            let after = try await rig.readAll(HXTopic.audit).map { try AuditRecord(wire: $0.value) }
            let replay = after.filter { $0.kind == .deadLetterReplay }
            #expect(replay.count == 1)
            #expect(replay.first?.chainId == "operator:olive" && replay.first?.details["deadLetter"] == place)
            #expect(Set(replay.first?.details["messageIds"]?.split(separator: ",").map(String.init) ?? [])
                == Set(replayed.compactMap { $0.headers[HXHeader.messageID] }), "the audit record names every message the replay wrote, once each")
            let access = after.filter { $0.kind == .auditorAccess && $0.chainId == "auditor:audrey" }
            #expect(Set(access.compactMap { $0.details["action"] }) == ["search", "subject-access-report"])
            #expect(access.allSatisfy { $0.nhsNumber == person })
            #expect(after.filter { $0.kind == .auditorAccess && $0.chainId == "auditor:olive" }.isEmpty, "the operator saw no patient data")
            // The impact run, recorded in the admin's chain with both digests and the window; nothing applied.
            let runs = after.filter { $0.kind == .configurationImpactRun }
            #expect(runs.count == 1 && runs.first?.chainId == "admin:adam" && runs.first?.details["proposed"] == "proposal.tar", "\(runs)")
            #expect(runs.first?.details["proposedDigest"].map { $0 != runs.first?.configurationDigest } == true, "two digests")
            // November is GMT: the UK day starts at midnight UTC.
            #expect(runs.first?.details["from"] == "\(trafficDay)T00:00:00.000Z" && runs.first?.details["to"] == "\(trafficDay)T23:59:59.999Z")

            // Stops cleanly on SIGTERM.
            console.signal(SIGTERM)
            let stopBy = ContinuousClock.now + .seconds(15)
            while console.isRunning, ContinuousClock.now < stopBy { try await Task.sleep(for: .milliseconds(100)) }
            #expect(console.status == 0)
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(!text.contains(person), "no patient identifier in the console's log")
        }
    }

    /// Runs a program to its end (HXKafkaTestSupport's runner); standard output and error together.
    func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result = try await runProgram(URL(fileURLWithPath: executable), arguments, timeout: .seconds(300))
        return (result.status, result.output + result.error)
    }
}
