import Foundation
import HXCanonical
import Logging
import Prometheus
import ServiceLifecycle

/// The review queue on the console's `/metrics`, sampled every interval:
/// `hx_review_held` (open items) and `hx_review_oldest_age_seconds` (0 when
/// none), which the `IdentityReviewAgeing` alert watches. Counts and ages only.
struct ReviewQueueGauges: Service {
    let backend: any ConsoleBackend
    let held: Gauge
    let oldest: Gauge
    let interval: Duration
    let logger: Logger

    init(backend: any ConsoleBackend, registry: PrometheusCollectorRegistry, interval: Duration, logger: Logger) {
        self.backend = backend
        held = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "hx", subsystem: "review", metricName: "held", unitName: "", helpText: "Messages held for identity review and not yet resolved."))
        oldest = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "hx", subsystem: "review", metricName: "oldest_age", unitName: "seconds",
            helpText: "Age of the oldest message held for identity review (0 when none)."))
        self.interval = interval
        self.logger = logger
    }

    func sample() async throws {
        let summary = try await backend.reviewSummary()
        held.set(Double(summary.count))
        oldest.set(summary.oldestAgeSeconds ?? 0)
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do { try await sample() } catch {
                logger.warning("review queue sample failed", metadata: ["error": "\(String(describing: type(of: error)))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
