import Foundation
import HXDevBroker
import HXOperations
import Testing

/// The console's reading of firing alerts against a real Prometheus (Debian's,
/// installed by scripts/setup.sh with promtool): what `/api/v1/alerts` really
/// answers, not what we think it answers.
@Suite struct PrometheusAlertsTests {
    @Test(.timeLimit(.minutes(2)))
    func firingAlertsAreReadFromPrometheusWithTheirSeverityAndSummary() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hx-prometheus-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // One alert that fires at once and one that stays pending (its `for` is long).
        try """
        groups:
          - name: test
            interval: 1s
            rules:
              - alert: DeliveryFailed
                expr: vector(1)
                labels: {severity: critical}
                annotations: {summary: "Deliveries to RY2 failed (mllp-rejected)", runbook: docs/operations.md#deliveryfailed}
              - alert: StillPending
                expr: vector(1)
                for: 1h
                labels: {severity: warning}
        """.write(to: folder.appendingPathComponent("rules.yml"), atomically: true, encoding: .utf8)
        try "global: {evaluation_interval: 1s}\nrule_files: [rules.yml]\n"
            .write(to: folder.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let port = try DevBroker.freePort()
        let prometheus = try ChildProcess(executable: "/usr/bin/prometheus", arguments: [
            "--config.file=\(folder.path)/prometheus.yml", "--storage.tsdb.path=\(folder.path)/data",
            "--web.listen-address=127.0.0.1:\(port)",
        ], output: folder.appendingPathComponent("prometheus.log"))
        defer { prometheus.stop() }
        let base = URL(string: "http://127.0.0.1:\(port)")!
        let deadline = ContinuousClock.now + .seconds(60)
        var reading = await FiringAlert.read(from: base)
        while reading == .firing([]) || { if case .unavailable = reading { return true } else { return false } }() {
            guard ContinuousClock.now < deadline, prometheus.isRunning else { break }
            try await Task.sleep(for: .milliseconds(250))
            reading = await FiringAlert.read(from: base)
        }
        guard case .firing(let alerts) = reading else { Issue.record("\(reading)"); return }
        #expect(alerts.map(\.name) == ["DeliveryFailed"], "the pending alert is not firing yet")
        #expect(alerts.first?.severity == "critical" && alerts.first?.summary == "Deliveries to RY2 failed (mllp-rejected)")
        #expect(alerts.first?.runbook == "docs/operations.md#deliveryfailed" && alerts.first?.activeSince.hasPrefix("20") == true)
        prometheus.stop()
        guard case .unavailable(let why) = await FiringAlert.read(from: base) else { Issue.record("an answer from a stopped Prometheus"); return }
        #expect(why.contains("did not answer"))
    }
}
