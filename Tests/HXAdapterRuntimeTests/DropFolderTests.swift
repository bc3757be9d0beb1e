import Foundation
import HXCanonical
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXNetworkTestSupport
import Prometheus
import Synchronization
import Testing
@testable import HXAdapterRuntime

extension BrokerTests {
    @Suite("Drop folder adapter against a real broker", .serialized, .timeLimit(.minutes(2)))
    struct DropFolderTests {
        func temporaryFolder() throws -> URL {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("hx-drop"))
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }

        /// Writes as a sender should: a `.part` file, renamed when complete.
        func drop(_ bytes: [UInt8], as name: String, into incoming: URL) throws {
            let part = incoming.appendingPathComponent(name + ".part")
            try Data(bytes).write(to: part)
            try FileManager.default.moveItem(at: part, to: incoming.appendingPathComponent(name))
        }

        func waitFor(_ condition: () -> Bool, timeout: Duration = .seconds(30)) async throws -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if condition() { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return condition()
        }

        @Test("Good file → done/ after its messages are on the topic; bad file → rejected/ with errors file and dead letter")
        func goodAndBadFiles() async throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let incoming = folder.appendingPathComponent("incoming"), done = folder.appendingPathComponent("done"),
                rejected = folder.appendingPathComponent("rejected")
            try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
            let numbers = testNHSNumbers(2, from: 700)
            let good = adtA03(controlID: "FILE-000001", nhsNumber: numbers[0]) + adtA03(controlID: "FILE-000002", nhsNumber: numbers[1])
            let bad = adtA03(controlID: "FILE-000003", nhsNumber: invalidNHSNumber())
            let manager = FileManager.default
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                try await withAdapter(broker, configuration: testConfiguration(name: "test-folder", source: .folder(path: folder.path))) { _ in
                    try drop(good, as: "good.hl7", into: incoming)
                    try drop(bad, as: "bad.hl7", into: incoming)
                    // Still being written: must be left alone.
                    try Data("MSH|half".utf8).write(to: incoming.appendingPathComponent("later.hl7.part"))
                    let moved = try await waitFor {
                        manager.fileExists(atPath: done.appendingPathComponent("good.hl7").path)
                            && manager.fileExists(atPath: rejected.appendingPathComponent("bad.hl7").path)
                    }
                    #expect(moved)
                }
                #expect(manager.fileExists(atPath: incoming.appendingPathComponent("later.hl7.part").path))
                #expect(!manager.fileExists(atPath: incoming.appendingPathComponent("good.hl7").path))

                let errors = try String(contentsOf: rejected.appendingPathComponent("bad.hl7.errors.jsonl"), encoding: .utf8)
                let lines = errors.split(separator: "\n")
                #expect(lines.count == 1)
                #expect(lines.first?.contains(#""code":"nhs-number-invalid""#) == true)
                #expect(lines.first?.contains(#""location":"PID-3.1""#) == true)
                #expect(!errors.contains(invalidNHSNumber()))

                let canonical = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 2)
                let ids = try Set(canonical.map { try CanonicalJSON.decode(Data($0.value)).source.messageId })
                #expect(ids == ["FILE-000001", "FILE-000002"])
                #expect(Set(canonical.compactMap(\.keyString)) == Set(numbers))

                let letters = try await readTopic(broker, HXTopic.deadLetter, partitions: 1, atLeast: 1)
                #expect(letters.count == 1)
                #expect(letters.first?.value == bad)
                #expect(letters.first.flatMap { header($0, HXHeader.reasonCode) } == "nhs-number-invalid")
                #expect(letters.first.flatMap { header($0, HXHeader.location) } == "PID-3.1")
                #expect(letters.first.flatMap { header($0, HXHeader.adapter) } == "test-folder")
            }
        }

        @Test("A failed move (full disk) leaves the file in incoming/; later scans retry the move, not the sending, and count each failure")
        func failedMoveIsRetried() async throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let incoming = folder.appendingPathComponent("incoming")
            try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
            let number = testNHSNumbers(1, from: 900)[0]
            try drop(adtA03(controlID: "DISK-000001", nhsNumber: number), as: "one.hl7", into: incoming)
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let configuration = testConfiguration(name: "test-folder", source: .folder(path: folder.path))
                var producerConfiguration = KafkaProducerConfiguration(client: clientConfiguration(broker))
                producerConfiguration.messageTimeout = .seconds(10)
                let settings = producerConfiguration
                let producer = try AdapterProducer { try KafkaProducer(configuration: settings) }
                let registry = PrometheusCollectorRegistry()
                let telemetry = AdapterTelemetry(adapter: configuration.name, factory: PrometheusMetricsFactory(registry: registry))
                let intake = AdapterIntake(publisher: AdapterPublisher(configuration: configuration, producer: producer, telemetry: telemetry), telemetry: telemetry)
                let failures = Atomic<Int>(3)
                let source = DropFolderSource(folder: folder, intake: intake, logger: quietLogger) { from, to in
                    if failures.subtract(1, ordering: .relaxed).oldValue > 0 { throw DropFolderSource.MoveError(errno: ENOSPC) }
                    try DropFolderSource.rename(from, to)
                }
                try source.createFolders()
                for _ in 0..<3 {
                    #expect(await source.scanOnce() == .init(done: 0, rejected: 0, retryLater: 1))
                    #expect(FileManager.default.fileExists(atPath: incoming.appendingPathComponent("one.hl7").path))
                }
                #expect(await source.scanOnce() == .init(done: 1, rejected: 0, retryLater: 0))
                #expect(FileManager.default.fileExists(atPath: source.done.appendingPathComponent("one.hl7").path))
                await producer.close()

                // Sent once: Kafka had confirmed it, so the retries only moved it (they used to send it
                // again on every scan, for as long as the disk stayed full).
                let records = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 2, timeout: .seconds(3))
                #expect(records.count == 1)
                var metrics: [UInt8] = []
                registry.emit(into: &metrics)
                #expect(String(decoding: metrics, as: UTF8.self).contains(#"hx_adapter_file_errors_total{adapter="test-folder"} 3"#))
            }
        }
    }
}
