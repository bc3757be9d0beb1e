import Foundation
import HXCanonical
import HXKafka
import HXService
import Logging

extension Heartbeat {
    /// An adapter's heartbeat: component `adapter:<name>`, its telemetry's counts, sent through its producer.
    package convenience init(adapter: String, interval: Duration, producer: AdapterProducer, telemetry: AdapterTelemetry,
                             startedAt: Date = Date(), logger: Logger = Logger(label: "hx.adapter.heartbeat")) {
        self.init(component: "adapter:\(adapter)", kind: "adapter", interval: interval,
                  headers: [KafkaHeader(HXHeader.adapter, telemetry.adapter)], startedAt: startedAt, logger: logger,
                  counts: { telemetry.counts }, send: { try await producer.send(batch: $0) })
    }
}
