// The Swift side of `make bench`: the same measurements as c/rdkafka_bench.c,
// through HXKafka, with the client's defaults (idempotent, acks=all, linger 5 ms).
//
//   kafka-bench produce      BROKERS TOPIC COUNT SIZE
//   kafka-bench consume      BROKERS TOPIC COUNT GROUP
//   kafka-bench passthrough  BROKERS FROM TO COUNT GROUP          consume, produce, commit per batch
//   kafka-bench passthrough-txn BROKERS FROM TO COUNT GROUP       the same inside one transaction per batch
import Foundation
import HXKafka
import Logging

@main
struct KafkaBench {
    static func main() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let args = CommandLine.arguments
        guard args.count >= 6 else {
            FileHandle.standardError.write(Data("usage: kafka-bench produce|consume|passthrough|passthrough-txn BROKERS ...\n".utf8))
            exit(2)
        }
        let client = KafkaClientConfiguration(bootstrapServers: [args[2]])
        switch args[1] {
        case "produce": try await produce(client, topic: args[3], count: Int(args[4])!, size: Int(args[5])!)
        case "consume": try await consume(client, topic: args[3], count: Int(args[4])!, group: args[5])
        case "passthrough": try await passthrough(client, from: args[3], to: args[4], count: Int(args[5])!, group: args[6], transactional: false)
        case "passthrough-txn": try await passthrough(client, from: args[3], to: args[4], count: Int(args[5])!, group: args[6], transactional: true)
        default: exit(2)
        }
    }

    static func report(_ mode: String, count: Int, seconds: Double, bytes: Int) {
        print(String(format: "%@ %d msgs %.3f s %.0f msg/s %.2f MB/s", mode, count, seconds, Double(count) / seconds, Double(bytes) / seconds / 1e6))
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Several batches in flight at once, as a busy adapter or router has.
    static func produce(_ client: KafkaClientConfiguration, topic: String, count: Int, size: Int) async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client))
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        // As the C program: keys k0…k999 (built once here; C formats them into a stack buffer).
        let keys = (0..<1000).map { Array("k\($0)".utf8) }
        let batchSize = Int(ProcessInfo.processInfo.environment["BENCH_BATCH"] ?? "") ?? 20000
        let inFlight = Int(ProcessInfo.processInfo.environment["BENCH_INFLIGHT"] ?? "") ?? 4
        let start = ContinuousClock.now
        var failed = 0
        try await withThrowingTaskGroup(of: Int.self) { group in
            var next = 0, running = 0
            while next < count || running > 0 {
                while running < inFlight && next < count {
                    let range = next..<min(next + batchSize, count)
                    next = range.upperBound
                    running += 1
                    group.addTask {
                        let batch = range.map { KafkaOutgoingMessage(topic: topic, key: keys[$0 % 1000], value: payload) }
                        return try await producer.send(batch: batch).failures.count
                    }
                }
                failed += try await group.next() ?? 0
                running -= 1
            }
        }
        let elapsed = seconds(since: start)
        if failed > 0 { FileHandle.standardError.write(Data("\(failed) deliveries failed\n".utf8)) }
        report("swift-produce", count: count, seconds: elapsed, bytes: count * size)
        await producer.close()
    }

    /// As c/rdkafka_bench.c: the development broker answers JoinGroup after about
    /// half the session timeout, so both use Kafka's minimum, 6 s.
    static func consumerConfiguration(_ client: KafkaClientConfiguration, group: String) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(client: client, groupID: group)
        configuration.sessionTimeout = .seconds(6)
        return configuration
    }

    static func consume(_ client: KafkaClientConfiguration, topic: String, count: Int, group: String) async throws {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(client, group: group))
        try consumer.subscribe([topic])
        var received = 0, bytes = 0, polls = 0
        var start: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + .seconds(120)
        while received < count && ContinuousClock.now < deadline {
            let batch = try await consumer.poll()
            if start != nil { polls += 1 }
            if start == nil && !batch.isEmpty { start = .now }
            received += batch.count
            for message in batch { bytes += message.valueCount }
        }
        report("swift-consume", count: received, seconds: seconds(since: start ?? .now), bytes: bytes)
        FileHandle.standardError.write(Data("swift-consume: \(polls) polls after the first record\n".utf8))
        await consumer.close()
    }

    static func passthrough(_ client: KafkaClientConfiguration, from: String, to: String, count: Int, group: String, transactional: Bool) async throws {
        var producerConfiguration = KafkaProducerConfiguration(client: client)
        if transactional { producerConfiguration.transactionalID = "bench-\(group)" }
        let producer = try KafkaProducer(configuration: producerConfiguration)
        if transactional { try await producer.initTransactions() }
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(client, group: group))
        try consumer.subscribe([from])
        var moved = 0, bytes = 0
        var start: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + .seconds(180)
        while moved < count && ContinuousClock.now < deadline {
            let batch = try await consumer.poll()
            if batch.isEmpty { continue }
            if start == nil { start = .now }
            let outgoing = batch.map { KafkaOutgoingMessage(topic: to, key: $0.key, value: $0.value, headers: $0.headers) }
            let positions = KafkaTopicPartitionOffset.positions(after: batch)
            if transactional {
                try await producer.inTransaction {
                    let reports = try await producer.send(batch: outgoing)
                    if let error = reports.failures.first?.error { throw error }
                    try await producer.sendOffsetsToTransaction(positions, consumer: consumer)
                }
            } else {
                let reports = try await producer.send(batch: outgoing)
                if let error = reports.failures.first?.error { throw error }
                try await consumer.commit(positions)
            }
            moved += batch.count
            bytes += batch.reduce(0) { $0 + $1.value.count }
        }
        report(transactional ? "swift-passthrough-txn" : "swift-passthrough", count: moved, seconds: seconds(since: start ?? .now), bytes: bytes)
        await consumer.close()
        await producer.close()
    }
}
