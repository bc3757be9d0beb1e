import Foundation
import Metrics

/// Turns librdkafka's statistics JSON (every `statistics.interval.ms`) into
/// swift-metrics gauges. Labels are bounded: client name, topic, partition.
final class KafkaStatisticsReporter: Sendable {
    private let client: String
    private let factory: any MetricsFactory

    init(client: String, factory: (any MetricsFactory)?) {
        self.client = client
        self.factory = factory ?? MetricsSystem.factory
    }

    func report(json: Data) {
        guard let root = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else { return }
        let dimensions = [("client", client)]
        for (key, metric) in [("msg_cnt", "hx_kafka_queued_messages"), ("replyq", "hx_kafka_reply_queue"),
                              ("txmsgs", "hx_kafka_sent_messages"), ("rxmsgs", "hx_kafka_received_messages")] {
            if let value = root[key] as? NSNumber {
                Gauge(label: metric, dimensions: dimensions, factory: factory).record(value.doubleValue)
            }
        }
        // Consumer lag per partition, as librdkafka sees it.
        guard let topics = root["topics"] as? [String: Any] else { return }
        for (topic, info) in topics {
            guard let partitions = (info as? [String: Any])?["partitions"] as? [String: Any] else { continue }
            for (partition, stats) in partitions where partition != "-1" {
                if let lag = (stats as? [String: Any])?["consumer_lag"] as? NSNumber, lag.int64Value >= 0 {
                    Gauge(label: "hx_kafka_consumer_lag", dimensions: dimensions + [("topic", topic), ("partition", partition)], factory: factory)
                        .record(lag.doubleValue)
                }
            }
        }
    }
}
