import Foundation
import HXDevBroker
import HXKafkaTestSupport
import Testing

/// The `hx router` process, killed with SIGKILL mid-stream again and again
/// and restarted, must leave the same result as an uninterrupted run.
@Suite(.serialized) struct RouterKillTests {
    static let hx = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hx")

    static let keyFile: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hx-router-test-audit.key")
        try? Data(RouterRig.auditKeyBytes).write(to: url)
        return url
    }()

    /// `hx router` on the rig's broker with the place's configuration and the test audit key.
    static func routerArguments(_ rig: RouterRig, instance: String) -> [String] {
        ["router", "--bootstrap-servers", rig.bootstrapServers, "--config", Place.root.appendingPathComponent("config").path,
         "--instance", instance, "--session-timeout", "6", "--audit-key-file", keyFile.path, "--metrics-port", "0", "--listen", "127.0.0.1"]
    }

    static func startRouter(_ rig: RouterRig, instance: String, log: URL) throws -> ChildProcess {
        try ChildProcess(executable: hx.path, arguments: routerArguments(rig, instance: instance), output: log)
    }

    /// Waits until the router logging to `log` has taken partitions (it logs each chain it resumes).
    static func waitForPartitions(_ log: URL, timeout: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: log, encoding: .utf8), text.contains("chain resumed") { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test(.timeLimit(.minutes(5)))
    func killedRepeatedlyWithSIGKILLAndRestartedNothingIsLostOrChanged() async throws {
        try await withBroker { broker in
            var rig = try await RouterRig(broker: broker)
            try await rig.produce(2_000)
            let logs = FileManager.default.temporaryDirectory.appendingPathComponent("hx-router-kill-\(UUID().uuidString.prefix(8))")
            func log(_ name: String) -> URL { URL(fileURLWithPath: logs.path + "-" + name + ".log") }
            // A second, undisturbed instance shares the group: partitions move to it and back as the other dies and returns.
            let steady = try Self.startRouter(rig, instance: "steady", log: log("steady"))
            defer { steady.stop() }
            try await rig.waitUntilRouted(timeout: .seconds(60))
            for round in 0..<4 {
                let victim = try Self.startRouter(rig, instance: "victim", log: log("victim-\(round)"))
                #expect(try await Self.waitForPartitions(log("victim-\(round)")), "victim never took partitions; see \(log("victim-\(round)").path)")
                // A burst of several batches, killed while it is being worked through.
                try await rig.produce(2_000)
                try await Task.sleep(for: .milliseconds(50 + 120 * round))
                #expect(victim.isRunning, "router exited on its own; see \(log("victim-\(round)").path)")
                victim.signal(SIGKILL)
                while victim.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            }
            let last = try Self.startRouter(rig, instance: "victim", log: log("victim-last"))
            defer { last.stop() }
            try await rig.waitUntilRouted(timeout: .seconds(150))
            let observed = try await rig.verify()
            #expect(observed.instances == ["steady", "victim"], "both instances wrote audit records")
            print("router kill test: \(observed.auditRepeats) audit records and \(observed.deliveryRepeats) deliveries written again after kills (each identical to its first copy)")
        }
    }
}
