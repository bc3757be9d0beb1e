import Foundation
import HXAdapterRecords
import HXAudit
import HXCanonical
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXNetworkTestSupport
import HXTranslate
import HXWorkload
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Faults injected into the running system (issue 8): the adapters and the console killed
/// with SIGKILL under load and started again, the broker paused (SIGSTOP) longer than the
/// consumer session timeout and resumed, and the drop folder's disk full. After each, the
/// invariants users rely on: every input accounted for once (after de-duplication by message
/// id), nothing lost, every audit chain verifies, no delivery without its audit record.
/// (The router and the indexer are killed in RouterKillTests and AuditIndexCommandTests.)
///
/// One at a time: the kills and the pause are timed against the work in flight, and two
/// cores are shared.
@Suite(.serialized) struct FaultInjectionTests {
    static let config = Place.root.appendingPathComponent("config")

    /// A folder for one test's logs and files.
    static func workFolder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hx-fault-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func mllpAdapter(_ broker: DevBroker, port: Int, logs: URL) throws -> ServiceProcess {
        try ServiceProcess("whh-pas-discharge", [
            "adapter", "run", Place.root.appendingPathComponent("adapters/whh-pas-discharge").path,
            "--bootstrap-servers", broker.bootstrapServers, "--mllp-port", "\(port)", "--metrics-port", "0", "--listen", "127.0.0.1",
        ], logDirectory: logs)
    }

    /// A copy of adapters/hbc-adult-social-care (with the sensitivity codes it reads from
    /// ../../config) whose drop folder is `folder`.
    static func socialCareAdapter(in work: URL, folder: URL) throws -> URL {
        let adapter = work.appendingPathComponent("adapters/hbc-adult-social-care")
        try FileManager.default.createDirectory(at: adapter.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Place.root.appendingPathComponent("adapters/hbc-adult-social-care"), to: adapter)
        try FileManager.default.createDirectory(at: work.appendingPathComponent("config"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: config.appendingPathComponent("sensitivity-codes.yaml"),
                                         to: work.appendingPathComponent("config/sensitivity-codes.yaml"))
        let yaml = adapter.appendingPathComponent("adapter.yaml")
        let text = try String(contentsOf: yaml, encoding: .utf8)
        #expect(text.contains("path: /var/lib/hx/drop/hbc-adult-social-care"))
        try text.replacingOccurrences(of: "path: /var/lib/hx/drop/hbc-adult-social-care", with: "path: \(folder.path)")
            .write(to: yaml, atomically: true, encoding: .utf8)
        return adapter
    }

    static func folderAdapter(_ broker: DevBroker, directory: URL, metricsPort: Int = 0, logs: URL) throws -> ServiceProcess {
        try ServiceProcess("hbc-adult-social-care", [
            "adapter", "run", directory.path, "--bootstrap-servers", broker.bootstrapServers,
            "--metrics-port", "\(metricsPort)", "--listen", "127.0.0.1",
        ], logDirectory: logs)
    }

    /// The council's CSV export: `numbers.count` events; rows in `bad` carry an NHS number
    /// whose check digit is wrong (each becomes a dead letter, the file goes to rejected/).
    static func export(_ name: String, numbers: ArraySlice<String>, bad: Set<Int> = []) -> [UInt8] {
        var lines = ["Event ID,NHS No,Person ID,Surname,Forename,DOB,Postcode,GP Practice Code,Event Type,D2A Pathway,Service,Team,Start Date,End Date,Notes,Worker"]
        for (row, number) in numbers.enumerated() {
            lines.append("\(name)-EV\(row),\(bad.contains(row) ? invalidNHSNumber() : number),P\(row),TESTPERSON,Harold,01/03/1938,WA8 7AB,"
                + "N81035,Care Package Start,,Domiciliary care,Widnes Community Team,14/07/2026,,,J Worker")
        }
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Writes as a sender should: `NAME.part`, renamed when complete.
    static func drop(_ bytes: [UInt8], as name: String, into incoming: URL) throws {
        let part = incoming.appendingPathComponent(name + ".part")
        try Data(bytes).write(to: part)
        try FileManager.default.moveItem(at: part, to: incoming.appendingPathComponent(name))
    }

    /// What the adapter must write for a file: its records, by message id (canonical messages and dead letters).
    static func expectedRecords(_ configuration: AdapterConfiguration, _ input: [UInt8]) -> (messages: [String: [UInt8]], deadLetters: [String: [UInt8]]) {
        let (records, _) = AdapterRecords.make(configuration: configuration, input: input,
                                               outcomes: Translator.translate(configuration: configuration, input: Data(input)))
        var messages: [String: [UInt8]] = [:], letters: [String: [UInt8]] = [:]
        for r in records {
            let id = r.headers.first { $0.name == HXHeader.messageID }?.text ?? ""
            if r.topic == HXTopic.deadLetter { letters[id] = r.value } else { messages[id] = r.value }
        }
        return (messages, letters)
    }

    /// Files in a folder, hidden ones and errors files left out.
    static func files(_ folder: URL) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".errors.jsonl") })
    }

    /// Each record of `topic` by its message id header: the distinct values seen, and how many copies.
    static func byMessageID(_ records: [RouterRig.Copied]) -> (values: [String: Set<[UInt8]>], copies: [String: Int]) {
        var values: [String: Set<[UInt8]>] = [:], copies: [String: Int] = [:]
        for r in records {
            let id = r.headers[HXHeader.messageID] ?? ""
            values[id, default: []].insert(r.value)
            copies[id, default: 0] += 1
        }
        return (values, copies)
    }

    /// Every expected record is there, and every copy of it is the expected bytes.
    static func expectAllThere(_ expected: [String: [UInt8]], in values: [String: Set<[UInt8]>], _ what: String) {
        let missing = expected.keys.filter { values[$0] == nil }.sorted()
        #expect(missing.isEmpty, "\(missing.count) of \(expected.count) \(what) lost, e.g. message ids \(missing.prefix(5))")
        let differing = expected.filter { id, bytes in values[id].map { $0 != [bytes] } ?? false }.keys.sorted()
        #expect(differing.isEmpty, "\(what) written with other bytes than the translation gives: \(differing.prefix(5))")
    }

    /// No NHS number of the traffic in a service's log (patient data stays out of application logs).
    static func expectNoNHSNumbers(_ log: String, _ numbers: some Sequence<String>, _ service: String) {
        let leaked = numbers.filter { log.contains($0) }
        #expect(leaked.isEmpty, "\(leaked.count) NHS numbers in the \(service) log")
        #expect(log.firstMatch(of: /\b999\d{7}\b/) == nil, "an NHS number in the \(service) log")
    }

    // MARK: Adapters killed

    @Test(.timeLimit(.minutes(3)))
    func mllpAdapterKilledUnderLoadAndRestartedLosesNoMessage() async throws {
        try await withBroker { broker in
            let rig = try await RouterRig(broker: broker)
            let work = try Self.workFolder("mllp")
            let port = try DevBroker.freePort()
            let adapter = try Self.mllpAdapter(broker, port: port, logs: work)
            defer { adapter.killNow() }
            #expect(try await adapter.waitUntilListening(port: port), "the adapter listens; see \(adapter.log.path)")

            let count = 360, connections = 3
            let numbers = testNHSNumbers(count, from: 31_000)
            let messages = (0..<count).map { i in
                (controlID: String(format: "KILL-%06d", i), bytes: adtA03(controlID: String(format: "KILL-%06d", i), nhsNumber: numbers[i]))
            }
            let tally = Tally()
            let client = MLLPTestClient(port: port)
            let end = ContinuousClock.now + .seconds(100)
            var acks: [String: Ack] = [:]
            var kills = 0
            try await withThrowingTaskGroup(of: ([String: Ack], Int).self) { group in
                for c in 0..<connections {
                    let share = Array(messages[(c * count / connections)..<((c + 1) * count / connections)])
                    group.addTask { (try await client.deliver(share, timeout: .seconds(10), until: end, tally: tally), 0) }
                }
                group.addTask {
                    // Three times, with a message in flight on every connection: SIGKILL, down
                    // for a moment (senders find the port closed and retry), started again.
                    var kills = 0
                    for round in 1...3 {
                        let deadline = ContinuousClock.now + .seconds(30)
                        while tally["final"] < round * count / 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                        try await adapter.kill()
                        kills += 1
                        try await Task.sleep(for: .milliseconds(300))
                        try adapter.start()
                        guard try await adapter.waitUntilListening(port: port) else { break }
                    }
                    return ([:], kills)
                }
                for try await (answers, k) in group {
                    acks.merge(answers) { a, _ in a }
                    kills += k
                }
            }
            #expect(kills == 3, "the adapter was killed three times")
            #expect(adapter.isRunning, "the restarted adapter runs; see \(adapter.log.path)")
            let unanswered = messages.map(\.controlID).filter { acks[$0] == nil }
            #expect(unanswered.isEmpty, "\(unanswered.count) messages never acknowledged, e.g. \(unanswered.prefix(5))")
            #expect(acks.values.allSatisfy { $0.code == "AA" }, "every message accepted: \(Set(acks.values.map(\.code)))")
            #expect(tally["timeout"] >= kills, "each kill cut conversations short (answers lost: \(tally["timeout"]))")
            #expect(tally["mismatch"] == 0)

            // Every message on the canonical topic, each under one message id, every copy the same bytes.
            let records = try await rig.readAll(MessageType.dischargeSummary.topic)
            var idsByControlID: [String: Set<String>] = [:]
            for r in records {
                let message = try CanonicalJSON.decode(Data(r.value))
                idsByControlID[message.source.messageId, default: []].insert(r.headers[HXHeader.messageID] ?? "")
                #expect(r.headers[HXHeader.messageID] == message.id.uuidString.lowercased())
            }
            let lost = messages.map(\.controlID).filter { idsByControlID[$0] == nil }
            #expect(lost.isEmpty, "\(lost.count) messages the sender sent are not on \(MessageType.dischargeSummary.topic), e.g. \(lost.prefix(5))")
            #expect(idsByControlID.values.allSatisfy { $0.count == 1 }, "a message under two ids")
            let (values, _) = Self.byMessageID(records)
            #expect(values.values.allSatisfy { $0.count == 1 }, "a repeat that differs from its first copy")
            #expect(Set(idsByControlID.keys) == Set(messages.map(\.controlID)), "nothing on the topic that was not sent")
            print("MLLP adapter killed 3 times: \(records.count) records for \(count) messages (\(records.count - idsByControlID.count) repeats after resends), \(tally["timeout"]) answers lost, \(tally["AR"]) AR")
            Self.expectNoNHSNumbers(adapter.logs, numbers, "adapter")
            await adapter.stop()
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func dropFolderAdapterKilledWhileFilesArriveLosesNoFile() async throws {
        try await withBroker { broker in
            let rig = try await RouterRig(broker: broker)
            let work = try Self.workFolder("drop")
            let folder = work.appendingPathComponent("drop")
            let directory = try Self.socialCareAdapter(in: work, folder: folder)
            let configuration = try AdapterConfiguration.load(directory: directory).get()
            let incoming = folder.appendingPathComponent("incoming"), done = folder.appendingPathComponent("done"),
                rejected = folder.appendingPathComponent("rejected")
            try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)

            // Files large enough that a backlog takes the adapter a while, even on a busy machine.
            let rows = 100, fileCount = 96
            let numbers = testNHSNumbers(rows * fileCount, from: 41_000)
            var files: [String: [UInt8]] = [:]
            var next = 0
            func dropNext() throws {
                let name = String(format: "export-%03d.csv", next)
                // Every fourth file has a row with a wrong NHS number: rejected/, with its errors file.
                let bytes = Self.export(name, numbers: numbers[(next * rows)..<((next + 1) * rows)], bad: next % 4 == 0 ? [7] : [])
                try Self.drop(bytes, as: name, into: incoming)
                files[name] = bytes
                next += 1
            }
            for _ in 0..<16 { try dropNext() }
            let adapter = try Self.folderAdapter(broker, directory: directory, logs: work)
            defer { adapter.killNow() }

            // Killed once it is handing off files (at a different point of a file each time), with others
            // waiting; more files arrive while it is down. The kill waits for a file handed off with a
            // backlog behind it, topping the backlog up whenever the adapter has caught up: a fast
            // machine must not drain incoming/ between the look and the kill.
            var killedWithFilesWaiting = 0
            func waiting() -> Int { Self.files(incoming).filter { !$0.hasSuffix(".part") }.count }
            for round in 0..<3 {
                var handled = Self.files(done).count + Self.files(rejected).count
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline {
                    if waiting() < 6, next + 8 <= fileCount { for _ in 0..<8 { try dropNext() } }
                    let now = Self.files(done).count + Self.files(rejected).count
                    if now > handled, waiting() >= 6 { break }
                    handled = now
                    try await Task.sleep(for: .milliseconds(5))
                }
                try await Task.sleep(for: .milliseconds(1 + 3 * round))
                if waiting() > 0 { killedWithFilesWaiting += 1 }
                try await adapter.kill()
                for _ in 0..<8 where next < fileCount { try dropNext() }
                if round < 2 { try await Task.sleep(for: .milliseconds(200)) }
                try adapter.start()
            }
            #expect(killedWithFilesWaiting >= 2, "kills came with files waiting in incoming/ (\(killedWithFilesWaiting) of 3)")
            let deadline = ContinuousClock.now + .seconds(60)
            while !Self.files(incoming).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(Self.files(incoming).isEmpty, "files left in incoming/: \(Self.files(incoming).sorted()); see \(adapter.log.path)")
            #expect(adapter.isRunning, "the restarted adapter runs; see \(adapter.log.path)")

            // Every file once in done/ or rejected/, under its own name.
            let expectedRejected = Set(files.keys.filter { $0.hasPrefix("export-") && (Int($0.dropFirst(7).prefix(3)) ?? 1) % 4 == 0 })
            #expect(Self.files(done) == Set(files.keys).subtracting(expectedRejected), "done/: \(Self.files(done).sorted())")
            #expect(Self.files(rejected) == expectedRejected, "rejected/: \(Self.files(rejected).sorted())")
            var allMessages: [String: [UInt8]] = [:], allLetters: [String: [UInt8]] = [:]
            for (name, bytes) in files {
                let (messages, letters) = Self.expectedRecords(configuration, bytes)
                allMessages.merge(messages) { a, _ in a }
                allLetters.merge(letters) { a, _ in a }
                guard expectedRejected.contains(name) else { continue }
                let errors = (try? String(contentsOf: rejected.appendingPathComponent(name + ".errors.jsonl"), encoding: .utf8)) ?? ""
                let ids = errors.split(separator: "\n").compactMap { line in
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["messageID"] as? String
                }
                #expect(ids == Array(letters.keys), "\(name).errors.jsonl names its dead letter: \(errors)")
            }
            #expect(allMessages.count == files.count * rows - expectedRejected.count, "one row of each rejected file is its dead letter")
            let read = try await rig.readAll([configuration.topic, HXTopic.deadLetter])
            let canonical = Self.byMessageID(read[configuration.topic] ?? [])
            let letters = Self.byMessageID(read[HXTopic.deadLetter] ?? [])
            Self.expectAllThere(allMessages, in: canonical.values, "canonical messages")
            Self.expectAllThere(allLetters, in: letters.values, "dead letters")
            #expect(Set(canonical.values.keys) == Set(allMessages.keys), "nothing on the topic that no file holds")
            let repeats = canonical.copies.values.reduce(0, +) - canonical.copies.count
            print("drop folder adapter killed 3 times (\(killedWithFilesWaiting) with files waiting): \(files.count) files, \(allMessages.count) messages, \(repeats) sent again after kills")
            Self.expectNoNHSNumbers(adapter.logs, numbers, "adapter")
            await adapter.stop()
        }
    }

    // MARK: Console killed

    static func hiddenCSRF(_ html: String) -> String? {
        html.firstMatch(of: /name="_csrf" value="([^"]+)"/).map { String($0.1) }
    }

    /// Signs in through the pages, as a browser does: the session's cookies and its form token.
    static func signIn(port: Int, user: String, password: String) async throws -> (CookieJar, String) {
        var jar = CookieJar()
        let page = try await httpRequest(port: port, path: "/sign-in")
        jar.take(page)
        let token = try #require(hiddenCSRF(page.body), "the sign-in page has its form token: \(page.status)")
        let answer = try await httpRequest(port: port, method: "POST", path: "/sign-in", headers: jar.header,
                                           body: formBody([("_csrf", token), ("username", user), ("password", password)]))
        #expect((300..<400).contains(answer.status) && answer.header("Location") == "/", "sign-in as \(user): \(answer.status) \(answer.body.prefix(300))")
        jar.take(answer)
        let home = try await httpRequest(port: port, path: "/", headers: jar.header)
        #expect(home.status == 200, "the overview after sign-in: \(home.status)")
        return (jar, try #require(hiddenCSRF(home.body), "a signed-in page carries the session's form token"))
    }

    /// Replays one dead letter through the confirm form; the sequence of its record in olive's chain.
    static func replay(port: Int, jar: CookieJar, csrf: String, ref: String) async throws -> Int? {
        let answer = try await httpRequest(port: port, method: "POST", path: "/dead-letters/replay/confirm", headers: jar.header,
                                           body: formBody([("_csrf", csrf), ("ref", ref)]))
        #expect(answer.status == 200 && answer.body.contains("re-sent"), "replay of \(ref): \(answer.status) \(answer.body.prefix(500))")
        return answer.body.firstMatch(of: /operator:olive #(\d+)/).flatMap { Int($0.1) }
    }

    @Test(.timeLimit(.minutes(3)))
    func consoleKilledWhileServingAndRightAfterAReplayKeepsTheOperatorsChain() async throws {
        try await withBroker { broker in
            let rig = try await RouterRig(broker: broker)
            let work = try Self.workFolder("console")
            let directory = try Self.socialCareAdapter(in: work, folder: work.appendingPathComponent("drop"))
            // Three exports after the council renamed a column: three dead letters, replayable once the mapping follows.
            let before = try AdapterConfiguration.load(directory: directory).get()
            let numbers = testNHSNumbers(9, from: 52_000)
            var refs: [String] = []
            let producer = try KafkaProducer(configuration: rig.producerConfiguration())
            for i in 0..<3 {
                let csv = String(decoding: Self.export("renamed-\(i).csv", numbers: numbers[(i * 3)..<(i * 3 + 3)]), as: UTF8.self)
                let bytes = Array(csv.replacingOccurrences(of: "NHS No,", with: "NHS Number,").utf8)
                let outcomes = Translator.translate(configuration: before, input: Data(bytes))
                #expect(outcomes.map(\.error?.code) == ["csv-column-missing"])
                let reports = try await producer.send(batch: AdapterRecords.make(configuration: before, input: bytes, outcomes: outcomes).0)
                #expect(reports.failures.isEmpty)
                refs.append("\(reports[0].partition)-\(reports[0].offset)")
            }
            await producer.close()
            let yaml = directory.appendingPathComponent("adapter.yaml")
            try String(contentsOf: yaml, encoding: .utf8).replacingOccurrences(of: "nhsNumber: NHS No\n", with: "nhsNumber: NHS Number\n")
                .write(to: yaml, atomically: true, encoding: .utf8)

            let users = work.appendingPathComponent("console-users.yaml").path
            let password = "olive-password-1"
            let added = try await runProgram(URL(fileURLWithPath: "/bin/sh"), [
                "-c", "printf '%s\\n' \"$1\" | \"$2\" console user add olive --role operator --users \"$3\" --bcrypt-cost 4",
                "sh", password, RouterKillTests.hx.path, users,
            ])
            #expect(added.status == 0, "\(added.output)\(added.error)")
            let port = try DevBroker.freePort()
            let console = try ServiceProcess("console", [
                "console", "--listen", "127.0.0.1:\(port)", "--users", users, "--config", Self.config.path,
                "--adapters", work.appendingPathComponent("adapters").path, "--audit-key-file", RouterKillTests.keyFile.path,
                "--sample-interval", "2", "--bootstrap-servers", broker.bootstrapServers,
                "--index", work.appendingPathComponent("index.sqlite").path,
            ], logDirectory: work)
            defer { console.killNow() }
            #expect(try await console.waitUntilListening(port: port, timeout: .seconds(60)), "the console listens; see \(console.log.path)")

            // Pages requested all along, by the session of the moment, as an operator's browser would.
            let session = Shared(CookieJar())
            let served = Tally()
            let loader = Task {
                let pages = ["/", "/dead-letters", "/agreements", "/topics/\(HXTopic.audit)"]
                var i = 0
                while !Task.isCancelled {
                    let jar = session.value
                    if let page = try? await httpRequest(port: port, path: pages[i % pages.count], headers: jar.header, timeout: .seconds(10)) {
                        served.add("\(page.status)")
                    } else {
                        served.add("unanswered")
                    }
                    i += 1
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
            defer { loader.cancel() }
            func servesPages() async throws -> Bool {
                let before = served["200"]
                let deadline = ContinuousClock.now + .seconds(20)
                while served["200"] < before + 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                return served["200"] >= before + 4
            }

            var (jar, csrf) = try await Self.signIn(port: port, user: "olive", password: password)
            session.value = jar
            #expect(try await servesPages(), "the console serves pages")
            var sequences: [Int?] = []
            // Killed right after a replay was answered.
            sequences.append(try await Self.replay(port: port, jar: jar, csrf: csrf, ref: refs[0]))
            try await console.kill()
            try console.start()
            #expect(try await console.waitUntilListening(port: port, timeout: .seconds(60)), "the console listens again; see \(console.log.path)")
            // Sessions live in memory: the old one is gone, and its page sends the person to sign in again.
            let stale = try await httpRequest(port: port, path: "/", headers: jar.header)
            #expect((300..<400).contains(stale.status) && stale.header("Location") == "/sign-in", "a session from before the kill: \(stale.status)")
            (jar, csrf) = try await Self.signIn(port: port, user: "olive", password: password)
            session.value = jar
            sequences.append(try await Self.replay(port: port, jar: jar, csrf: csrf, ref: refs[1]))
            // Killed while serving pages.
            #expect(try await servesPages(), "the restarted console serves pages")
            try await console.kill()
            try console.start()
            #expect(try await console.waitUntilListening(port: port, timeout: .seconds(60)), "the console listens again; see \(console.log.path)")
            (jar, csrf) = try await Self.signIn(port: port, user: "olive", password: password)
            session.value = jar
            #expect(try await servesPages(), "the console serves pages after the second kill")
            sequences.append(try await Self.replay(port: port, jar: jar, csrf: csrf, ref: refs[2]))
            loader.cancel()
            print("console killed twice: pages answered \(served["200"]), redirected \(served["303"] + served["302"]), unanswered \(served["unanswered"]); replay records \(sequences)")

            // The operator's chain: three replays, in sequence, no gap, and it verifies.
            let first = try #require(sequences[0], "the first replay names its audit record")
            #expect(sequences == [first, first + 1, first + 2], "the replays after each restart continue olive's chain without a gap")
            let verified = try await AuditVerifyCommandTests.hx(["audit", "verify", "--bootstrap-servers", broker.bootstrapServers,
                                                                 "--audit-key-file", RouterKillTests.keyFile.path])
            #expect(verified.status == 0, "\(verified.output)")
            #expect(verified.output.contains("operator:olive  holds  records 3,"), "\(verified.output)")
            let audit = try await rig.readAll(HXTopic.audit).map { try AuditRecord(wire: $0.value) }.filter { $0.chainId == "operator:olive" }
            let places = refs.map { ref in "\(HXTopic.deadLetter):" + ref.replacingOccurrences(of: "-", with: ":") }
            #expect(audit.map(\.sequence) == [first, first + 1, first + 2])
            #expect(audit.compactMap { $0.details["deadLetter"] } == places, "each replay recorded against its dead letter")
            // What each replay wrote is there: the fixed rows, linked to their dead letter.
            let replayed = try await rig.readAll(before.topic)
            for (place, record) in zip(places, audit) {
                let ids = Set(replayed.filter { $0.headers[HXHeader.replayOf] == place }.compactMap { $0.headers[HXHeader.messageID] })
                #expect(ids.count == 3 && ids == Set(record.details["messageIds"]?.split(separator: ",").map(String.init) ?? []),
                        "the replay of \(place) wrote the three messages its audit record names")
            }
            Self.expectNoNHSNumbers(console.logs, numbers, "console")
            await console.stop()
        }
    }

    // MARK: Broker paused

    /// Two `hx router` processes and the MLLP adapter (with a sender) at work when the broker is
    /// paused for 12 s: longer than the routers' session timeout (6 s), so they lose their
    /// partitions and rejoin. HX_FAULT_PAUSE=SECONDS tries another length (beyond the adapter's
    /// 15 s message timeout its sender gets AR and resends).
    @Test(.timeLimit(.minutes(4)))
    func brokerPausedLongerThanTheSessionTimeoutUnderLoadEveryServiceRidesItOut() async throws {
        try await withBroker { broker in
            var rig = try await RouterRig(broker: broker)
            let work = try Self.workFolder("pause")
            let routers = try ["pause-a", "pause-b"].map { instance in
                try ServiceProcess("router-\(instance)", RouterKillTests.routerArguments(rig, instance: instance), logDirectory: work)
            }
            defer { routers.forEach { $0.killNow() } }
            for router in routers {
                #expect(try await router.waitForLog("chain resumed", timeout: .seconds(40)), "\(router.name) took partitions; see \(router.log.path)")
            }
            let port = try DevBroker.freePort()
            let adapter = try Self.mllpAdapter(broker, port: port, logs: work)
            defer { adapter.killNow() }
            #expect(try await adapter.waitUntilListening(port: port), "the adapter listens; see \(adapter.log.path)")

            // A burst for the routers, and a hospital sending discharges, when the broker stops answering
            // for longer than the consumer session timeout (6 s): routers mid-transaction, adapter mid-send.
            let t0 = ContinuousClock.now
            try await rig.produce(800)
            let count = 160
            let numbers = testNHSNumbers(count, from: 63_000)
            let messages = (0..<count).map { i in
                (controlID: String(format: "PAUSE-%06d", i),
                 bytes: adtA03(controlID: String(format: "PAUSE-%06d", i), nhsNumber: numbers[i], practice: SyntheticHalton.practices[i % SyntheticHalton.practices.count]))
            }
            let tally = Tally()
            let client = MLLPTestClient(port: port)
            let end = ContinuousClock.now + .seconds(120)
            let pause = Duration.seconds(Int(ProcessInfo.processInfo.environment["HX_FAULT_PAUSE"] ?? "12") ?? 12)
            var acks: [String: Ack] = [:]
            try await withThrowingTaskGroup(of: [String: Ack].self) { group in
                group.addTask {
                    try await Task.sleep(for: .milliseconds(300))
                    broker.pause()
                    try await Task.sleep(for: pause)
                    broker.resume()
                    return [:]
                }
                for c in 0..<2 {
                    let share = Array(messages[(c * count / 2)..<((c + 1) * count / 2)])
                    group.addTask {
                        var acks: [String: Ack] = [:]
                        for chunk in stride(from: 0, to: share.count, by: 4) {
                            acks.merge(try await client.deliver(Array(share[chunk..<min(chunk + 4, share.count)]), timeout: .seconds(30), until: end, tally: tally)) { a, _ in a }
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        return acks
                    }
                }
                for try await answers in group { acks.merge(answers) { a, _ in a } }
            }
            let unanswered = messages.map(\.controlID).filter { acks[$0]?.code != "AA" }
            #expect(unanswered.isEmpty, "\(unanswered.count) messages not accepted after the outage, e.g. \(unanswered.prefix(5))")
            // Work goes on afterwards.
            try await rig.produce(400)
            let adopted = try await rig.adopt(MessageType.dischargeSummary.topic)
            #expect(adopted >= count, "the adapter's messages are on the canonical topic (\(adopted) records)")
            try await rig.waitUntilRouted(timeout: .seconds(90))
            let caughtUp = ContinuousClock.now - t0
            for service in routers + [adapter] {
                #expect(service.isRunning, "\(service.name) did not ride out the pause; see \(service.log.path)")
            }

            let servers = ["--bootstrap-servers", broker.bootstrapServers]
            var phases: [(String, ContinuousClock.Instant)] = [("routed", .now)]
            let reconciled = try await AuditVerifyCommandTests.hx(["audit", "reconcile", "--config", Self.config.path] + servers)
            #expect(reconciled.status == 0, "\(reconciled.output)")
            #expect(reconciled.output.contains("every input is accounted for"), "\(reconciled.output)")
            phases.append(("reconcile", .now))
            let verified = try await AuditVerifyCommandTests.hx(["audit", "verify", "--audit-key-file", RouterKillTests.keyFile.path] + servers)
            #expect(verified.status == 0, "\(verified.output)")
            phases.append(("verify", .now))
            let observed = try await rig.verify()
            phases.append(("rig verify", .now))
            #expect(observed.instances == ["pause-a", "pause-b"], "both routers wrote audit records: \(observed.instances)")
            print("broker paused \(pause): everything routed \(caughtUp) after the burst began; sender AR \(tally["AR"]), answers lost \(tally["timeout"]); \(adopted) adapter records; "
                + "\(observed.auditRepeats) audit records and \(observed.deliveryRepeats) deliveries written again; "
                + reconciled.output.split(separator: "\n").first.map(String.init)!
                + "; checks took " + zip(phases, phases.dropFirst()).map { "\($1.0) \($1.1 - $0.1)" }.joined(separator: ", "))
            for service in routers + [adapter] { Self.expectNoNHSNumbers(service.logs, numbers, service.name) }
            await withTaskGroup(of: Void.self) { group in
                for service in routers + [adapter] { group.addTask { await service.stop() } }
            }
        }
    }

    // MARK: Full disk

    static let isRoot = getuid() == 0

    @Test(.enabled(if: isRoot, "mounts a small tmpfs as the drop folder, which needs root (tests run as root in CI)"), .timeLimit(.minutes(2)))
    func dropFolderOnAFullDiskKeepsTheFileReportsItAndFinishesOnceThereIsRoom() async throws {
        let work = try Self.workFolder("disk")
        let disk = work.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        guard mount("tmpfs", disk.path, "tmpfs", 0, "size=256k") == 0 else {
            Issue.record("mount -t tmpfs failed: \(String(cString: strerror(errno)))")
            return
        }
        // Unmounted whatever happens (lazily: a process may still hold it).
        defer { umount2(disk.path, Int32(MNT_DETACH)) }
        let incoming = disk.appendingPathComponent("incoming"), done = disk.appendingPathComponent("done"),
            rejected = disk.appendingPathComponent("rejected")
        for folder in [incoming, done, rejected] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let numbers = testNHSNumbers(10, from: 74_000)
        let good = Self.export("good.csv", numbers: numbers[0..<5]), bad = Self.export("bad.csv", numbers: numbers[5..<10], bad: [2])
        try Self.drop(good, as: "good.csv", into: incoming)
        try Self.drop(bad, as: "bad.csv", into: incoming)
        // The rest of the disk taken: writing bad.csv.errors.jsonl must fail.
        let filler = disk.appendingPathComponent("filler")
        let fd = open(filler.path, O_WRONLY | O_CREAT, 0o644)
        #expect(fd >= 0)
        let block = [UInt8](repeating: 0x2A, count: 4096)
        var writeErrno: Int32 = 0
        while true {
            if write(fd, block, block.count) < 0 { writeErrno = errno; break }
        }
        close(fd)
        #expect(writeErrno == ENOSPC, "the disk is full: \(String(cString: strerror(writeErrno)))")

        try await withBroker { broker in
            let rig = try await RouterRig(broker: broker)
            let directory = try Self.socialCareAdapter(in: work, folder: disk)
            let configuration = try AdapterConfiguration.load(directory: directory).get()
            let metricsPort = try DevBroker.freePort()
            let adapter = try Self.folderAdapter(broker, directory: directory, metricsPort: metricsPort, logs: work)
            defer { adapter.killNow() }
            let goodDone = done.appendingPathComponent("good.csv")
            let deadline = ContinuousClock.now + .seconds(30)
            while !FileManager.default.fileExists(atPath: goodDone.path), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(FileManager.default.fileExists(atPath: goodDone.path), "a file needing no new space is handed off (a rename); see \(adapter.log.path)")
            // Several scans (every 500 ms) with the disk full.
            try await Task.sleep(for: .seconds(3))
            #expect(adapter.isRunning, "the adapter keeps running on a full disk; see \(adapter.log.path)")
            #expect(FileManager.default.fileExists(atPath: incoming.appendingPathComponent("bad.csv").path), "bad.csv stays in incoming/ until its errors file is written")
            #expect(!FileManager.default.fileExists(atPath: rejected.appendingPathComponent("bad.csv").path))
            let log = adapter.logs
            #expect(log.contains("not moved to rejected/") && log.contains("No space left on device"), "the adapter says why the file stays: \(log.suffix(2000))")
            #expect(log.components(separatedBy: "not moved to rejected/").count - 1 == 1, "said once, not on every scan")
            let metrics = try await httpRequest(port: metricsPort, path: "/metrics")
            let failures = metrics.body.firstMatch(of: /hx_adapter_file_errors_total\{adapter="hbc-adult-social-care"\} (\d+)/).flatMap { Int($0.1) } ?? 0
            #expect(failures > 0, "the failures are counted on /metrics: \(metrics.body.split(separator: "\n").filter { $0.contains("hx_adapter") })")
            // Nothing lost meanwhile: bad.csv's good rows and its dead letter are on Kafka, sent once however often the scan came round.
            let (goodMessages, _) = Self.expectedRecords(configuration, good)
            let (badMessages, badLetters) = Self.expectedRecords(configuration, bad)
            var read = try await rig.readAll([configuration.topic, HXTopic.deadLetter])
            var letters = Self.byMessageID(read[HXTopic.deadLetter] ?? [])
            Self.expectAllThere(badLetters, in: letters.values, "dead letters of bad.csv while the disk is full")
            #expect(letters.copies.values.allSatisfy { $0 == 1 }, "bad.csv sent again on every scan while the disk was full: \(letters.copies)")

            // Room again.
            try FileManager.default.removeItem(at: filler)
            let until = ContinuousClock.now + .seconds(20)
            while !Self.files(incoming).isEmpty, ContinuousClock.now < until { try await Task.sleep(for: .milliseconds(50)) }
            #expect(Self.files(incoming).isEmpty, "bad.csv handled once there is room: \(Self.files(incoming))")
            #expect(Self.files(rejected) == ["bad.csv"] && Self.files(done) == ["good.csv"])
            let errors = (try? String(contentsOf: rejected.appendingPathComponent("bad.csv.errors.jsonl"), encoding: .utf8)) ?? ""
            #expect(errors.split(separator: "\n").count == 1 && errors.contains(badLetters.keys.first ?? "?"), "the errors file names the dead letter: \(errors)")
            #expect(!errors.contains(invalidNHSNumber()))
            let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: rejected.path)) ?? []).filter { $0.hasPrefix(".") }
            #expect(leftovers.isEmpty, "temporary files left in rejected/: \(leftovers)")

            // The same message ids, each once: no second copy after the disk was freed.
            read = try await rig.readAll([configuration.topic, HXTopic.deadLetter])
            letters = Self.byMessageID(read[HXTopic.deadLetter] ?? [])
            let canonical = Self.byMessageID(read[configuration.topic] ?? [])
            Self.expectAllThere(goodMessages.merging(badMessages) { a, _ in a }, in: canonical.values, "canonical messages")
            Self.expectAllThere(badLetters, in: letters.values, "dead letters")
            #expect(Set(canonical.values.keys) == Set(goodMessages.keys).union(badMessages.keys))
            #expect(canonical.copies.values.allSatisfy { $0 == 1 } && letters.copies.values.allSatisfy { $0 == 1 },
                    "records sent more than once: \(canonical.copies.filter { $0.value > 1 }) \(letters.copies.filter { $0.value > 1 })")
            Self.expectNoNHSNumbers(adapter.logs, numbers + [invalidNHSNumber()], "adapter")
            await adapter.stop()
        }
    }
}

/// A value one task sets and others read.
final class Shared<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    init(_ value: Value) { state = Mutex(value) }
    var value: Value {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
