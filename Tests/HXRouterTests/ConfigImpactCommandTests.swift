import Foundation
import HXAudit
import HXCanonical
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXPlace
import Testing

/// `hx config impact` against what the router then does: the report's stops
/// are the deliveries the router stops making once the proposal is applied.
@Suite(.serialized) struct ConfigImpactCommandTests {
    static let discharge = "DSA-HALTON-DISCHARGE-001"

    /// A copy of config/ with the acute discharge agreement suspended.
    static func suspension() throws -> URL {
        let config = try RouterCommandTests.configCopy()
        try RouterCommandTests.edit(RouterCommandTests.agreement(config)) { $0.replacingOccurrences(of: "status: active", with: "status: suspended") }
        return config
    }

    static func time(_ milliseconds: Int64) -> String {
        AuditTime.rfc3339(Instant(millisecondsSinceEpoch: milliseconds))!
    }

    @Test(.timeLimit(.minutes(5)))
    func theReportsStopsAreTheDeliveriesTheRouterNoLongerMakes() async throws {
        try await withBroker { broker in
            var rig = try await RouterRig(broker: broker)
            let count = 600
            // Traffic routed under the configuration in force, by `hx router` on a copy of config/.
            let config = try RouterCommandTests.configCopy()
            let log = URL(fileURLWithPath: config.path + ".log")
            let router = try ChildProcess(
                executable: RouterKillTests.hx.path,
                arguments: ["router", "--bootstrap-servers", broker.bootstrapServers, "--config", config.path, "--instance", "impact",
                            "--audit-key-file", RouterKillTests.keyFile.path, "--session-timeout", "6", "--metrics-port", "0", "--listen", "127.0.0.1"],
                output: log)
            defer { router.stop() }
            try await rig.produce(count)
            try await rig.waitUntilRouted(timeout: .seconds(90))
            let batch = Array(rig.produced.prefix(count))

            // The report on that traffic, as JSON and as the table.
            let proposed = try Self.suspension()
            let window = ["--from", Self.time(RouterRig.trafficTime), "--to", Self.time(RouterRig.trafficTime + Int64(count - 1))]
            let arguments = ["config", "impact", "--bootstrap-servers", broker.bootstrapServers, "--config", config.path,
                             "--proposed", proposed.path] + window
            let json = try await runProgram(RouterKillTests.hx, arguments + ["--format", "json"], timeout: .seconds(120))
            #expect(json.status == 0, "hx config impact: \(json.error)")
            let table = try await runProgram(RouterKillTests.hx, arguments, timeout: .seconds(120))
            #expect(table.status == 0, "hx config impact: \(table.error)")
            #expect(table.output.contains("stop") && table.output.contains(Self.discharge))
            for text in [json.output, table.output, json.error, table.error] {
                for person in rig.workload.people { #expect(!text.contains(person.digits), "an NHS number in the report") }
            }
            let report = try Self.parse(json.output)
            #expect(report.read == count, "every input of the window and none after it")
            #expect(report.lines.allSatisfy { $0 == "stop \(Self.discharge) agreement-not-active" }, "\(report.lines)")
            let stops = report.stops
            #expect(!stops.isEmpty)

            // The proposal applied (reloaded on SIGHUP, as in production), and the same traffic
            // again: new message ids, so it is decided afresh.
            try FileManager.default.removeItem(at: RouterCommandTests.agreement(config))
            try FileManager.default.copyItem(at: RouterCommandTests.agreement(proposed), to: RouterCommandTests.agreement(config))
            router.signal(SIGHUP)
            try await RouterCommandTests.waitFor("configuration reloaded", in: log)
            try await Self.produceAgain(batch, rig: &rig)
            try await rig.waitUntilRouted(timeout: .seconds(90))

            // Deliveries per batch, by the agreement and recipient of the decision they carry out.
            let deliveries = try await Self.deliveries(rig: rig, firstBatchEnds: batch)
            var lost: [String: Int] = [:]
            for (key, before) in deliveries[0] {
                let after = deliveries[1][key, default: 0]
                #expect(after <= before, "\(key): the suspension started a flow")
                if before > after { lost[key] = before - after }
            }
            #expect(deliveries[1].keys.allSatisfy { deliveries[0][$0] != nil }, "no new flow under the proposal")
            #expect(lost.keys.allSatisfy { $0.hasPrefix(Self.discharge + " ") })
            let lostByRecipient = Dictionary(lost.map { (String($0.key.dropFirst(Self.discharge.count + 1)), $0.value) }, uniquingKeysWith: +)
            #expect(lostByRecipient == stops, "the report's stops are the deliveries the router no longer makes")
            #expect(stops.values.reduce(0, +) == report.totalStops)
        }
    }

    @Test func anInvalidProposalIsRefusedNamingFileAndLine() async throws {
        let proposed = try RouterCommandTests.configCopy()
        try RouterCommandTests.edit(RouterCommandTests.agreement(proposed)) { $0.replacingOccurrences(of: "version: 3", with: "version: three") }
        // Refused before Kafka is asked anything: nothing listens on port 1.
        let result = try await runProgram(RouterKillTests.hx, ["config", "impact", "--bootstrap-servers", "127.0.0.1:1",
                                                               "--config", Place.root.appendingPathComponent("config").path, "--proposed", proposed.path])
        #expect(result.status == 78, "exit status EX_CONFIG: \(result.error)")
        #expect(result.error.contains("DSA-HALTON-DISCHARGE-001.yaml:"), "names the file and line: \(result.error)")
        #expect(result.error.firstMatch(of: /DSA-HALTON-DISCHARGE-001\.yaml:\d+/) != nil)
        #expect(result.output.isEmpty, "no report")
    }

    /// What the test reads of the JSON report.
    struct Parsed: Sendable {
        var read = 0
        var totalStops = 0
        /// "change agreement reason" of each line.
        var lines: [String] = []
        /// Recipient → stopped flows.
        var stops: [String: Int] = [:]
    }

    /// Parsed here, not in the test body: a `[String: Any]` held across an await crashes the compiler (6.3.1, SendNonSendable).
    static func parse(_ output: String) throws -> Parsed {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        var parsed = Parsed()
        parsed.read = try #require((report["inputs"] as? [String: Any])?["read"] as? Int)
        parsed.totalStops = try #require((report["totals"] as? [String: Any])?["stop"] as? Int)
        for c in try #require(report["changes"] as? [[String: Any]]) {
            parsed.lines.append("\(c["change"] as? String ?? "?") \(c["agreement"] as? String ?? "-") \(c["reason"] as? String ?? "?")")
            parsed.stops[c["recipient"] as? String ?? "?", default: 0] += c["messages"] as? Int ?? 0
        }
        return parsed
    }

    /// `batch` produced again with new message ids (a repeat in it stays a repeat of the same new id)
    /// and the same timestamps shifted past it, on the partitions its keys choose.
    static func produceAgain(_ batch: [RouterRig.Produced], rig: inout RouterRig) async throws {
        let producer = try KafkaProducer(configuration: rig.producerConfiguration())
        let shift = Int64(batch.count)
        var outgoing: [KafkaOutgoingMessage] = []
        var messages: [CanonicalMessage?] = []
        let records = try await rig.readAll(HXTopic.canonicalTopics)
        for p in batch {
            let original = try #require(records[p.topic]?.first { $0.partition == p.partition && Int64($0.offset) == p.offset })
            var value = original.value
            var message = p.message
            if var m = message {
                m.id = CanonicalMessage.deriveID(sourceOrganisation: m.source.organisation, sourceMessageID: "again-" + m.id.uuidString)
                value = Array(CanonicalJSON.encode(m))
                message = m
            }
            outgoing.append(KafkaOutgoingMessage(topic: p.topic, key: original.key.map { Array($0.utf8) }, value: value, timestampMilliseconds: p.timestamp + shift))
            messages.append(message)
        }
        let reports = try await producer.send(batch: outgoing)
        #expect(reports.allSucceeded)
        for (i, p) in batch.enumerated() {
            rig.produced.append(RouterRig.Produced(topic: p.topic, message: messages[i], partition: reports[i].partition, offset: reports[i].offset,
                                                   timestamp: p.timestamp + shift))
        }
        await producer.close()
    }

    /// Deliveries on the delivery topics, counted by "agreement recipient" for the first batch's inputs and the second's.
    static func deliveries(rig: RouterRig, firstBatchEnds batch: [RouterRig.Produced]) async throws -> [[String: Int]] {
        let first = Set(batch.map { "\($0.topic):\($0.partition):\($0.offset)" })
        let topics = Place.configuration.organisations.map { HXTopic.delivery($0.code) }
        let read = try await rig.readAll([HXTopic.audit] + topics)
        var decisions: [String: (key: String, batch: Int)] = [:]
        for r in read[HXTopic.audit] ?? [] {
            let record = try AuditRecord(wire: r.value)
            guard record.kind == .decision else { continue }
            let input = "\(record.inputTopic ?? ""):\(record.inputPartition ?? -1):\(record.inputOffset ?? -1)"
            decisions[record.decisionId] = ("\(record.agreementId ?? "-") \(record.recipient ?? "-")", first.contains(input) ? 0 : 1)
        }
        var counts: [[String: Int]] = [[:], [:]]
        var seen: Set<String> = []
        for topic in topics {
            for r in read[topic] ?? [] {
                let id = try #require(r.headers[HXHeader.decisionID])
                guard seen.insert(id).inserted else { continue }
                let decision = try #require(decisions[id], "delivery \(id) without its decision")
                counts[decision.batch][decision.key, default: 0] += 1
            }
        }
        return counts
    }
}
