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

    /// A batch waiting for reports. A class, touched only under the tracker's
    /// lock, so that its arrays are updated in place: as a struct in the
    /// dictionary every report copied it (measured with perf).
    private final class Pending {
        var outcome: Outcome
        var settled: [Bool]
        var remaining: Int
        var continuation: CheckedContinuation<Outcome, Never>?

        init(count: Int) {
            outcome = Outcome(partitions: Array(repeating: -1, count: count), offsets: Array(repeating: -1, count: count), errors: [:])
            settled = Array(repeating: false, count: count)
            remaining = count
        }

        /// Records one fate; false when the record was settled already.
        func settle(_ index: Int, partition: Int32, offset: Int64, error: KafkaError?) -> Bool {
            guard !settled[index] else { return false }
            settled[index] = true
            outcome.partitions[index] = partition
            outcome.offsets[index] = offset
            if let error { outcome.errors[index] = error }
            remaining -= 1
            return true
        }
    }

    private struct State: ~Copyable {
        var nextID: UInt64 = 1
        var batches: [UInt64: Pending] = [:]
    }

    private let state = Mutex(State())

    func open(count: Int) -> UInt64 {
        precondition(count <= Self.maxBatch, "a batch holds at most \(Self.maxBatch) messages")
        return state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.batches[id] = Pending(count: count)
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

    /// Records one message's fate; resumes the waiter when it was the last.
    func settle(batch id: UInt64, index: Int, partition: Int32, offset: Int64, error: KafkaError?) {
        let ready: (CheckedContinuation<Outcome, Never>, Outcome)? = state.withLock { state in
            guard let pending = state.batches[id], pending.settle(index, partition: partition, offset: offset, error: error) else { return nil }
            return Self.completeIfDone(pending, id: id, in: &state)
        }
        if let (continuation, outcome) = ready { continuation.resume(returning: outcome) }
    }

    /// Records many fates under one lock (a delivery report event carries a batch);
    /// resumes, after unlocking, every waiter whose batch is now complete.
    func settle(_ settlements: [Settlement]) {
        let ready: [(CheckedContinuation<Outcome, Never>, Outcome)] = state.withLock { state in
            var ready: [(CheckedContinuation<Outcome, Never>, Outcome)] = []
            var current: (id: UInt64, pending: Pending)?
            for s in settlements {
                // Reports come in runs from one batch: look the batch up once per run.
                if current?.id != s.batch {
                    guard let pending = state.batches[s.batch] else { current = nil; continue }
                    current = (s.batch, pending)
                }
                guard let pending = current?.pending else { continue }
                let error = s.error == 0 ? nil : KafkaError(rdkafka: rd_kafka_resp_err_t(rawValue: s.error), context: "delivery")
                guard pending.settle(s.index, partition: s.partition, offset: s.offset, error: error) else { continue }
                if let done = Self.completeIfDone(pending, id: s.batch, in: &state) {
                    ready.append(done)
                    current = nil
                }
            }
            return ready
        }
        for (continuation, outcome) in ready { continuation.resume(returning: outcome) }
    }

    /// When every record of a batch is settled and its sender waits: removes it
    /// and returns what to resume (outside the lock).
    private static func completeIfDone(_ pending: Pending, id: UInt64, in state: inout State) -> (CheckedContinuation<Outcome, Never>, Outcome)? {
        guard pending.remaining == 0, let continuation = pending.continuation else { return nil }
        state.batches[id] = nil
        return (continuation, pending.outcome)
    }

    /// Waits until every message of the batch has a report.
    func wait(batch id: UInt64) async -> Outcome {
        await withCheckedContinuation { continuation in
            let ready: Outcome? = state.withLock { state in
                guard let pending = state.batches[id] else { return Outcome(partitions: [], offsets: [], errors: [:]) }
                if pending.remaining == 0 {
                    state.batches[id] = nil
                    return pending.outcome
                }
                pending.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Fails every message still waiting (the client is closing without them).
    func failAll(_ error: KafkaError) {
        let waiting: [(CheckedContinuation<Outcome, Never>, Outcome)] = state.withLock { state in
            var result: [(CheckedContinuation<Outcome, Never>, Outcome)] = []
            for (id, pending) in state.batches {
                for index in pending.settled.indices { _ = pending.settle(index, partition: -1, offset: -1, error: error) }
                if let done = Self.completeIfDone(pending, id: id, in: &state) { result.append(done) }
            }
            return result
        }
        for (continuation, outcome) in waiting { continuation.resume(returning: outcome) }
    }

    var pendingBatches: Int { state.withLock { $0.batches.count } }
}
