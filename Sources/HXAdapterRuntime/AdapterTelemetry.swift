import CoreMetrics
import HL7v2
import HXCanonical
import HXService
import HXTranslate
import Metrics
import Synchronization

/// The adapter's telemetry contract, in one place: metric names, their label
/// sets, and the counts the heartbeat reports. Dashboards and alerts key on
/// these names, so they change only with a new name.
///
/// | metric | type | labels |
/// |---|---|---|
/// | `hx_adapter_received_total` | counter | adapter |
/// | `hx_adapter_published_total` | counter | adapter, type |
/// | `hx_adapter_rejected_total` | counter | adapter, reason |
/// | `hx_adapter_kafka_failures_total` | counter | adapter |
/// | `hx_adapter_file_errors_total` | counter | adapter |
/// | `hx_adapter_handoff_seconds` | timer (histogram) | adapter |
///
/// Labels are bounded: `type` is a canonical message type or `identity`,
/// `reason` one of the documented reason codes (anything else counts as
/// `other`), so a feed cannot create series by sending odd input.
package final class AdapterTelemetry: Sendable {
    package enum Name {
        /// Inputs received (an MLLP frame, a dropped file).
        package static let received = "hx_adapter_received_total"
        /// Records Kafka confirmed on the canonical or identity topic.
        package static let published = "hx_adapter_published_total"
        /// Messages rejected (dead-lettered, or refused at the frame level).
        package static let rejected = "hx_adapter_rejected_total"
        /// Inputs not handed off because Kafka failed or timed out (sender told to retry).
        package static let kafkaFailures = "hx_adapter_kafka_failures_total"
        /// Drop files on Kafka that could not be moved to done/ or rejected/ (a full disk,
        /// permissions): they stay in incoming/ and the move is tried again on each scan.
        package static let fileErrors = "hx_adapter_file_errors_total"
        /// Receipt of an input → Kafka confirmed every record of it.
        package static let handoff = "hx_adapter_handoff_seconds"
    }

    /// The reason codes a `reason` label may take.
    package static let reasonCodes: Set<String> = Set(TranslationError.allCodes)
        .union(["mllp-frame-too-large", "mllp-frame-incomplete", "internal-error"])

    package static func boundedReason(_ code: String) -> String {
        reasonCodes.contains(code) ? code : "other"
    }

    package let adapter: String
    private let factory: any MetricsFactory
    private let receivedCounter: Counter
    private let kafkaFailureCounter: Counter
    private let fileErrorCounter: Counter
    private let handoffTimer: Metrics.Timer

    private let received = Atomic<Int>(0)
    private let published = Atomic<Int>(0)
    private let rejected = Atomic<Int>(0)
    private let kafkaFailures = Atomic<Int>(0)
    /// Kafka failures come in runs (an outage): logs say when one starts and ends, not every failure.
    private let kafkaFailing = Atomic<Bool>(false)

    /// - Parameter factory: where metrics go (a Prometheus factory in `hx adapter run`);
    ///   passed explicitly so nothing depends on the process-wide `MetricsSystem`.
    package init(adapter: String, factory: any MetricsFactory) {
        self.adapter = adapter
        self.factory = factory
        receivedCounter = Counter(label: Name.received, dimensions: [("adapter", adapter)], factory: factory)
        kafkaFailureCounter = Counter(label: Name.kafkaFailures, dimensions: [("adapter", adapter)], factory: factory)
        fileErrorCounter = Counter(label: Name.fileErrors, dimensions: [("adapter", adapter)], factory: factory)
        handoffTimer = Metrics.Timer(label: Name.handoff, dimensions: [("adapter", adapter)], factory: factory)
    }

    func recordReceived() {
        received.add(1, ordering: .relaxed)
        receivedCounter.increment()
    }

    func recordPublished(type: String, count: Int = 1) {
        published.add(count, ordering: .relaxed)
        Counter(label: Name.published, dimensions: [("adapter", adapter), ("type", type)], factory: factory).increment(by: count)
    }

    func recordRejected(reason: String) {
        rejected.add(1, ordering: .relaxed)
        Counter(label: Name.rejected, dimensions: [("adapter", adapter), ("reason", Self.boundedReason(reason))], factory: factory).increment()
    }

    /// Returns true for the first failure of a run.
    func recordKafkaFailure() -> Bool {
        kafkaFailures.add(1, ordering: .relaxed)
        kafkaFailureCounter.increment()
        return !kafkaFailing.exchange(true, ordering: .relaxed)
    }

    func recordFileFailure() { fileErrorCounter.increment() }

    /// Returns true when this ends a run of Kafka failures.
    func recordHandoff(since start: ContinuousClock.Instant) -> Bool {
        handoffTimer.recordInterval(since: start)
        return kafkaFailing.exchange(false, ordering: .relaxed)
    }

    /// The counts since start, for the heartbeat.
    package var counts: Counts {
        Counts(received: received.load(ordering: .relaxed), published: published.load(ordering: .relaxed),
               rejected: rejected.load(ordering: .relaxed), kafkaFailures: kafkaFailures.load(ordering: .relaxed))
    }

    /// The counts of the adapter's heartbeat beacons.
    package typealias Counts = HeartbeatBeacon.Counts
}

extension Metrics.Timer {
    fileprivate func recordInterval(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
