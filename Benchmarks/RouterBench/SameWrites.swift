import HXAudit
import HXCanonical
import HXKafka
import HXPlace
import HXPolicy
import HXRouter
import HXTopics
import HXWorkload

/// A second baseline for the router: the broker's share of its work. The
/// plain passthrough writes one record per input; the router writes several
/// (a delivery per recipient allowed, review and dead letters, an audit record
/// per decision), so their ratio mixes the router's own cost with Kafka's cost
/// of writing more. This consumes the same inputs and writes, batch by batch,
/// exactly the records the router writes for them (computed beforehand by
/// `RouterStep`, so no decision is timed), in the router's order and in one
/// transaction per batch with the consumed offsets, to copies of the router's
/// output topics (`bench.mirror.<topic>`, same partitions).
struct SameWrites {
    static func mirror(_ topic: String) -> String { "bench.mirror." + topic }

    /// The router's writes for each input, by `topic:partition:offset`.
    private var writes: [String: RouterWrites] = [:]
    private(set) var recordsPerInput = 0.0
    private(set) var bytesPerInput = 0.0

    init(_ inputs: [RouterInput], place: PlaceConfiguration, workload: SyntheticHalton) {
        let context = DecisionsOnly.context(place, workload)
        var chains = DecisionsOnly.FreshChains()
        var records = 0, bytes = 0
        for input in inputs {
            var out = RouterWrites()
            chains.route(input, context: context, into: &out)
            out.outputs = out.outputs.map(Self.mirrored)
            out.audit = out.audit.map(Self.mirrored)
            for m in out.outputs + out.audit { records += 1; bytes += m.value.count }
            writes["\(input.topic):\(input.partition):\(input.offset)"] = out
        }
        recordsPerInput = Double(records) / Double(max(1, inputs.count))
        bytesPerInput = Double(bytes) / Double(max(1, inputs.count))
    }

    static func mirrored(_ m: KafkaOutgoingMessage) -> KafkaOutgoingMessage {
        var copy = m
        copy.topic = mirror(m.topic)
        return copy
    }

    /// Inputs per second, timed like the router's: from the first committed batch to the last.
    func run(_ client: KafkaClientConfiguration, group: String, from start: [KafkaTopicPartition: Int64], batchSize: Int) async throws -> (rate: Double, recordsPerInput: Double, bytesPerInput: Double) {
        var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupID: group)
        consumerConfiguration.sessionTimeout = .seconds(6)
        consumerConfiguration.maxBatchSize = batchSize
        let seeder = try KafkaConsumer(configuration: consumerConfiguration)
        try await seeder.commit(start.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) })
        await seeder.close()

        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.transactionalID = group
        producerConfiguration.linger = .milliseconds(1)
        let producer = try KafkaProducer(configuration: producerConfiguration)
        try await producer.initTransactions()
        let consumer = try KafkaConsumer(configuration: consumerConfiguration)
        try consumer.subscribe(HXTopic.canonicalTopics)

        var moved = 0
        var first: (at: ContinuousClock.Instant, moved: Int)?
        let deadline = ContinuousClock.now + .seconds(600)
        while moved < writes.count && ContinuousClock.now < deadline {
            let batch = try await consumer.poll()
            if batch.isEmpty { continue }
            var out = RouterWrites()
            for m in batch {
                guard let w = writes["\(m.topic):\(m.partition):\(m.offset)"] else {
                    throw KafkaError(code: .broker, message: "same writes read \(m.topic)[\(m.partition)]@\(m.offset), not one of this round's inputs")
                }
                out.merge(w)
            }
            let positions = KafkaTopicPartitionOffset.positions(after: batch)
            try producer.beginTransaction()
            if let e = try await producer.send(batch: out.outputs).failures.first?.error { throw e }
            if let e = try await producer.send(batch: out.audit).failures.first?.error { throw e }
            try await producer.sendOffsetsToTransaction(positions, consumer: consumer)
            try await producer.commitTransaction()
            try await consumer.commit(positions)
            moved += batch.count
            if first == nil { first = (.now, moved) }
        }
        let end = ContinuousClock.now
        await consumer.close()
        await producer.close()
        guard moved >= writes.count, let first else { throw KafkaError(code: .timedOut, message: "same writes moved \(moved) of \(writes.count)") }
        return (Double(moved - first.moved) / seconds(end - first.at), recordsPerInput, bytesPerInput)
    }
}
