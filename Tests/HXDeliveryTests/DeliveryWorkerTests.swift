import Foundation
import HXAudit
import HXCanonical
import HXDelivery
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXOperations
import Testing

/// `hx deliver run` as a deployment runs it, on a real broker, delivering to
/// recipients' systems we did not write (python-hl7's MLLP server) or to a
/// folder: what the recipient gets, in what order, and what is recorded.
@Suite(.serialized) struct DeliveryWorkerTests {
    static let hx = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hx")
    static let recipient = "RY2"
    /// Seconds the recipient's system takes over each message in the fault tests: slow enough
    /// that a fault lands mid-stream however quick the worker is (300 messages take 6 s).
    static let pace = "0.02"
    static let topic = HXTopic.delivery(recipient)

    /// The place's configuration with `delivery` as `recipient`'s delivery block (RY2, Bridgewater, the community trust, unless said).
    static func configuration(delivery: String, recipient: String = recipient) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hx-deliver-config-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: root.appendingPathComponent("config"), to: folder)
        let file = folder.appendingPathComponent("organisations.yaml")
        // The organisation's own delivery block (if any) gives way to the test's.
        var lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
        guard let at = lines.firstIndex(of: "  - code: \(recipient)") else { throw PeerReceiver.PeerError(message: "no \(recipient) in organisations.yaml") }
        if let start = lines[at...].firstIndex(where: { $0.hasPrefix("    delivery:") }), !lines[(at + 1)..<start].contains(where: { $0.hasPrefix("  - ") }) {
            var end = start + 1
            while end < lines.count && lines[end].hasPrefix("      ") { end += 1 }
            lines.removeSubrange(start..<end)
        }
        lines.insert("    delivery: \(delivery)", at: at + 1)
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return folder
    }

    static func mllp(port: Int, giveUpAfter: String = "1h") -> String {
        "{transport: mllp, format: hl7v2, mllp: {host: 127.0.0.1, port: \(port), ackTimeout: 2s}, retry: {initial: 100ms, max: 400ms, giveUpAfter: \(giveUpAfter)}}"
    }

    /// A broker with the topics a delivery worker needs.
    static func prepare(_ broker: DevBroker) async throws {
        for (name, partitions) in [(topic, 3), (HXTopic.deliveryStatus, 3), (HXTopic.audit, 3), (HXTopic.deadLetter, 1)] {
            _ = try await createTopic(broker, name: name, partitions: Int32(partitions))
        }
    }

    /// What the router would have written for RY2: `count` referrals, spread over the partitions.
    static func produce(_ broker: DevBroker, count: Int, startingAt first: Int = 0) async throws -> [(decisionId: String, partition: Int32)] {
        let sample = try sampleMessages().first { $0.name.hasPrefix("referral-gp-to-bridgewater") }!.message
        let producer = try KafkaProducer(configuration: producerConfiguration(broker))
        var out: [(String, Int32)] = []
        var records: [KafkaOutgoingMessage] = []
        for i in first..<(first + count) {
            var message = sample
            message.id = UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", i))!
            let decisionId = AuditIdentifiers.decisionId(messageId: message.id, recipient: recipient)
            let partition = Int32(i % 3)
            records.append(KafkaOutgoingMessage(
                topic: topic, partition: partition, key: Array(message.subject.nhsNumber!.digits.utf8), value: CanonicalJSON.bytes(message),
                headers: [KafkaHeader(HXHeader.decisionID, decisionId), KafkaHeader(HXHeader.agreementID, "test-agreement")]))
            out.append((decisionId, partition))
        }
        let reports = try await producer.send(batch: records)
        #expect(reports.failures.isEmpty)
        await producer.close()
        return out
    }

    static func startWorker(_ broker: DevBroker, config: URL, log: URL) throws -> ChildProcess {
        try ChildProcess(executable: hx.path, arguments: [
            "deliver", "run", "--bootstrap-servers", broker.bootstrapServers, "--config", config.path, "--recipient", recipient,
            "--batch-size", "20", "--session-timeout", "6", "--metrics-port", "0", "--listen", "127.0.0.1",
        ], output: log)
    }

    /// Every record of a topic, all partitions.
    static func readAll(_ broker: DevBroker, _ topic: String) async throws -> [KafkaMessage] {
        let cluster = try await KafkaAdmin(configuration: clientConfiguration(broker)).describeCluster()
        let partitions = (cluster.topic(topic)?.partitions ?? []).map { KafkaTopicPartition(topic: topic, partition: $0.id) }
        let reader = try KafkaConsumer(configuration: .partitionReader(client: clientConfiguration(broker), groupID: "hx-test-reader"))
        var out: [KafkaMessage] = []
        _ = try await reader.readToEnd(partitions, from: KafkaConsumer.beginning) { out.append($0) }
        await reader.close()
        return out
    }

    static func statuses(_ broker: DevBroker) async throws -> [DeliveryStatus] {
        try await DeliveryBoard.statuses(client: clientConfiguration(broker))
    }

    /// Waits until `count` decisions have a final status; the statuses then.
    static func waitForFinal(_ broker: DevBroker, count: Int, worker: ChildProcess, log: URL, timeout: Duration = .seconds(90)) async throws -> [DeliveryStatus] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let all = try await statuses(broker)
            if Set(all.filter(\.status.isFinal).map(\.decisionId)).count >= count { return all }
            guard worker.isRunning, ContinuousClock.now < deadline else {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                Issue.record("only \(Set(all.filter(\.status.isFinal).map(\.decisionId)).count) of \(count) settled; worker log:\n\(text.suffix(3000))")
                return all
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    static func chain(_ broker: DevBroker) async throws -> [AuditRecord] {
        try await readAll(broker, HXTopic.audit).compactMap { try? AuditRecord(wire: $0.value) }
            .filter { $0.chainId == AuditChain.deliveryChainId(recipient: recipient) }
    }

    static func logFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hx-deliver-\(name)-\(UUID().uuidString.prefix(8)).log")
    }

    @Test(.timeLimit(.minutes(4)))
    func killedMidStreamAndRestartedEveryDecisionHasOneFinalStatusAndOrderIsKept() async throws {
        try await withBroker { broker in
            try await Self.prepare(broker)
            // The 111th message is left unanswered: the worker is killed waiting for its ACK, with 100
            // recorded (batches of 20) and 10 sent but not recorded, and never inside a transaction
            // (the development broker would show an aborted transaction's statuses to the test).
            let receiver = try await PeerReceiver(["--answer", "AA", "--delay", Self.pace, "--hold-after", "110"])
            defer { receiver.stop() }
            let config = try Self.configuration(delivery: Self.mllp(port: receiver.port))
            let produced = try await Self.produce(broker, count: 300)
            let log = Self.logFile("kill")
            var worker = try Self.startWorker(broker, config: config, log: log)
            let deadline = ContinuousClock.now + .seconds(60)
            while !receiver.received.contains(where: { $0.answer == "held" }) && ContinuousClock.now < deadline && worker.isRunning {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(worker.isRunning, "the worker stopped on its own")
            #expect(receiver.received.contains { $0.answer == "held" }, "the kill came before the end of the stream")
            worker.signal(SIGKILL)
            while worker.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            worker = try Self.startWorker(broker, config: config, log: log)
            defer { worker.stop() }
            let statuses = try await Self.waitForFinal(broker, count: produced.count, worker: worker, log: log)

            try await Self.expectDeliveredOnceInOrder(statuses, produced: produced, receiver: receiver, broker: broker)
            let chain = try await Self.chain(broker)
            let closed = chain.filter { ["sent", "failed"].contains($0.details["status"]) }.compactMap { $0.details["decision"] }
            #expect(closed.sorted() == produced.map(\.decisionId).sorted(), "each final status in the chain names its decision, once")
            #expect(chain.allSatisfy { $0.kind == .deliveryStatus && $0.nhsNumber != nil && $0.recipient == Self.recipient })
            let received = receiver.received.map(\.controlId)
            print("deliver kill test: \(received.count - Set(received).count) messages re-sent after the kill, each with its first control id")
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aRefusalIsFailedOnceAndBecomesADeadLetterForReplay() async throws {
        try await withBroker { broker in
            try await Self.prepare(broker)
            let receiver = try await PeerReceiver(["--answer", "AE"])
            defer { receiver.stop() }
            let config = try Self.configuration(delivery: Self.mllp(port: receiver.port))
            let produced = try await Self.produce(broker, count: 5)
            let log = Self.logFile("refused")
            let worker = try Self.startWorker(broker, config: config, log: log)
            defer { worker.stop() }
            let statuses = try await Self.waitForFinal(broker, count: produced.count, worker: worker, log: log)
            #expect(statuses.count == produced.count, "one status each, no retrying: \(statuses.map(\.status))")
            #expect(statuses.allSatisfy { $0.status == .failed && $0.reason == "mllp-rejected" && $0.attempt == 1 })
            #expect(receiver.received.count == produced.count, "a refusal is not retried")
            let letters = try await Self.readAll(broker, HXTopic.deadLetter)
            #expect(letters.count == produced.count)
            for letter in letters {
                #expect(letter.header(HXHeader.stage)?.text == "deliver")
                #expect(letter.header(HXHeader.reasonCode)?.text == "mllp-rejected")
                #expect(letter.header(HXHeader.inputTopic)?.text == Self.topic)
                let decision = letter.header(HXHeader.decisionID)?.text
                #expect(produced.contains { $0.decisionId == decision })
                // Its value is the delivery record itself, so a replay sends the same bytes and ids.
                #expect((try? CanonicalJSON.decode(Data(letter.value))) != nil)
            }
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aRecipientDownThenUpIsRetriedInOrderAndNothingIsLost() async throws {
        try await withBroker { broker in
            try await Self.prepare(broker)
            let port = try DevBroker.freePort()
            let config = try Self.configuration(delivery: Self.mllp(port: port))
            let produced = try await Self.produce(broker, count: 30)
            let log = Self.logFile("down")
            let worker = try Self.startWorker(broker, config: config, log: log)
            defer { worker.stop() }
            // Nobody listens: the head of the queue is retried and holds the rest.
            let deadline = ContinuousClock.now + .seconds(60)
            var retrying: [DeliveryStatus] = []
            while retrying.count < 3 && ContinuousClock.now < deadline && worker.isRunning {
                retrying = try await Self.statuses(broker).filter { $0.status == .retrying }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(retrying.count >= 3)
            #expect(Set(retrying.map(\.decisionId)).count == 1, "only the head of a partition is tried while it waits")
            #expect(retrying.allSatisfy { $0.reason == "mllp-connect-failed" && $0.nextAttemptAt != nil })
            let receiver = try await PeerReceiver(port: port, ["--answer", "AA"])
            defer { receiver.stop() }
            let statuses = try await Self.waitForFinal(broker, count: produced.count, worker: worker, log: log)
            #expect(statuses.filter(\.status.isFinal).allSatisfy { $0.status == .sent })
            #expect(statuses.filter(\.status.isFinal).count == produced.count)
            for partition: Int32 in 0..<3 {
                let expected = produced.filter { $0.partition == partition }.map { DecisionIdentity($0.decisionId)!.controlId }
                let got = receiver.received.map(\.controlId).filter { expected.contains($0) }
                #expect(got == expected, "partition \(partition) out of order or repeated")
            }
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aFolderRecipientGetsOneCompleteFilePerDecisionNamedByIt() async throws {
        try await withBroker { broker in
            try await Self.prepare(broker)
            let outbox = FileManager.default.temporaryDirectory.appendingPathComponent("hx-outbox-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: outbox) }
            let config = try Self.configuration(delivery: "{transport: folder, format: canonical-json, folder: {path: \(outbox.path)}}")
            let produced = try await Self.produce(broker, count: 12)
            let log = Self.logFile("folder")
            let worker = try Self.startWorker(broker, config: config, log: log)
            defer { worker.stop() }
            let statuses = try await Self.waitForFinal(broker, count: produced.count, worker: worker, log: log)
            #expect(statuses.allSatisfy { $0.status == .sent })
            let files = try FileManager.default.contentsOfDirectory(atPath: outbox.path).sorted()
            #expect(files == produced.map { "\($0.decisionId).json" }.sorted(), "one file per decision, no partial file left")
            let records = try await Self.readAll(broker, Self.topic)
            for record in records {
                let id = record.header(HXHeader.decisionID)!.text!
                #expect(FileManager.default.contents(atPath: outbox.appendingPathComponent("\(id).json").path) == Data(record.value))
            }
        }
    }

    /// What every fault test checks at the end: each decision settled once, as sent; the
    /// recipient got each under its own control id, in topic order per partition (a message
    /// sent again after a fault comes again with its first id, never out of turn); the chain holds.
    static func expectDeliveredOnceInOrder(_ statuses: [DeliveryStatus], produced: [(decisionId: String, partition: Int32)],
                                           receiver: PeerReceiver, broker: DevBroker) async throws {
        let finals = statuses.filter(\.status.isFinal)
        #expect(finals.count == produced.count, "\(finals.count) final statuses for \(produced.count) decisions")
        #expect(Set(finals.map(\.decisionId)) == Set(produced.map(\.decisionId)))
        #expect(finals.allSatisfy { $0.status == .sent })
        let controlIds = Dictionary(uniqueKeysWithValues: produced.map { (DecisionIdentity($0.decisionId)!.controlId, $0) })
        let received = receiver.received.map(\.controlId)
        #expect(Set(received) == Set(controlIds.keys), "every control id received, no stranger")
        for partition: Int32 in 0..<3 {
            var firstSeen: [String] = []
            for id in received where controlIds[id]?.partition == partition && !firstSeen.contains(id) { firstSeen.append(id) }
            #expect(firstSeen == produced.filter { $0.partition == partition }.map { DecisionIdentity($0.decisionId)!.controlId },
                    "partition \(partition) delivered out of order")
        }
        let report = AuditVerifier().verify(try await chain(broker))
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    @Test(.timeLimit(.minutes(4)))
    func theRecipientsSystemKilledAndRestartedMidStreamLosesNothing() async throws {
        try await withBroker { broker in
            try await Self.prepare(broker)
            // The 61st message is left unanswered, so the recipient's system dies with the worker waiting on it.
            var receiver = try await PeerReceiver(["--answer", "AA", "--delay", Self.pace, "--hold-after", "60"])
            let port = receiver.port, record = receiver.record
            let config = try Self.configuration(delivery: Self.mllp(port: port))
            let produced = try await Self.produce(broker, count: 200)
            let log = Self.logFile("receiver-killed")
            let worker = try Self.startWorker(broker, config: config, log: log)
            defer { worker.stop() }
            let deadline = ContinuousClock.now + .seconds(60)
            while !receiver.received.contains(where: { $0.answer == "held" }) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(receiver.received.contains { $0.answer == "held" }, "the recipient's system went before the end of the stream")
            receiver.process.signal(SIGKILL)
            while receiver.process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
            // Down while the worker retries; then back on its port, keeping its record of what it got.
            var retried = false
            let retryDeadline = ContinuousClock.now + .seconds(60)
            while !retried && ContinuousClock.now < retryDeadline {
                retried = try await Self.statuses(broker).contains { $0.status == .retrying }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(retried, "the worker noticed the recipient's system was gone")
            receiver = try await PeerReceiver(port: port, record: record, ["--answer", "AA"])
            defer { receiver.stop() }
            let statuses = try await Self.waitForFinal(broker, count: produced.count, worker: worker, log: log)
            try await Self.expectDeliveredOnceInOrder(statuses, produced: produced, receiver: receiver, broker: broker)
        }
    }

    @Test(.timeLimit(.minutes(4)))
    func theBrokerPausedMidStreamLosesNothingAndSettlesEachOnce() async throws {
        try await withBroker { broker in
            try await Self.prepare(broker)
            let receiver = try await PeerReceiver(["--answer", "AA", "--delay", Self.pace])
            defer { receiver.stop() }
            let config = try Self.configuration(delivery: Self.mllp(port: receiver.port))
            let produced = try await Self.produce(broker, count: 200)
            let log = Self.logFile("broker-paused")
            var worker = try Self.startWorker(broker, config: config, log: log)
            let deadline = ContinuousClock.now + .seconds(60)
            while receiver.received.count < 60 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(receiver.received.count < produced.count, "the pause came before the end of the stream")
            // Longer than the worker's session timeout (6 s): it loses its group membership.
            broker.pause()
            try await Task.sleep(for: .seconds(10))
            broker.resume()
            // As a supervisor would: a worker that stopped on the outage is started again.
            if !worker.isRunning { worker = try Self.startWorker(broker, config: config, log: log) }
            defer { worker.stop() }
            let statuses = try await Self.waitForFinal(broker, count: produced.count, worker: worker, log: log, timeout: .seconds(150))
            try await Self.expectDeliveredOnceInOrder(statuses, produced: produced, receiver: receiver, broker: broker)
        }
    }
}
