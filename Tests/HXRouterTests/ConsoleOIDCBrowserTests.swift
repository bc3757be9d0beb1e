import Foundation
import HXAudit
import HXCanonical
import HXDevBroker
import HXKafkaTestSupport
import Testing

/// Staff sign-in through OpenID Connect end to end, in a real browser
/// (scripts/console-oidc-browser-test.py over WebDriver): the hx binary on a
/// real broker, signing in through oidc-provider-mock from PyPI (the real
/// provider: role mapping, no role, sign-out) and through
/// scripts/oidc-test-provider.py (the bad tokens the mock cannot issue, and a
/// replayed state). Each refusal is a page with its reason code and a log
/// line with that code and nothing about the person. Screenshots in
/// test-artifacts/console-oidc-browser/.
@Suite(.serialized) struct ConsoleOIDCBrowserTests {
    static let artifacts = Place.root.appendingPathComponent("test-artifacts/console-oidc-browser")
    static let python = Place.root.appendingPathComponent(".venv/bin/python").path

    /// A broken OIDC file stops `hx console` before it starts, naming file and line (exit 78).
    @Test func aBrokenOIDCFileStopsStartUp() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hx-oidc-\(UUID().uuidString.prefix(8)).yaml")
        try "issuer: https://idp.example\nclientId: hx\nclientSecretFile: /nonexistent/secret\nredirectUrl: https://c.example/sign-in/oidc/callback\nroleClaim: roles\nroles:\n  - value: X\n    role: root\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try await runProgram(RouterKillTests.hx, ["console", "--oidc", file.path, "--listen", "127.0.0.1:0"], timeout: .seconds(60))
        #expect(result.status == 78)
        #expect(result.error.contains("\(file.path):3") && result.error.contains("clientSecretFile"), "\(result.error)")
        #expect(result.error.contains("\(file.path):8") && result.error.contains("role 'root' is not a console role"), "\(result.error)")
    }

    @Test(.timeLimit(.minutes(5)))
    func signInThroughTheProviderAndRefusalsInABrowser() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.python), "run scripts/setup.sh: it installs oidc-provider-mock into .venv")
        try await withBroker { broker in
            // The topics, so the overview has a cluster to show.
            let rig = try await RouterRig(broker: broker)
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("hx-console-oidc-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            try "not-a-real-secret\n".write(to: work.appendingPathComponent("client-secret"), atomically: true, encoding: .utf8)

            let mockPort = try DevBroker.freePort(), badPort = try DevBroker.freePort()
            let mock = try ChildProcess(executable: Self.python, arguments: ["-m", "oidc_provider_mock", "--port", "\(mockPort)"],
                                        output: work.appendingPathComponent("mock.log"))
            defer { mock.stop() }
            let bad = try ChildProcess(
                executable: Self.python,
                arguments: [Place.root.appendingPathComponent("scripts/oidc-test-provider.py").path, "--port", "\(badPort)", "--client-id", "hx-console"],
                output: work.appendingPathComponent("bad-provider.log"))
            defer { bad.stop() }

            var consoles: [(port: Int, log: URL, process: ChildProcess)] = []
            defer { for c in consoles { c.process.stop() } }
            for (name, provider, auth) in [("mock", mockPort, "client_secret_post"), ("bad", badPort, "client_secret_basic")] {
                let port = try DevBroker.freePort()
                let oidc = work.appendingPathComponent("oidc-\(name).yaml")
                try """
                name: Test Mock IdP
                issuer: http://127.0.0.1:\(provider)
                clientId: hx-console
                clientSecretFile: client-secret
                tokenEndpointAuth: \(auth)
                redirectUrl: http://localhost:\(port)/sign-in/oidc/callback
                scopes: [openid, profile]
                roleClaim: roles
                roles:
                  - value: HX.Operator
                    role: operator
                  - value: HX.Auditor
                    role: auditor
                """.write(to: oidc, atomically: true, encoding: .utf8)
                let log = work.appendingPathComponent("console-\(name).log")
                let process = try ChildProcess(
                    executable: RouterKillTests.hx.path,
                    arguments: ["console", "--listen", "127.0.0.1:\(port)", "--oidc", oidc.path, "--users", work.appendingPathComponent("none.yaml").path,
                                "--config", Place.root.appendingPathComponent("config").path, "--adapters", Place.root.appendingPathComponent("adapters").path,
                                "--audit-key-file", RouterKillTests.keyFile.path, "--sample-interval", "2",
                                "--bootstrap-servers", broker.bootstrapServers, "--index", work.appendingPathComponent("index-\(name).sqlite").path],
                    output: log)
                consoles.append((port, log, process))
            }
            for port in [mockPort, badPort] + consoles.map(\.port) {
                let deadline = ContinuousClock.now + .seconds(30)
                while !DevBroker.canConnect(port: port), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
                #expect(DevBroker.canConnect(port: port), "port \(port) listens")
            }

            try? FileManager.default.removeItem(at: Self.artifacts)
            let browser = try await runProgram(URL(fileURLWithPath: "/usr/bin/python3"), [
                Place.root.appendingPathComponent("scripts/console-oidc-browser-test.py").path,
                "--url", "http://localhost:\(consoles[0].port)", "--mock", "http://127.0.0.1:\(mockPort)",
                "--bad-url", "http://localhost:\(consoles[1].port)", "--bad-provider", "http://127.0.0.1:\(badPort)",
                "--artifacts", Self.artifacts.path,
            ], timeout: .seconds(240))
            let logs = consoles.map { (try? String(contentsOf: $0.log, encoding: .utf8)) ?? "" }
            #expect(browser.status == 0, "\(browser.output)\(browser.error)\nconsole logs:\n\(logs.joined(separator: "\n---\n"))")

            let shots = (try? FileManager.default.contentsOfDirectory(atPath: Self.artifacts.path)) ?? []
            #expect(shots.filter { $0.hasSuffix("-refused.png") }.count == 6, "\(shots)")

            // The auditor's search is in the audit log under the provider's subject, with the display name beside it.
            let access = try await rig.readAll(HXTopic.audit).map { try AuditRecord(wire: $0.value) }.filter { $0.kind == .auditorAccess }
            #expect(access.count == 1)
            #expect(access.first?.chainId == "auditor:oidc:audrey-oidc" && access.first?.details["actor"] == "oidc:audrey-oidc")
            #expect(access.first?.details["actorName"] == "Audrey Auditor")

            // Each refusal logged by its reason code, and nothing in either log names a person.
            for reason in ["oidc-no-role"] { #expect(logs[0].contains("reason=\(reason)"), "\(reason) in \(logs[0])") }
            for reason in ["oidc-bad-signature", "oidc-wrong-audience", "oidc-expired", "oidc-nonce-mismatch", "oidc-state-unknown"] {
                #expect(logs[1].contains("reason=\(reason)"), "\(reason) in \(logs[1])")
            }
            for personal in ["olive-oidc", "audrey-oidc", "nora-oidc", "Olive", "Audrey", "Nora", "test-subject-1", "Test Person"] {
                #expect(!logs.joined().contains(personal), "\(personal) must not be logged")
            }
        }
    }
}
