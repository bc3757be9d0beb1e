import Foundation
import HXAudit
import HXCanonical
import HXKafka
import HXKafkaTestSupport
import Testing

@Suite(.serialized) struct AuditVerifyCommandTests {
    /// Runs hx, returning its exit status and standard output.
    static func hx(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result = try await runProgram(RouterKillTests.hx, arguments, timeout: .seconds(600))
        return (result.status, result.output)
    }

    @Test(.timeLimit(.minutes(3)))
    func verifyPassesARoutedLogAndNamesTheExactPlaceOfATamperedCopy() async throws {
        try await withBroker { broker in
            var rig = try await RouterRig(broker: broker)
            try await rig.produce(400)
            let router = InProcessRouter(rig: rig, instance: "verify")
            try await rig.waitUntilRouted(timeout: .seconds(60))
            try await router.stop()
            let servers = ["--bootstrap-servers", broker.bootstrapServers]
            let key = ["--audit-key-file", RouterKillTests.keyFile.path]

            let clean = try await Self.hx(["audit", "verify"] + servers + key)
            #expect(clean.status == 0, "\(clean.output)")
            #expect(clean.output.contains("chains hold"))
            #expect(clean.output.contains("router:hx.canonical.discharge-summary.v1:0  holds"))
            #expect(clean.output.firstMatch(of: /\b999\d{7}\b/) == nil, "no NHS number in the output")

            // Every input accounted for, every delivery and review record audited.
            let config = ["--config", Place.root.appendingPathComponent("config").path]
            let reconciled = try await Self.hx(["audit", "reconcile"] + servers + config)
            #expect(reconciled.status == 0, "\(reconciled.output)")
            #expect(reconciled.output.hasPrefix("inputs \(rig.produced.count): deliver "), "\(reconciled.output)")
            #expect(reconciled.output.contains("every input is accounted for"))

            // The wrong key: every record's HMAC fails.
            let wrongKey = FileManager.default.temporaryDirectory.appendingPathComponent("hx-wrong-\(UUID().uuidString.prefix(8)).key")
            try Data(repeating: 7, count: 32).write(to: wrongKey)
            let badKey = try await Self.hx(["audit", "verify"] + servers + ["--audit-key-file", wrongKey.path])
            #expect(badKey.status == 1)
            #expect(badKey.output.contains("bad-hmac"))

            // A record rewritten after the fact: an outcome changed, then appended as if it were the original.
            let audit = try await rig.readAll(HXTopic.audit)
            let victim = try #require(audit.first { (try? AuditRecord(wire: $0.value))?.outcome == .deny })
            var record = try AuditRecord(wire: victim.value)
            record.entry.outcome = .deliver
            let producer = try KafkaProducer(configuration: rig.producerConfiguration())
            let report = try await producer.send(KafkaOutgoingMessage(
                topic: HXTopic.audit, partition: victim.partition, key: Array(record.chainId.utf8), value: record.wireBytes))
            await producer.close()
            let tampered = try await Self.hx(["audit", "verify", "--json"] + servers + key)
            #expect(tampered.status == 1)
            #expect(tampered.output.contains(#""holds":false"#))
            #expect(tampered.output.contains(#""chainId":"\#(record.chainId)","sequence":\#(record.sequence),"code":"conflict","where":"\#(victim.partition)@\#(report.offset)""#),
                    "\(tampered.output)")

            // Inputs no router has got to yet: counted as waiting, not judged (exit 75, try again).
            let routedBefore = rig.produced.count
            try await rig.produce(30)
            let behind = try await Self.hx(["audit", "reconcile"] + servers + config)
            #expect(behind.status == 75, "\(behind.output)")
            #expect(behind.output.contains("not yet routed (past the routers' committed positions, not judged): 30"), "\(behind.output)")
            #expect(behind.output.hasPrefix("inputs \(routedBefore): "), "\(behind.output)")
            #expect(behind.output.contains("inputs wait for a router"))

            // The routers' positions moved past them with no decision made (a router that skipped
            // them): unaccounted, named by place, and reconciliation fails.
            let skipper = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: rig.client, groupID: "hx-router"))
            var ends: [KafkaTopicPartition: Int64] = [:]
            for p in rig.produced.suffix(30) { ends[KafkaTopicPartition(topic: p.topic, partition: p.partition)] = max(ends[KafkaTopicPartition(topic: p.topic, partition: p.partition)] ?? 0, p.offset + 1) }
            try await skipper.commit(ends.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) })
            await skipper.close()
            let skipped = try await Self.hx(["audit", "reconcile"] + servers + config)
            #expect(skipped.status == 1)
            #expect(skipped.output.contains(/unaccounted inputs: [1-9]/), "\(skipped.output)")
            #expect(skipped.output.contains("reconciliation FAILED"))
        }
    }
}
