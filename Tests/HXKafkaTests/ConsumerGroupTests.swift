import HXKafka
import HXKafkaTestSupport
import Synchronization
import Testing

@Suite("Consumer groups on a real broker")
struct ConsumerGroupTests {
    /// What one member processed, and which of those it committed successfully.
    final class Ledger: Sendable {
        let processed = Mutex<[String]>([])
        let committed = Mutex<Set<String>>([])
        let stop = Atomic<Bool>(false)
    }

    static func id(_ message: KafkaMessage) -> String { "\(message.partition)@\(message.offset)" }

    /// Polls, "processes" (records), and commits after every batch, until told to stop.
    static func member(_ consumer: KafkaConsumer, ledger: Ledger) async throws {
        while !ledger.stop.load(ordering: .relaxed) {
            let batch = try await consumer.poll()
            if batch.isEmpty { continue }
            ledger.processed.withLock { $0 += batch.map(id) }
            do {
                try await consumer.commit(after: batch)
                ledger.committed.withLock { $0.formUnion(batch.map(id)) }
            } catch {
                // A commit refused mid-rebalance: these records may be read again by the
                // next owner (at-least-once); the test only holds committed ones to exactly-once.
            }
        }
    }

    @Test("two members share the partitions, and one takes over when the other leaves, losing nothing and repeating nothing committed")
    func shareAndTakeOver() async throws {
        try await withBroker { broker in
            let topic = try await createTopic(broker, partitions: 4)
            let group = uniqueName("group")
            let producer = try KafkaProducer(configuration: producerConfiguration(broker))
            let total = 6000, third = total / 3
            let first = (0..<third).map { KafkaOutgoingMessage(topic: topic, key: "k\($0 % 97)", value: "m\($0)") }
            #expect(try await producer.send(batch: first).allSatisfy { $0.succeeded })

            let a = try KafkaConsumer(configuration: consumerConfiguration(broker, group: group))
            let b = try KafkaConsumer(configuration: consumerConfiguration(broker, group: group))
            try a.subscribe([topic])
            let ledgerA = Ledger(), ledgerB = Ledger()

            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await Self.member(a, ledger: ledgerA) }
                // Let A take everything first, then B joins and the group rebalances.
                try await Task.sleep(for: .seconds(2))
                try b.subscribe([topic])
                tasks.addTask { try await Self.member(b, ledger: ledgerB) }

                // Wait until both own partitions: the group really is shared.
                let shareDeadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < shareDeadline {
                    if try !a.assignment().isEmpty && !b.assignment().isEmpty { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let sharedA = try a.assignment(), sharedB = try b.assignment()
                #expect(!sharedA.isEmpty && !sharedB.isEmpty)
                #expect(Set(sharedA).isDisjoint(with: sharedB))
                #expect(sharedA.count + sharedB.count == 4)

                // More traffic while shared, then A leaves; B must take over A's partitions
                // and read what arrives on them afterwards.
                let second = (third..<2 * third).map { KafkaOutgoingMessage(topic: topic, key: "k\($0 % 97)", value: "m\($0)") }
                #expect(try await producer.send(batch: second).allSatisfy { $0.succeeded })
                try await Task.sleep(for: .seconds(1))
                ledgerA.stop.store(true, ordering: .relaxed)
                try await tasks.next()
                await a.close()
                let last = (2 * third..<total).map { KafkaOutgoingMessage(topic: topic, key: "k\($0 % 97)", value: "m\($0)") }
                #expect(try await producer.send(batch: last).allSatisfy { $0.succeeded })
                let takeOverDeadline = ContinuousClock.now + .seconds(30)
                while try b.assignment().count < 4 && ContinuousClock.now < takeOverDeadline {
                    try await Task.sleep(for: .milliseconds(100))
                }

                let doneDeadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < doneDeadline {
                    let seen = Set(ledgerA.processed.withLock { $0 } + ledgerB.processed.withLock { $0 })
                    if seen.count >= total { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(try b.assignment().count == 4)
                ledgerB.stop.store(true, ordering: .relaxed)
                try await tasks.waitForAll()
            }
            await b.close()
            await producer.close()

            let processedA = ledgerA.processed.withLock { $0 }, processedB = ledgerB.processed.withLock { $0 }
            let all = Set(processedA + processedB)
            #expect(all.count == total, "every message processed at least once")
            // Exactly once after committed offsets: nothing a member committed was processed again by anyone.
            let committedA = ledgerA.committed.withLock { $0 }, committedB = ledgerB.committed.withLock { $0 }
            #expect(committedA.isDisjoint(with: processedB))
            #expect(committedB.isDisjoint(with: processedA))
            #expect(Set(processedA).count == processedA.count && Set(processedB).count == processedB.count)
        }
    }
}
