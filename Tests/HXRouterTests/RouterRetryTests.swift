import Foundation
import HXCanonical
import HXKafka
import HXTopics
import MetricsTestKit
import Testing

/// What a broker cannot be made to do on demand: refuse the router's writes.
/// librdkafka's mock cluster can, so the abort-and-retry path is shown there.
@Suite(.serialized) struct RouterRetryTests {
    @Test(.timeLimit(.minutes(2)))
    func aBatchWhoseWritesAreRefusedIsAbortedAndRedoneExactlyOnce() async throws {
        let cluster = try KafkaMockCluster()
        var rig = try await RouterRig(bootstrapServers: cluster.bootstrapServers) { topics in
            for topic in topics { try cluster.createTopic(topic.name, partitions: Int32(topic.partitions)) }
        }
        try await rig.produce(600)
        // The next writes are refused (TOPIC_AUTHORIZATION_FAILED, not retriable): the
        // router's first transaction fails, is aborted, and its inputs are read again.
        cluster.failNext(.produce, count: 4, brokerError: 29)
        let metrics = TestMetrics()
        let router = InProcessRouter(rig: rig, instance: "retry", metrics: metrics)
        try await rig.waitUntilRouted(timeout: .seconds(60))
        try await router.stop()
        let aborted = try metrics.expectCounter("hx_router_batches_total", [("result", "aborted")])
        #expect(aborted.totalValue >= 1, "a batch was aborted")
        try await rig.verify()
    }
}
