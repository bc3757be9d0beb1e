import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HXAudit
import HXCanonical
import HXDevBroker
import HXKafkaTestSupport
import HXPlace
import Testing

@Suite(.serialized) struct RouterCommandTests {
    /// A copy of config/ the test may change.
    static func configCopy() throws -> URL {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("hx-router-config-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: Place.root.appendingPathComponent("config"), to: copy)
        return copy
    }

    static func agreement(_ config: URL) -> URL {
        config.appendingPathComponent("sharing-agreements/DSA-HALTON-DISCHARGE-001.yaml")
    }

    static func edit(_ file: URL, _ change: (String) -> String) throws {
        try change(try String(contentsOf: file, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)
    }

    @Test func aBadConfigurationStopsStartUpNamingFileAndLine() async throws {
        let config = try Self.configCopy()
        try Self.edit(Self.agreement(config)) { $0.replacingOccurrences(of: "validTo: 2027-03-31", with: "validTo: 2024-03-31") }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("hx-router-bad-\(UUID().uuidString.prefix(8)).log")
        let process = try ChildProcess(executable: RouterKillTests.hx.path, arguments: ["router", "--config", config.path, "--bootstrap-servers", "127.0.0.1:1"], output: output)
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(process.status.map { ($0 >> 8) & 0xff } == 78, "exit status EX_CONFIG")
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(text.contains("DSA-HALTON-DISCHARGE-001.yaml:"), "names the file and line: \(text)")
    }

    @Test(.timeLimit(.minutes(3)))
    func sighupReloadsAValidConfigurationRecordsItsDigestAndRefusesAnInvalidOne() async throws {
        try await withBroker { broker in
            var rig = try await RouterRig(broker: broker)
            let config = try Self.configCopy()
            let log = URL(fileURLWithPath: config.path + ".log")
            let router = try ChildProcess(
                executable: RouterKillTests.hx.path,
                arguments: ["router", "--bootstrap-servers", broker.bootstrapServers, "--config", config.path, "--instance", "reload", "--audit-key-file", RouterKillTests.keyFile.path,
                            "--session-timeout", "6", "--metrics-port", "0", "--listen", "127.0.0.1"],
                output: log)
            defer { router.stop() }
            try await rig.produce(300)
            try await rig.waitUntilRouted(timeout: .seconds(60))
            let before = try await rig.readAll(HXTopic.audit).count

            // Suspend the discharge agreement and reload.
            let old = Place.configuration.configurationDigest
            try Self.edit(Self.agreement(config)) { $0.replacingOccurrences(of: "status: active", with: "status: suspended") }
            let new = try PlaceConfiguration.load(directory: config).configurationDigest
            router.signal(SIGHUP)
            try await Self.waitFor("configuration reloaded", in: log)
            try await rig.produce(300)
            try await rig.waitUntilRouted(timeout: .seconds(60))

            let after = try await rig.readAll(HXTopic.audit).map { try AuditRecord(wire: $0.value) }
            let reloads = after.filter { $0.kind == .configurationReloaded }
            #expect(!reloads.isEmpty)
            #expect(reloads.allSatisfy { $0.configurationDigest == new && $0.details["previousDigest"] == old })
            #expect(Set(reloads.map(\.chainId)).count == reloads.count, "one reload record per chain")
            #expect(after.count > before)
            // Decisions on the second batch are made, and recorded, under the new digest.
            let late = after.filter { $0.kind == .decision && $0.configurationDigest == new }
            let discharges = late.filter { $0.messageType == "discharge-summary" && $0.agreementId == "DSA-HALTON-DISCHARGE-001" }
            #expect(!discharges.isEmpty)
            #expect(discharges.allSatisfy { $0.outcome == .deny && $0.reasons.first == "agreement-not-active" })

            // Metrics count decisions by outcome and reason, and the reload.
            let port = try #require(try String(contentsOf: log, encoding: .utf8).firstMatch(of: /http\.port=(\d+)/).map { String($0.1) })
            let (body, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            let metrics = String(decoding: body, as: UTF8.self)
            #expect(metrics.contains(#"hx_router_decisions_total{outcome="deny",reason="agreement-not-active"}"#))
            #expect(metrics.contains(#"hx_router_configuration_reloads_total{result="applied"} 1"#))
            #expect(metrics.contains("hx_router_inputs_total 600"))

            // A broken configuration is refused; the router keeps running on the one in force.
            try Self.edit(Self.agreement(config)) { $0.replacingOccurrences(of: "version: 3", with: "version: three") }
            router.signal(SIGHUP)
            try await Self.waitFor("configuration reload refused", in: log)
            #expect(router.isRunning)
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(text.contains("DSA-HALTON-DISCHARGE-001.yaml:"), "the refusal names the file and line")
        }
    }

    static func waitFor(_ text: String, in log: URL, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let contents = try? String(contentsOf: log, encoding: .utf8), contents.contains(text) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("'\(text)' did not appear in \(log.path)")
    }
}
