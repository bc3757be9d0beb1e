import Foundation
import HXAdapterRecords
import HXCanonical
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXNetworkTestSupport
import Prometheus
import ServiceLifecycle
import Testing
@testable import HXAdapterRuntime

extension BrokerTests {
    @Suite("MLLP adapter against a real broker", .serialized, .timeLimit(.minutes(3)))
    struct MLLPTests {
        @Test("1,000 ADT^A03 over MLLP: 1,000 AA with the right control ids, 1,000 canonical messages keyed by NHS number")
        func endToEnd() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let count = 1000, connections = 4
                let numbers = testNHSNumbers(count)
                let messages = (0..<count).map { i in
                    (controlID: String(format: "E2E-%06d", i), bytes: adtA03(controlID: String(format: "E2E-%06d", i), nhsNumber: numbers[i]))
                }
                let expectedNHS = Dictionary(uniqueKeysWithValues: (0..<count).map { (messages[$0].controlID, numbers[$0]) })
                let tally = Tally()
                let started = ContinuousClock.now
                let acks = try await withAdapter(broker) { adapter in
                    let client = MLLPTestClient(port: adapter.mllpPort)
                    return try await withThrowingTaskGroup(of: [String: Ack].self) { group in
                        for c in 0..<connections {
                            let share = Array(messages[(c * count / connections)..<((c + 1) * count / connections)])
                            group.addTask { try await client.deliver(share, timeout: .seconds(20), until: .now + .seconds(90), tally: tally) }
                        }
                        return try await group.reduce(into: [:]) { $0.merge($1) { a, _ in a } }
                    }
                }
                let elapsed = ContinuousClock.now - started
                print("MLLP end to end: \(count) messages over \(connections) connections acknowledged in \(elapsed) (\(Int(Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))) msg/s)")

                #expect(acks.count == count)
                #expect(acks.values.allSatisfy { $0.code == "AA" })
                #expect(Set(acks.keys) == Set(expectedNHS.keys))
                #expect(tally["mismatch"] == 0)

                let records = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: count)
                #expect(records.count == count)
                var seen = Set<String>()
                for record in records {
                    let message = try CanonicalJSON.decode(Data(record.value))
                    let controlID = message.source.messageId
                    seen.insert(controlID)
                    #expect(record.keyString == expectedNHS[controlID])
                    #expect(header(record, HXHeader.messageID) == message.id.uuidString.lowercased())
                    #expect(header(record, HXHeader.messageType) == "discharge-summary")
                    #expect(header(record, HXHeader.schema) == "hx.canonical/1")
                    #expect(header(record, HXHeader.sourceOrganisation) == "RWW")
                    #expect(header(record, HXHeader.adapter) == "test-mllp")
                }
                #expect(seen == Set(expectedNHS.keys))
            }
        }

        @Test("Broker paused mid-stream: nothing ACKed that Kafka lacks, resends fill the gap, duplicates share ids")
        func brokerOutage() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let count = 400, connections = 4
                let numbers = testNHSNumbers(count, from: 5000)
                let messages = (0..<count).map { i in
                    (controlID: String(format: "OUT-%06d", i), bytes: adtA03(controlID: String(format: "OUT-%06d", i), nhsNumber: numbers[i]))
                }
                let tally = Tally()
                // A short message timeout makes a paused broker show as failed deliveries (AR) quickly.
                let acks = try await withAdapter(broker, settings: testSettings(messageTimeout: .seconds(5))) { adapter in
                    let client = MLLPTestClient(port: adapter.mllpPort)
                    let end = ContinuousClock.now + .seconds(100)
                    return try await withThrowingTaskGroup(of: [String: Ack].self) { group in
                        group.addTask {
                            // Let traffic flow, then take the broker away for longer than the message timeout.
                            try await Task.sleep(for: .milliseconds(800))
                            broker.pause()
                            try await Task.sleep(for: .seconds(8))
                            broker.resume()
                            return [:]
                        }
                        for c in 0..<connections {
                            let share = Array(messages[(c * count / connections)..<((c + 1) * count / connections)])
                            group.addTask {
                                // Slow enough that sending is still going on when the broker stops.
                                var acks: [String: Ack] = [:]
                                for chunk in stride(from: 0, to: share.count, by: 10) {
                                    acks.merge(try await client.deliver(Array(share[chunk..<min(chunk + 10, share.count)]), timeout: .seconds(12), until: end, tally: tally)) { a, _ in a }
                                    try await Task.sleep(for: .milliseconds(40))
                                }
                                return acks
                            }
                        }
                        return try await group.reduce(into: [:]) { $0.merge($1) { a, _ in a } }
                    }
                }
                print("broker outage: AR answers \(tally["AR"]), missing answers \(tally["timeout"]), final answers \(acks.count)")
                #expect(tally["AR"] + tally["timeout"] > 0, "the pause must have made some sends fail")
                #expect(acks.count == count)
                #expect(acks.values.allSatisfy { $0.code == "AA" })

                let records = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: count + 1000, timeout: .seconds(15))
                var byControlID: [String: Set<String>] = [:]
                var valuesByID: [String: Set<[UInt8]>] = [:]
                for record in records {
                    let message = try CanonicalJSON.decode(Data(record.value))
                    let id = header(record, HXHeader.messageID) ?? ""
                    byControlID[message.source.messageId, default: []].insert(id)
                    valuesByID[id, default: []].insert(record.value)
                }
                print("broker outage: \(records.count) records for \(byControlID.count) messages (\(records.count - byControlID.count) duplicates)")
                // Every ACKed message is on the topic ...
                #expect(Set(acks.filter { $0.value.code == "AA" }.keys).isSubset(of: Set(byControlID.keys)))
                #expect(byControlID.count == count)
                // ... and a duplicate is the same record again: one id, one value, per message.
                #expect(byControlID.values.allSatisfy { $0.count == 1 })
                #expect(valuesByID.values.allSatisfy { $0.count == 1 })
            }
        }

        @Test("Graceful shutdown does not wait for an idle sender: its connection is closed once nothing is in hand")
        func shutdownWithIdleConnection() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let number = testNHSNumbers(1, from: 4242)[0]
                let (idle, stopping) = try await withAdapter(broker) { adapter in
                    let client = MLLPTestClient(port: adapter.mllpPort)
                    let acks = try await client.deliver([("IDLE-1", adtA03(controlID: "IDLE-1", nhsNumber: number))], timeout: .seconds(20), until: .now + .seconds(30), tally: Tally())
                    #expect(acks["IDLE-1"]?.code == "AA")
                    // A sender that stays connected, as MLLP senders do between messages.
                    let idle = try await client.connect()
                    return (idle, ContinuousClock.now)
                }
                let shutdown = ContinuousClock.now - stopping
                print("graceful shutdown with an idle MLLP connection took \(shutdown)")
                #expect(shutdown < .seconds(5))
                // The adapter closed its side, so the sender sees the connection end.
                let unanswered = try await idle.executeThenClose { inbound, _ in
                    var count = 0
                    for try await _ in inbound { count += 1 }
                    return count
                }
                #expect(unanswered == 0)
            }
        }

        @Test("Graceful shutdown with a message in flight: it is still answered, AA once Kafka has it")
        func shutdownWithMessageInFlight() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let number = testNHSNumbers(1, from: 4343)[0]
                let registry = PrometheusCollectorRegistry()
                let service = try await AdapterCommandRunner.makeService(
                    configuration: testConfiguration(), adapterDirectory: URL(fileURLWithPath: NSTemporaryDirectory()),
                    bootstrapServers: broker.bootstrapServers, metricsPort: nil, registry: registry,
                    settings: testSettings(messageTimeout: .seconds(20)), logger: quietLogger)
                let group = ServiceGroup(services: [service], logger: quietLogger)
                let port = (service.source as! MLLPListener).port
                let ack = try await withThrowingTaskGroup(of: Ack?.self) { tasks in
                    tasks.addTask {
                        try await group.run()
                        return nil
                    }
                    // The broker stops answering, the message goes in, shutdown is asked for,
                    // then the broker comes back: the message must still be confirmed and answered.
                    broker.pause()
                    tasks.addTask {
                        try await MLLPTestClient(port: port).deliver([("FLIGHT-1", adtA03(controlID: "FLIGHT-1", nhsNumber: number))],
                                                                     timeout: .seconds(30), until: .now + .seconds(30), tally: Tally())["FLIGHT-1"]
                    }
                    try await Task.sleep(for: .milliseconds(500))
                    await group.triggerGracefulShutdown()
                    try await Task.sleep(for: .seconds(1))
                    broker.resume()
                    var ack: Ack?
                    while let result = try await tasks.next() { if let result { ack = result } }
                    return ack
                }
                #expect(ack?.code == "AA")
                let records = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 1)
                #expect(records.count == 1)
            }
        }

        @Test("Bad NHS number over MLLP: NAK AE with code and place only, dead letter with the original bytes")
        func rejectedOverMLLP() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let bad = invalidNHSNumber()
                let input = adtA03(controlID: "BAD-000001", nhsNumber: bad, family: "SECRETNAME")
                let tally = Tally()
                let acks = try await withAdapter(broker) { adapter in
                    try await MLLPTestClient(port: adapter.mllpPort).deliver([("BAD-000001", input)], timeout: .seconds(20), until: .now + .seconds(40), tally: tally)
                }
                let ack = try #require(acks["BAD-000001"])
                #expect(ack.code == "AE")
                #expect(ack.text?.contains("nhs-number-invalid") == true)
                #expect(!ack.raw.contains(bad))
                #expect(!ack.raw.contains("SECRETNAME"))
                #expect(ack.raw.contains("ERR|"))

                let letters = try await readTopic(broker, HXTopic.deadLetter, partitions: 1, atLeast: 1)
                let letter = try #require(letters.first)
                #expect(letters.count == 1)
                #expect(letter.value == input)
                #expect(header(letter, HXHeader.stage) == "translate")
                #expect(header(letter, HXHeader.reasonCode) == "nhs-number-invalid")
                #expect(header(letter, HXHeader.adapter) == "test-mllp")
                #expect(header(letter, HXHeader.location) == "PID-3.1")
                #expect(header(letter, HXHeader.messageID) == letter.keyString)
                let errorText = try #require(header(letter, HXHeader.error))
                #expect(!errorText.contains(bad))
                // The same input again gives the same dead letter id (deterministic).
                let (records, _) = AdapterRecords.make(configuration: testConfiguration(), input: input,
                                                       outcomes: [.failure(.init(code: "nhs-number-invalid", message: "", location: "PID-3.1"))],
                                                       sourceMessageID: "BAD-000001")
                #expect(records[0].key == letter.key)
                let canonical = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 1, timeout: .seconds(2))
                #expect(canonical.isEmpty)
            }
        }
    }
}
