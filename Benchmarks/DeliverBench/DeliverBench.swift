// `make bench-deliver` (docs/performance.md "Delivery"): the delivery worker
// (Kafka → HL7 v2 rendered → MLLP → ACK judged → status and audit record in a
// transaction) against a plain python-hl7 sender handing the same rendered
// messages to the same receiver over one connection, measured in the same run.
// The receiver is python-hl7's MLLP server (scripts/mllp-peer-receiver.py),
// answering AA to each.
import Foundation
import HXAudit
import HXCanonical
import HXDelivery
import HXDeliveryWorker
import HXDevBroker
import HXKafka
import HXOperations
import HXPlace
import Logging

@main
struct DeliverBench {
    static func main() async throws {
        var records = 3_000
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            switch argument {
            case "--records": records = Int(arguments.popFirst() ?? "") ?? records
            case "--latency":
                let rate = Int(arguments.popFirst() ?? "") ?? 10, seconds = Int(arguments.popFirst() ?? "") ?? 30
                try await Latency.run(rate: rate, seconds: seconds)
                return
            case "--worker":
                // The worker alone in a process of its own, so its resident memory is its own.
                let servers = arguments.popFirst()!, port = Int(arguments.popFirst()!)!
                try await runWorker(servers: servers, port: port)
                return
            default: fatalError("usage: deliver-bench [--records N] | --latency RATE SECONDS")
            }
        }
        let python = ".venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else { fatalError("run from the repository after scripts/setup.sh") }
        let place = try PlaceConfiguration.load(directory: URL(fileURLWithPath: "config", isDirectory: true))
        let recipient = "RY2", topic = HXTopic.delivery("RY2")

        let broker = try await DevBroker.start()
        defer { broker.stop() }
        var client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])
        client.clientID = "deliver-bench"
        let admin = try KafkaAdmin(configuration: client)
        for (name, partitions) in [(topic, 3), (HXTopic.deliveryStatus, 3), (HXTopic.audit, 3), (HXTopic.deadLetter, 1)] {
            _ = try await admin.createTopics([KafkaTopicSpec(name: name, partitions: Int32(partitions))])
        }
        let sample = try CanonicalJSON.decode(Data(contentsOf: URL(fileURLWithPath: "config/tests/messages/referral-gp-to-bridgewater.json")))
        var outgoing: [KafkaOutgoingMessage] = []
        var rendered: [String] = []
        for i in 0..<records {
            var message = sample
            message.id = UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", i))!
            let decisionId = AuditIdentifiers.decisionId(messageId: message.id, recipient: recipient)
            outgoing.append(KafkaOutgoingMessage(
                topic: topic, partition: Int32(i % 3), key: Array(message.subject.nhsNumber!.digits.utf8), value: CanonicalJSON.bytes(message),
                headers: [KafkaHeader(HXHeader.decisionID, decisionId), KafkaHeader(HXHeader.agreementID, "bench")]))
            let bytes = try DeliveryRenderer.render(message, decisionId: decisionId, recipient: recipient, format: .hl7v2) { place.organisation($0)?.name }.bytes
            rendered.append(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r", with: "\\r"))
        }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client))
        _ = try await producer.send(batch: outgoing)
        await producer.close()

        // The baseline: python-hl7 sending the same messages to a receiver of its own.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("deliver-bench-\(getpid()).txt")
        try (rendered.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let baselineReceiver = try await receiver(python)
        let sender = Process()
        sender.executableURL = URL(fileURLWithPath: python)
        sender.arguments = ["Benchmarks/mllp/python_hl7_sender.py", "127.0.0.1", String(baselineReceiver.port), file.path]
        let pipe = Pipe()
        sender.standardOutput = pipe
        try sender.run()
        sender.waitUntilExit()
        baselineReceiver.process.stop()
        let said = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard let seconds = said.split(separator: " ").dropFirst(3).first.flatMap({ Double($0) }) else { fatalError("python sender: \(said)") }
        let baseline = Double(records) / seconds

        // The worker, in a process of its own, to a receiver of its own.
        let workerReceiver = try await receiver(python)
        defer { workerReceiver.process.stop() }
        let worker = try ChildProcess(
            executable: CommandLine.arguments[0], arguments: ["--worker", broker.bootstrapServers, String(workerReceiver.port)],
            output: FileManager.default.temporaryDirectory.appendingPathComponent("deliver-bench-worker.log"))
        defer { worker.stop() }
        var statuses: [DeliveryStatus] = []
        var samples: [Double] = []
        while statuses.filter(\.status.isFinal).count < records {
            try await Task.sleep(for: .seconds(1))
            guard worker.isRunning else { fatalError("the worker stopped; see \(FileManager.default.temporaryDirectory.path)/deliver-bench-worker.log") }
            samples.append(residentMiB(pid: worker.pid))
            statuses = try await DeliveryBoard.statuses(client: client, groupID: "deliver-bench-reader")
        }
        let times = statuses.filter { $0.status == .sent }.map(\.time).sorted()
        let (first, last) = (times.first!, times.last!)
        let elapsed = Double(Instant(RFC3339Timestamp(last)!).millisecondsSinceEpoch - Instant(RFC3339Timestamp(first)!).millisecondsSinceEpoch) / 1000
        let rate = Double(records - 1) / elapsed
        print("deliver-bench: \(records) HL7 v2 deliveries over MLLP to python-hl7's receiver, answered AA")
        print(String(format: "  python-hl7 sender, one connection:   %8.0f messages/s", baseline))
        print(String(format: "  hx delivery worker (Kafka to ACK,    %8.0f messages/s  (%.2f x the python-hl7 sender)", rate, rate / baseline))
        print("    statuses and audit records recorded, offsets committed)")
        let third = max(1, samples.count / 3)
        print(String(format: "  worker process resident memory: %.1f MiB after the first third of the run, %.1f MiB at the end, %.1f MiB at most",
                     samples[min(third, samples.count - 1)], samples.last!, samples.max()!))
    }

    struct Receiver {
        var port: Int
        var process: ChildProcess
    }

    static func receiver(_ python: String) async throws -> Receiver {
        let port = try DevBroker.freePort()
        let record = FileManager.default.temporaryDirectory.appendingPathComponent("deliver-bench-received-\(port).txt")
        let process = try ChildProcess(
            executable: python, arguments: ["scripts/mllp-peer-receiver.py", "--port", String(port), "--record", record.path], output: nil)
        while !DevBroker.canConnect(port: port) { try await Task.sleep(for: .milliseconds(50)) }
        return Receiver(port: port, process: process)
    }

    /// `deliver-bench --worker SERVERS PORT`: RY2's delivery worker to the MLLP receiver on PORT until killed.
    static func runWorker(servers: String, port: Int) async throws {
        let place = try PlaceConfiguration.load(directory: URL(fileURLWithPath: "config", isDirectory: true))
        var client = KafkaClientConfiguration(bootstrapServers: [servers])
        client.clientID = "deliver-bench-worker"
        var settings = DeliveryWorkerSettings(client: client, recipient: "RY2")
        settings.endpointOverride = .mllp(host: "127.0.0.1", port: port, ackTimeout: 30_000)
        settings.sessionTimeout = .seconds(6)
        var logger = Logger(label: "deliver-bench")
        logger.logLevel = .warning
        try await DeliveryWorker(settings: settings, configuration: place, logger: logger).run()
    }

    static func residentMiB(pid: Int32) -> Double {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}
