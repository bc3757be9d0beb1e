import Metrics

/// The router's metrics, named once. Labels are bounded: `outcome` is one
/// of five values and `reason` a reason code the router itself produces.
///
/// | metric | type | labels |
/// |---|---|---|
/// | `hx_router_inputs_total` | counter | |
/// | `hx_router_decisions_total` | counter | outcome, reason |
/// | `hx_router_batches_total` | counter | result (committed, aborted) |
/// | `hx_router_batch_seconds` | timer (histogram) | |
/// | `hx_router_partitions` | gauge | |
/// | `hx_router_configuration_reloads_total` | counter | result (applied, rejected) |
/// | `hx_router_input_rewinds_total` | counter | |
package struct RouterTelemetry: Sendable {
    package enum Name {
        package static let inputs = "hx_router_inputs_total"
        package static let decisions = "hx_router_decisions_total"
        package static let batches = "hx_router_batches_total"
        package static let batchSeconds = "hx_router_batch_seconds"
        package static let partitions = "hx_router_partitions"
        package static let reloads = "hx_router_configuration_reloads_total"
        /// Partitions read again because the read position jumped past the chain (InputContinuity).
        package static let rewinds = "hx_router_input_rewinds_total"
    }

    let factory: any MetricsFactory
    let inputs: Counter
    let committed: Counter
    let aborted: Counter
    let batchTime: Metrics.Timer
    let partitions: Gauge
    let rewinds: Counter

    package init(factory: any MetricsFactory) {
        self.factory = factory
        inputs = Counter(label: Name.inputs, factory: factory)
        committed = Counter(label: Name.batches, dimensions: [("result", "committed")], factory: factory)
        aborted = Counter(label: Name.batches, dimensions: [("result", "aborted")], factory: factory)
        batchTime = Metrics.Timer(label: Name.batchSeconds, factory: factory)
        partitions = Gauge(label: Name.partitions, factory: factory)
        rewinds = Counter(label: Name.rewinds, factory: factory)
    }

    func record(_ tally: [RouterTally: Int]) {
        for (t, n) in tally {
            Counter(label: Name.decisions, dimensions: [("outcome", t.outcome), ("reason", t.reason)], factory: factory).increment(by: n)
        }
    }

    func reload(applied: Bool) {
        Counter(label: Name.reloads, dimensions: [("result", applied ? "applied" : "rejected")], factory: factory).increment()
    }
}
