import Foundation
import HXAudit
import HXCanonical
import HXDelivery
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXMESH
import HXMESHSandbox
import HXOperations
import Testing

/// `hx deliver run` delivering to a GP practice's MESH mailbox, as a deployment
/// runs it, on a real broker and NHS Digital's MESH sandbox (full NHSMESH
/// authentication): what the practice receives, and what is recorded when it
/// answers with ITK3 acknowledgements, when MESH reports a non-delivery, when
/// no answer comes, and when the worker dies between MESH taking a message and
/// the worker recording it.
@Suite(.serialized) struct MESHDeliveryTests {
    static let recipient = "N81011"
    static let topic = HXTopic.delivery(recipient)
    /// The exchange's sending mailbox and the practice's.
    static let exchange = "X26HX0001"
    static let practice = "N81011OT001"
    static let workflow = "TOC_FHIR_IP_DISCH"
    static let ackWorkflow = "TOC_FHIR_IP_DISCH_ACK"

    static func delivery(infrastructure: String = "1h", business: String = "24h") -> String {
        "{transport: mesh, format: itk3, mesh: {mailbox: \(exchange), to: \(practice), workflow: \(workflow), ackWorkflow: \(ackWorkflow)}, "
            + "acknowledgements: {infrastructure: \(infrastructure), business: \(business)}, retry: {initial: 200ms, max: 1s, giveUpAfter: 1h}}"
    }

    /// The configuration with this delivery block for the practice.
    static func configuration(delivery: String) throws -> URL {
        try DeliveryWorkerTests.configuration(delivery: delivery, recipient: recipient)
    }

    static func secret(_ text: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hx-mesh-secret-\(UUID().uuidString.prefix(8))")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    static func startWorker(_ broker: DevBroker, config: URL, log: URL, meshURL: String, sharedKey: String = MESHSandbox.sharedKey) throws -> ChildProcess {
        try ChildProcess(executable: DeliveryWorkerTests.hx.path, arguments: [
            "deliver", "run", "--bootstrap-servers", broker.bootstrapServers, "--config", config.path, "--recipient", recipient,
            "--session-timeout", "6", "--metrics-port", "0", "--listen", "127.0.0.1",
            "--mesh-url", meshURL, "--mesh-password-file", "\(exchange)=\(try secret(MESHSandbox.password))",
            "--mesh-shared-key-file", try secret(sharedKey), "--mesh-poll-interval", "500ms", "--mesh-sandbox-polling",
        ], output: log)
    }

    static func prepare(_ broker: DevBroker) async throws {
        for (name, partitions) in [(topic, 1), (HXTopic.deliveryStatus, 3), (HXTopic.audit, 3), (HXTopic.deadLetter, 1)] {
            _ = try await createTopic(broker, name: name, partitions: Int32(partitions))
        }
    }

    /// What the router would have written for the practice: `count` discharge summaries.
    static func produce(_ broker: DevBroker, count: Int, first: Int = 0) async throws -> [String] {
        let sample = try sampleMessages().first { $0.name.hasPrefix("discharge-rww-home") }!.message
        let producer = try KafkaProducer(configuration: producerConfiguration(broker))
        var records: [KafkaOutgoingMessage] = []
        var ids: [String] = []
        for i in first..<(first + count) {
            var message = sample
            message.id = UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", i))!
            let decisionId = AuditIdentifiers.decisionId(messageId: message.id, recipient: recipient)
            records.append(KafkaOutgoingMessage(
                topic: topic, partition: 0, key: Array(message.subject.nhsNumber!.digits.utf8), value: CanonicalJSON.bytes(message),
                headers: [KafkaHeader(HXHeader.decisionID, decisionId), KafkaHeader(HXHeader.agreementID, "test-agreement")]))
            ids.append(decisionId)
        }
        #expect(try await producer.send(batch: records).failures.isEmpty)
        await producer.close()
        return ids
    }

    /// Waits until `condition` holds for the statuses, or the deadline; the statuses then.
    static func waitFor(_ broker: DevBroker, worker: ChildProcess, log: URL, _ what: String, timeout: Duration = .seconds(60),
                        _ condition: ([DeliveryStatus]) -> Bool) async throws -> [DeliveryStatus] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let all = try await DeliveryWorkerTests.statuses(broker).filter { $0.recipient == recipient }
            if condition(all) { return all }
            guard worker.isRunning, ContinuousClock.now < deadline else {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                Issue.record("\(what) did not happen: \(all.map { "\($0.status.rawValue) \($0.reason ?? "")" }); worker log:\n\(text.suffix(3000))")
                return all
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The practice's end: what a GP system's MESH client does with its inbox.
    static func practiceInbox(_ mesh: MESHSandbox) async throws -> [MESHReceivedMessage] {
        let client = try MESHClient(mesh.configuration(mailbox: practice))
        var out: [MESHReceivedMessage] = []
        for id in try await client.inbox() { out.append(try await client.download(id)) }
        await client.shutdown()
        return out
    }

    /// The practice's system answering: NHS England's mesh-client in `scripts/mesh-practice.py` downloads,
    /// acknowledges and answers each message with the ITK3 responses its handling extension asks for.
    static func practiceAnswers(_ mesh: MESHSandbox, _ arguments: [String] = []) async throws {
        _ = try await mesh.practiceOnce(mailboxes: [practice], arguments)
    }

    /// Whether the exchange's inbox is empty within a few polls (the worker acknowledges every download it records).
    static func exchangeInboxEmpties(_ mesh: MESHSandbox) async throws -> Bool {
        let exchange = try MESHClient(mesh.configuration(mailbox: exchange))
        let deadline = ContinuousClock.now + .seconds(10)
        var left = try await exchange.inbox()
        while !left.isEmpty && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            left = try await exchange.inbox()
        }
        await exchange.shutdown()
        return left.isEmpty
    }

    /// The exit code of a process that ended (`waitpid` gives it shifted, with the signal bits below).
    static func exitCode(_ process: ChildProcess) -> Int32? { process.status.map { ($0 >> 8) & 0xff } }

    static func logFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hx-mesh-\(name)-\(UUID().uuidString.prefix(8)).log")
    }

    @Test(.timeLimit(.minutes(3)))
    func aDischargeSummaryArrivesAsITK3AndThePracticesAcknowledgementsAreRecorded() async throws {
        try await withBroker { broker in
            try await Self.prepare(broker)
            let mesh = try await MESHSandbox.start(mailboxes: [Self.exchange, Self.practice])
            defer { mesh.stop() }
            let config = try Self.configuration(delivery: Self.delivery())
            let decisions = try await Self.produce(broker, count: 2)
            let log = Self.logFile("ack")
            let worker = try Self.startWorker(broker, config: config, log: log, meshURL: mesh.baseURL)
            defer { worker.stop() }
            let sent = try await Self.waitFor(broker, worker: worker, log: log, "sent") { s in Set(s.filter { $0.status == .sent }.map(\.decisionId)) == Set(decisions) }
            for status in sent where status.status == .sent {
                #expect(status.transport == "mesh" && status.format == "itk3" && status.meshMessageId != nil, "MESH's message id is recorded")
            }

            // The practice's MESH client finds each as an ITK3 message, with ids from the decision and no patient data in the headers.
            let inbox = try await Self.practiceInbox(mesh)
            #expect(inbox.count == 2)
            let nhsNumber = try sampleMessages().first { $0.name.hasPrefix("discharge-rww-home") }!.message.subject.nhsNumber!.digits
            for decision in decisions {
                let message = try #require(inbox.first { $0.headers.localID == decision })
                #expect(message.headers.workflowID == Self.workflow && message.headers.from == Self.exchange)
                #expect(message.headers.messageID == sent.first { $0.decisionId == decision && $0.status == .sent }?.meshMessageId)
                for header in [message.headers.subject, message.headers.fileName] { #expect(!(header ?? "").contains(nhsNumber)) }
                let bundle = try #require(try JSONSerialization.jsonObject(with: Data(message.body)) as? [String: Any])
                #expect(bundle["resourceType"] as? String == "Bundle" && bundle["type"] as? String == "message")
                let header = ((bundle["entry"] as? [[String: Any]]) ?? []).compactMap { $0["resource"] as? [String: Any] }.first { $0["resourceType"] as? String == "MessageHeader" }
                #expect(header?["id"] as? String == ITK3Renderer.messageHeaderId(decisionId: decision), "the MessageHeader id derives from the decision id")
            }

            // The practice's system answers each with an infrastructure and a business acknowledgement.
            try await Self.practiceAnswers(mesh)
            let after = try await Self.waitFor(broker, worker: worker, log: log, "acknowledgements recorded") { s in
                decisions.allSatisfy { d in s.contains { $0.decisionId == d && $0.status == .businessAcknowledged } }
            }
            for decision in decisions {
                #expect(after.filter { $0.decisionId == decision }.map(\.status) == [.sent, .infrastructureAcknowledged, .businessAcknowledged])
            }
            #expect(after.allSatisfy { $0.status != .failed && $0.status != .overdue })
            #expect(try await Self.exchangeInboxEmpties(mesh), "the worker acknowledges what it downloads")
            // The audit chain has the acknowledgements too.
            let chain = try await DeliveryWorkerTests.readAll(broker, HXTopic.audit).compactMap { try? AuditRecord(wire: $0.value) }
                .filter { $0.chainId == AuditChain.deliveryChainId(recipient: Self.recipient) }
            #expect(chain.contains { $0.details["status"] == "business-acknowledged" && $0.details["decision"] == decisions[0] })
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aNonDeliveryReportFailsTheDeliveryAndMakesADeadLetter() async throws {
        try await withBroker { broker in
            try await Self.prepare(broker)
            let mesh = try await MESHSandbox.start(mailboxes: [Self.exchange, Self.practice])
            defer { mesh.stop() }
            let config = try Self.configuration(delivery: Self.delivery())
            let decisions = try await Self.produce(broker, count: 2)
            let log = Self.logFile("report")
            let worker = try Self.startWorker(broker, config: config, log: log, meshURL: mesh.baseURL)
            defer { worker.stop() }
            let sent = try await Self.waitFor(broker, worker: worker, log: log, "sent") { $0.filter { $0.status == .sent }.count == 2 }
            let meshId = try #require(sent.first { $0.status == .sent && $0.decisionId == decisions[0] }?.meshMessageId)
            _ = try await mesh.injectReport(to: Self.exchange, workflowID: Self.workflow, linkedMessageID: meshId, localID: decisions[0])
            let after = try await Self.waitFor(broker, worker: worker, log: log, "failed") { $0.contains { $0.status == .failed } }
            let failed = try #require(after.first { $0.status == .failed && $0.decisionId == decisions[0] })
            #expect(failed.decisionId == decisions[0] && failed.reason == "mesh-non-delivery" && failed.meshMessageId == meshId)
            #expect(failed.detail?.contains("14") == true, "MESH's status code")
            // The practice's system refuses the second (business response 30002, patient not known here);
            // its answers about the first, already failed, are recognised and change nothing.
            try await Self.practiceAnswers(mesh, ["--business-code", "30002"])
            let refused = try await Self.waitFor(broker, worker: worker, log: log, "negative response") { s in
                s.contains { $0.decisionId == decisions[1] && $0.status == .failed }
            }
            let negative = try #require(refused.first { $0.decisionId == decisions[1] && $0.status == .failed })
            #expect(negative.reason == "itk3-negative-response" && negative.detail?.contains("30002") == true)
            #expect(refused.filter { $0.decisionId == decisions[0] }.map(\.status) == [.sent, .failed])
            let letters = try await DeliveryWorkerTests.readAll(broker, HXTopic.deadLetter)
            #expect(letters.count == 2)
            #expect(Set(letters.compactMap { $0.header(HXHeader.reasonCode)?.text }) == ["mesh-non-delivery", "itk3-negative-response"])
            #expect(letters.first { $0.header(HXHeader.reasonCode)?.text == "mesh-non-delivery" }?.header(HXHeader.decisionID)?.text == decisions[0])
            #expect(letters.allSatisfy { (try? CanonicalJSON.decode(Data($0.value))) != nil }, "the delivery record itself, for a replay")
            // Every download is acknowledged in MESH, the REPORT and the answers about a failed delivery too.
            #expect(try await Self.exchangeInboxEmpties(mesh))
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func anAcknowledgementThatNeverComesIsOverdueOnceEvenAcrossARestart() async throws {
        try await withBroker { broker in
            try await Self.prepare(broker)
            let mesh = try await MESHSandbox.start(mailboxes: [Self.exchange, Self.practice])
            defer { mesh.stop() }
            let config = try Self.configuration(delivery: Self.delivery(infrastructure: "2s", business: "3s"))
            let decisions = try await Self.produce(broker, count: 1)
            let log = Self.logFile("overdue")
            var worker = try Self.startWorker(broker, config: config, log: log, meshURL: mesh.baseURL)
            let overdue = try await Self.waitFor(broker, worker: worker, log: log, "overdue") { s in s.filter { $0.status == .overdue }.count == 2 }
            #expect(Set(overdue.filter { $0.status == .overdue }.compactMap(\.reason)) == ["infrastructure-acknowledgement-overdue", "business-acknowledgement-overdue"])
            #expect(overdue.filter { $0.status == .overdue }.allSatisfy { $0.decisionId == decisions[0] })
            // A restarted worker knows what it recorded: no second overdue, while it polls several times.
            worker.stop()
            worker = try Self.startWorker(broker, config: config, log: log, meshURL: mesh.baseURL)
            defer { worker.stop() }
            let marker = ContinuousClock.now + .seconds(4)
            while ContinuousClock.now < marker { try await Task.sleep(for: .milliseconds(200)) }
            #expect(worker.isRunning)
            let later = try await DeliveryWorkerTests.statuses(broker).filter { $0.recipient == Self.recipient && $0.status == .overdue }
            #expect(later.count == 2, "overdue once per kind, across a restart")
            // Acknowledgements that come late are still recorded, and the delivery is owed nothing more.
            try await Self.practiceAnswers(mesh)
            _ = try await Self.waitFor(broker, worker: worker, log: log, "late acknowledgements") { $0.contains { $0.status == .businessAcknowledged } }
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func killedBetweenMESHTakingItAndRecordingItTheMessageIsSentOnce() async throws {
        try await withBroker { broker in
            try await Self.prepare(broker)
            let mesh = try await MESHSandbox.start(mailboxes: [Self.exchange, Self.practice])
            defer { mesh.stop() }
            // MESH's answer to the send is held back for ever: the message is in MESH, the worker never hears.
            let proxyPort = try DevBroker.freePort()
            let proxyLog = Self.logFile("hold-proxy")
            let proxy = try ChildProcess(executable: PeerValidationTests.python.path, arguments: [
                root.appendingPathComponent("scripts/mesh-hold-proxy.py").path, "--port", "\(proxyPort)", "--target-port", "\(mesh.port)",
            ], output: proxyLog)
            defer { proxy.stop() }
            let listening = ContinuousClock.now + .seconds(15)
            while !DevBroker.canConnect(port: proxyPort) && ContinuousClock.now < listening { try await Task.sleep(for: .milliseconds(20)) }
            let config = try Self.configuration(delivery: Self.delivery())
            let decisions = try await Self.produce(broker, count: 1)
            let log = Self.logFile("kill")
            let first = try Self.startWorker(broker, config: config, log: log, meshURL: "http://127.0.0.1:\(proxyPort)")
            let deadline = ContinuousClock.now + .seconds(60)
            while try await Self.practiceInbox(mesh).isEmpty && ContinuousClock.now < deadline && first.isRunning {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(first.isRunning)
            #expect(try await !Self.practiceInbox(mesh).isEmpty, "MESH took the message before the kill")
            first.signal(SIGKILL)
            while first.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            #expect(try await DeliveryWorkerTests.statuses(broker).allSatisfy { $0.status != .sent }, "killed before recording sent")

            let worker = try Self.startWorker(broker, config: config, log: log, meshURL: mesh.baseURL)
            defer { worker.stop() }
            let statuses = try await Self.waitFor(broker, worker: worker, log: log, "sent") { $0.contains { $0.status == .sent } }
            // Long enough for a second send to show, had there been one.
            try await Task.sleep(for: .seconds(2))
            let inbox = try await Self.practiceInbox(mesh)
            #expect(inbox.filter { $0.headers.localID == decisions[0] }.count == 1, "one message in the practice's mailbox for the decision")
            let sent = statuses.filter { $0.status == .sent }
            #expect(sent.count == 1 && sent.first?.meshMessageId == inbox.first?.headers.messageID, "sent once, with the id MESH gave the first send")
            #expect(sent.first?.detail?.contains("tracking") == true, "found by tracking the local id, not sent again")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aWrongSharedKeyStopsStartUpWithExit78() async throws {
        try await withBroker { broker in
            try await Self.prepare(broker)
            let mesh = try await MESHSandbox.start(mailboxes: [Self.exchange, Self.practice])
            defer { mesh.stop() }
            let config = try Self.configuration(delivery: Self.delivery())
            let log = Self.logFile("wrong-key")
            let worker = try Self.startWorker(broker, config: config, log: log, meshURL: mesh.baseURL, sharedKey: "not-the-key")
            let deadline = ContinuousClock.now + .seconds(30)
            while worker.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(Self.exitCode(worker) == 78, "exit 78; log: \(text.suffix(1000))")
            #expect(text.contains("MESH refused mailbox \(Self.exchange)'s handshake") && text.contains("--mesh-shared-key-file"))
        }
    }

    @Test func aMissingOrEmptySecretFileStopsStartUpWithExit78NamingIt() async throws {
        let config = try Self.configuration(delivery: Self.delivery())
        let empty = try Self.secret("")
        for (arguments, expected) in [
            (["--mesh-password-file", "\(Self.exchange)=/nonexistent/hx-mesh-password", "--mesh-shared-key-file", try Self.secret("k")],
             "--mesh-password-file \(Self.exchange)=/nonexistent/hx-mesh-password: the file cannot be read or is empty"),
            (["--mesh-password-file", "\(Self.exchange)=\(try Self.secret("p"))", "--mesh-shared-key-file", empty],
             "--mesh-shared-key-file \(empty): the file cannot be read or is empty"),
            (["--mesh-shared-key-file", try Self.secret("k")], "no --mesh-password-file \(Self.exchange)=FILE for MESH mailbox \(Self.exchange)"),
            (["--mesh-password-file", "\(Self.exchange)=\(try Self.secret("p"))", "--mesh-shared-key-file", try Self.secret("k"), "--mesh-poll-interval", "30s"],
             "more often than MESH's guidance"),
        ] {
            let log = Self.logFile("secret")
            let process = try ChildProcess(executable: DeliveryWorkerTests.hx.path, arguments: [
                "deliver", "run", "--bootstrap-servers", "127.0.0.1:1", "--config", config.path, "--recipient", Self.recipient,
                "--mesh-url", "http://127.0.0.1:1",
            ] + arguments, output: log)
            let deadline = ContinuousClock.now + .seconds(30)
            while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(Self.exitCode(process) == 78 && text.contains(expected), "\(arguments): \(text.suffix(500))")
        }
    }
}
