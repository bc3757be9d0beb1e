import HXCanonical
import Foundation
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXNetworkTestSupport
import HXService
import Testing
@testable import HXAdapterRuntime

extension BrokerTests {
    @Suite("Heartbeat and metrics", .serialized, .timeLimit(.minutes(2)))
    struct TelemetryTests {
        @Test("Heartbeat on hx.heartbeat.v1 keyed by component; /metrics shows the counters after traffic; /health answers")
        func heartbeatAndMetrics() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let numbers = testNHSNumbers(3, from: 300)
                var messages = (0..<3).map { (controlID: "TEL-00000\($0)", bytes: adtA03(controlID: "TEL-00000\($0)", nhsNumber: numbers[$0])) }
                messages.append((controlID: "TEL-BAD", bytes: adtA03(controlID: "TEL-BAD", nhsNumber: invalidNHSNumber())))
                let sent = messages
                let (metrics, health) = try await withAdapter(broker, settings: testSettings(heartbeat: .seconds(1)), metrics: true) { adapter in
                    let acks = try await MLLPTestClient(port: adapter.mllpPort).deliver(sent, timeout: .seconds(20), until: .now + .seconds(40), tally: Tally())
                    #expect(acks.count == 4)
                    let port = try #require(adapter.metricsPort)
                    return (try await httpGet(port: port, path: "/metrics"), try await httpGet(port: port, path: "/health"))
                }
                #expect(metrics.hasPrefix("HTTP/1.1 200"))
                #expect(metrics.contains(#"hx_adapter_received_total{adapter="test-mllp"} 4"#))
                #expect(metrics.contains(#"hx_adapter_published_total{adapter="test-mllp",type="discharge-summary"} 3"#))
                #expect(metrics.contains(#"hx_adapter_rejected_total{adapter="test-mllp",reason="nhs-number-invalid"} 1"#))
                #expect(metrics.contains(#"hx_adapter_handoff_seconds_count{adapter="test-mllp"} 4"#))
                #expect(health.hasPrefix("HTTP/1.1 200"))
                #expect(health.contains(#""status":"up""#))

                // The adapter has stopped: its beacons include the running ones and the last, stopping one.
                let beacons = try await readTopic(broker, HXTopic.heartbeat, partitions: 1, atLeast: 100, timeout: .seconds(3))
                #expect(!beacons.isEmpty)
                #expect(beacons.allSatisfy { $0.keyString == "adapter:test-mllp" })
                let decoded = try beacons.map { try JSONDecoder().decode(HeartbeatBeacon.self, from: Data($0.value)) }
                #expect(decoded.first?.state == "running")
                #expect(decoded.last?.state == "stopping")
                #expect(decoded.last?.counts == AdapterTelemetry.Counts(received: 4, published: 3, rejected: 1, kafkaFailures: 0))
            }
        }

        @Test("Reason labels stay bounded")
        func boundedReasons() {
            #expect(AdapterTelemetry.boundedReason("nhs-number-invalid") == "nhs-number-invalid")
            #expect(AdapterTelemetry.boundedReason("anything a feed invents") == "other")
        }
    }
}
