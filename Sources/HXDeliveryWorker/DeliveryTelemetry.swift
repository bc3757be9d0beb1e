import Metrics

/// A delivery worker's metrics, named once; every series has the `recipient`
/// label (an organisation code). `status` is one of `DeliveryStatus.State`,
/// `reason` a reason code the worker or its transport produces.
///
/// | metric | type | labels |
/// |---|---|---|
/// | `hx_delivery_attempts_total` | counter | recipient, transport |
/// | `hx_delivery_outcomes_total` | counter | recipient, status, reason |
/// | `hx_delivery_backlog` | gauge | recipient: records on the delivery topic not yet settled |
/// | `hx_delivery_oldest_undelivered_age_seconds` | gauge | recipient: age of the record being tried, 0 when idle |
/// | `hx_delivery_last_success_timestamp_seconds` | gauge | recipient |
/// | `hx_delivery_retrying` | gauge | recipient: 1 while the head of the queue waits to be tried again |
/// | `hx_delivery_acknowledgements_total` | counter | recipient, kind: ITK3 responses recorded (`infrastructure-acknowledged`, `business-acknowledged`, `negative`) |
/// | `hx_delivery_overdue` | gauge | recipient: MESH deliveries with an ITK3 acknowledgement overdue and still not in |
package struct DeliveryTelemetry: Sendable {
    package enum Name {
        package static let attempts = "hx_delivery_attempts_total"
        package static let outcomes = "hx_delivery_outcomes_total"
        package static let backlog = "hx_delivery_backlog"
        package static let oldestAge = "hx_delivery_oldest_undelivered_age_seconds"
        package static let lastSuccess = "hx_delivery_last_success_timestamp_seconds"
        package static let retrying = "hx_delivery_retrying"
        package static let acknowledgements = "hx_delivery_acknowledgements_total"
        package static let overdue = "hx_delivery_overdue"
    }

    let factory: any MetricsFactory
    let recipient: String
    let attempts: Counter
    let backlog: Gauge
    let oldestAge: Gauge
    let lastSuccess: Gauge
    let retrying: Gauge
    let overdue: Gauge

    init(recipient: String, transport: String, factory: any MetricsFactory) {
        self.factory = factory
        self.recipient = recipient
        let label = [("recipient", recipient)]
        attempts = Counter(label: Name.attempts, dimensions: label + [("transport", transport)], factory: factory)
        backlog = Gauge(label: Name.backlog, dimensions: label, factory: factory)
        oldestAge = Gauge(label: Name.oldestAge, dimensions: label, factory: factory)
        lastSuccess = Gauge(label: Name.lastSuccess, dimensions: label, factory: factory)
        retrying = Gauge(label: Name.retrying, dimensions: label, factory: factory)
        overdue = Gauge(label: Name.overdue, dimensions: label, factory: factory)
    }

    func outcome(_ status: String, reason: String?) {
        Counter(label: Name.outcomes, dimensions: [("recipient", recipient), ("status", status), ("reason", reason ?? "")], factory: factory)
            .increment()
    }

    func acknowledgement(_ kind: String) {
        Counter(label: Name.acknowledgements, dimensions: [("recipient", recipient), ("kind", kind)], factory: factory).increment()
    }
}
