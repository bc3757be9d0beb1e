import CRdKafka
import Synchronization

/// Matches librdkafka's delivery reports to the `send` calls waiting for them.
///
/// Each call to `send` opens a batch; every message carries
/// `batch << 24 | index` as its librdkafka opaque, so a report finds its place
/// without allocating anything per message.
final class DeliveryTracker: Sendable {
    static let indexBits: UInt64 = 24
    static let maxBatch = 1 << 24 - 1

    struct Outcome: Sendable {
        var partitions: [Int32]
        var offsets: [Int64]
        var errors: [Int: KafkaError]
    }

    private struct Batch {
        var outcome: Outcome
        var settled: [Bool]
        var remaining: Int
        var continuation: CheckedContinuation<Outcome, Never>?
    }

    private struct State {
        var nextID: UInt64 = 1
        var batches: [UInt64: Batch] = [:]
    }

    private let state = Mutex(State())

    func open(count: Int) -> UInt64 {
        precondition(count <= Self.maxBatch, "a batch holds at most \(Self.maxBatch) messages")
        return state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.batches[id] = Batch(
                outcome: Outcome(partitions: Array(repeating: -1, count: count), offsets: Array(repeating: -1, count: count), errors: [:]),
                settled: Array(repeating: false, count: count), remaining: count, continuation: nil)
            return id
        }
    }

    static func opaque(batch: UInt64, index: Int) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: UInt(batch << indexBits | UInt64(index)))
    }

    static func decode(_ opaque: UnsafeMutableRawPointer?) -> (batch: UInt64, index: Int)? {
        guard let opaque else { return nil }
        let bits = UInt64(UInt(bitPattern: opaque))
        return (bits >> indexBits, Int(bits & (1 << indexBits - 1)))
    }

    /// One record's fate, as its delivery report told it. Kept small (the
    /// librdkafka error code, not a `KafkaError`): a report event carries
    /// thousands of these.
    struct Settlement {
        var batch: UInt64
        var index: Int
        var partition: Int32
        var offset: Int64
        var error: Int32
    }

    /// Records one message's fate; resumes the waiter when it was the last.
    func settle(batch id: UInt64, index: Int, partition: Int32, offset: Int64, error: KafkaError?) {
        settle([Settlement(batch: id, index: index, partition: partition, offset: offset, error: 0)], errors: error.map { [0: $0] } ?? [:])
    }

    /// Records many fates under one lock (a delivery report event carries a batch);
    /// resumes, after unlocking, every waiter whose batch is now complete.
    /// `errors`, by position in `settlements`, overrides the error made from the code.
    func settle(_ settlements: [Settlement], errors: [Int: KafkaError] = [:]) {
        let ready: [(CheckedContinuation<Outcome, Never>, Outcome)] = state.withLock { state in
            var ready: [(CheckedContinuation<Outcome, Never>, Outcome)] = []
            var current: (batch: UInt64, slot: Dictionary<UInt64, Batch>.Index)?
            for (position, s) in settlements.enumerated() {
                // Reports come in runs from one batch: look the batch up once per run.
                if current?.batch != s.batch {
                    guard let slot = state.batches.index(forKey: s.batch) else { current = nil; continue }
                    current = (s.batch, slot)
                }
                guard let slot = current?.slot, !state.batches.values[slot].settled[s.index] else { continue }
                // Mutate in place through the values view: copying a batch out would copy its arrays per report.
                state.batches.values[slot].settled[s.index] = true
                state.batches.values[slot].outcome.partitions[s.index] = s.partition
                state.batches.values[slot].outcome.offsets[s.index] = s.offset
                if let error = errors[position] {
                    state.batches.values[slot].outcome.errors[s.index] = error
                } else if s.error != 0 {
                    state.batches.values[slot].outcome.errors[s.index] = KafkaError(rdkafka: rd_kafka_resp_err_t(rawValue: s.error), context: "delivery")
                }
                state.batches.values[slot].remaining -= 1
                if state.batches.values[slot].remaining == 0, let continuation = state.batches.values[slot].continuation {
                    ready.append((continuation, state.batches.values[slot].outcome))
                    state.batches.remove(at: slot)
                    current = nil  // removing invalidates dictionary indices
                }
            }
            return ready
        }
        for (continuation, outcome) in ready { continuation.resume(returning: outcome) }
    }

    /// Waits until every message of the batch has a report.
    func wait(batch id: UInt64) async -> Outcome {
        await withCheckedContinuation { continuation in
            let ready: Outcome? = state.withLock { state in
                guard var batch = state.batches[id] else { return Outcome(partitions: [], offsets: [], errors: [:]) }
                if batch.remaining == 0 {
                    state.batches[id] = nil
                    return batch.outcome
                }
                batch.continuation = continuation
                state.batches[id] = batch
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Fails every message still waiting (the client is closing without them).
    func failAll(_ error: KafkaError) {
        let waiting: [(CheckedContinuation<Outcome, Never>, Outcome)] = state.withLock { state in
            var result: [(CheckedContinuation<Outcome, Never>, Outcome)] = []
            for (id, var batch) in state.batches {
                for index in batch.outcome.partitions.indices where !batch.settled[index] {
                    batch.settled[index] = true
                    batch.outcome.errors[index] = error
                }
                batch.remaining = 0
                if let continuation = batch.continuation {
                    result.append((continuation, batch.outcome))
                    state.batches[id] = nil
                } else {
                    state.batches[id] = batch
                }
            }
            return result
        }
        for (continuation, outcome) in waiting { continuation.resume(returning: outcome) }
    }

    var pendingBatches: Int { state.withLock { $0.batches.count } }
}
