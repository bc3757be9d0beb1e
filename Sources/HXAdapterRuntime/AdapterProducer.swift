import HXKafka
import Logging
import Synchronization

/// The adapter's Kafka producer, renewed when librdkafka declares it unusable.
///
/// An idempotent producer whose in-flight records timed out (a broker that
/// stopped answering) may end in a fatal state (measured on the development
/// broker: every later record fails as fenced). librdkafka's advice is to
/// create a new producer; without that the adapter would refuse every
/// message until restarted. A renewed producer starts a new idempotence
/// session, so a record that did reach the old session may be written
/// again: with the same message id, which consumers de-duplicate.
package final class AdapterProducer: Sendable {
    private let make: @Sendable () throws -> KafkaProducer
    private let state: Mutex<(current: KafkaProducer, generation: Int, retired: [KafkaProducer])>
    private let logger: Logger

    package init(logger: Logger = Logger(label: "hx.adapter.producer"), make: @escaping @Sendable () throws -> KafkaProducer) throws {
        self.make = make
        self.logger = logger
        self.state = Mutex((try make(), 0, []))
    }

    /// Sends and returns one report per record. When a report says the
    /// producer is finished, a new producer is made and the batch sent once
    /// more; what still fails is reported to the caller.
    package func send(batch: [KafkaOutgoingMessage]) async throws -> KafkaDeliveryReports {
        let (producer, generation) = state.withLock { ($0.current, $0.generation) }
        let reports = try await producer.send(batch: batch)
        guard reports.contains(where: { $0.error.map(Self.isFatal) ?? false }) else { return reports }
        guard let renewed = renew(after: generation) else { return reports }
        return try await renewed.send(batch: batch)
    }

    static func isFatal(_ error: KafkaError) -> Bool {
        error.isFatal || error.code == .fatal || error.code == .fenced
    }

    /// Replaces the producer of `generation` (once, however many senders saw it fail).
    private func renew(after generation: Int) -> KafkaProducer? {
        do {
            return try state.withLock { state in
                if state.generation != generation { return state.current }
                let fresh = try make()
                state.retired.append(state.current)
                state.current = fresh
                state.generation += 1
                logger.warning("Kafka producer was fatally failed and has been replaced", metadata: ["kafka.producer-generation": "\(state.generation)"])
                return fresh
            }
        } catch {
            logger.error("Kafka producer could not be replaced", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Flushes (bounded by the producer's `flushTimeoutOnClose`) and closes the
    /// producer, and any replaced one (kept until now so no send in progress loses it).
    package func close() async {
        let (current, retired) = state.withLock { ($0.current, $0.retired) }
        await current.close()
        for producer in retired { await producer.close() }
    }
}
