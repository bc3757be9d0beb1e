import Foundation
import HXKafkaTestSupport
import HXAccess
import HXDevBroker
import Testing

/// Certificates made by the test with openssl: a CA, and a certificate for 127.0.0.1 signed by it.
struct TestCertificates {
    let directory: URL
    var ca: String { directory.appendingPathComponent("ca.pem").path }
    var certificate: String { directory.appendingPathComponent("client.pem").path }
    var key: String { directory.appendingPathComponent("client.key").path }

    static func make() async throws -> TestCertificates {
        let directory = try temporaryDirectory("hx-certs")
        let openssl = URL(fileURLWithPath: "/usr/bin/openssl")
        let d = directory.path
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem", "-days", "1", "-subj", "/CN=hx-test-ca"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(d)/client.key", "-out", "\(d)/client.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "\(d)/client.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key", "-CAcreateserial", "-out", "\(d)/client.pem", "-days", "1"],
        ]
        for step in steps {
            let result = try await runProgram(openssl, step, directory: repositoryRoot)
            guard result.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl \(step[0]): \(result.error)"]) }
        }
        return TestCertificates(directory: directory)
    }
}

@Suite("Kafka TLS and SASL files are checked before a service starts")
struct CredentialFileTests {
    static func read(_ files: [String: String]) -> (String) -> CredentialFiles.ReadResult {
        { path in files[path].map { .bytes(Array($0.utf8)) } ?? .missing }
    }

    static let certificate = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0Zk\n-----END CERTIFICATE-----\n"
    static let key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEG\n-----END PRIVATE KEY-----\n"

    @Test("missing, non-PEM, wrongly-kinded and half-given files are each named with a stable reason")
    func reasons() {
        func reasons(_ settings: CredentialFiles.Settings, _ files: [String: String]) -> [CredentialFileProblem.Reason] {
            CredentialFiles.problems(settings, read: Self.read(files)).map(\.reason)
        }
        #expect(reasons(.init(tls: true, sasl: false, ca: "/ca.pem"), ["/ca.pem": Self.certificate]) == [])
        #expect(reasons(.init(tls: true, sasl: false, ca: "/ca.pem"), [:]) == [.missing])
        #expect(reasons(.init(tls: true, sasl: false, ca: "/ca.pem"), ["/ca.pem": "hello"]) == [.notPEM])
        #expect(reasons(.init(tls: true, sasl: false, ca: "/ca.pem"), ["/ca.pem": "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n"]) == [.notPEM])
        #expect(reasons(.init(tls: true, sasl: false, ca: "/ca.pem"), ["/ca.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n"]) == [.notPEM])
        #expect(reasons(.init(tls: true, sasl: false, ca: "/k"), ["/k": Self.key]) == [.wrongPEMKind])
        #expect(reasons(.init(tls: true, sasl: false, certificate: "/c", key: "/k"), ["/c": Self.certificate, "/k": Self.certificate]) == [.wrongPEMKind])
        #expect(reasons(.init(tls: true, sasl: false, certificate: "/c"), ["/c": Self.certificate]) == [.certificateWithoutKey])
        #expect(reasons(.init(tls: true, sasl: false, key: "/k"), ["/k": Self.key]) == [.keyWithoutCertificate])
        #expect(reasons(.init(tls: false, sasl: true, saslUsername: "hx-router", saslPasswordFile: "/pw"), [:]) == [.missing])
        #expect(reasons(.init(tls: false, sasl: true, saslUsername: "hx-router", saslPasswordFile: "/pw"), ["/pw": "\n"]) == [.empty])
        #expect(reasons(.init(tls: false, sasl: true, saslPasswordFile: "/pw"), ["/pw": "secret"]) == [.saslIncomplete])
        // Files of the transport not in use are not looked at.
        #expect(reasons(.init(tls: false, sasl: false, ca: "/nowhere"), [:]) == [])
    }

    /// A port nobody listens on: a service that got past the check would try to connect and time out.
    static let nowhere = ["--bootstrap-servers", "127.0.0.1:1"]

    @Test("every long-running service refuses to start (exit 78) naming the missing CA file", arguments: [
        ["router", "--instance", "t1", "--metrics-port", "0"],
        ["adapter", "run", "whh-pas-discharge", "--metrics-port", "0", "--mllp-port", "0"],
        ["audit", "index", "--follow", "--index", "/tmp/hx-never-created.sqlite"],
        ["topics", "apply"],
    ])
    func servicesRefuseMissingCA(command: [String]) async throws {
        let result = try await hx(command + Self.nowhere + ["--security-protocol", "ssl", "--ssl-ca", "/etc/hx/no-such-ca.pem"], timeout: .seconds(30))
        #expect(result.status == 78, "\(command): \(result.error)")
        #expect(result.error.contains("--ssl-ca (HX_KAFKA_CA) /etc/hx/no-such-ca.pem: no such file [file-missing]"), "\(command): \(result.error)")
    }

    @Test("the same checks apply to settings from the environment, as systemd units and containers give them")
    func environment() async throws {
        let directory = try temporaryDirectory("hx-env")
        defer { try? FileManager.default.removeItem(at: directory) }
        let notPEM = directory.appendingPathComponent("ca.pem")
        try "this is not a certificate\n".write(to: notPEM, atomically: true, encoding: .utf8)
        let result = try await hx(["router", "--instance", "t2", "--metrics-port", "0"], environment: [
            "HX_BOOTSTRAP_SERVERS": "127.0.0.1:1", "HX_KAFKA_SECURITY": "sasl_ssl", "HX_KAFKA_CA": notPEM.path,
            "HX_KAFKA_SASL_USERNAME": "hx-router", "HX_KAFKA_SASL_PASSWORD_FILE": directory.appendingPathComponent("missing").path,
        ], timeout: .seconds(30))
        #expect(result.status == 78)
        #expect(result.error.contains("\(notPEM.path): not a PEM file"), "\(result.error)")
        #expect(result.error.contains("--sasl-password-file (HX_KAFKA_SASL_PASSWORD_FILE) \(directory.path)/missing: no such file [file-missing]"))
    }

    @Test("a client key given where the certificate belongs is refused as the wrong kind of PEM")
    func swappedCertificateAndKey() async throws {
        let certs = try await TestCertificates.make()
        defer { try? FileManager.default.removeItem(at: certs.directory) }
        let result = try await hx(["topics", "apply"] + Self.nowhere + [
            "--security-protocol", "ssl", "--ssl-ca", certs.ca, "--ssl-certificate", certs.key, "--ssl-key", certs.certificate,
        ], timeout: .seconds(30))
        #expect(result.status == 78)
        #expect(result.error.contains("--ssl-certificate (HX_KAFKA_CERT) \(certs.key): holds PRIVATE KEY, not a CERTIFICATE [wrong-pem-kind]"), "\(result.error)")
        #expect(result.error.contains("--ssl-key (HX_KAFKA_KEY) \(certs.certificate): holds CERTIFICATE, not a PRIVATE KEY [wrong-pem-kind]"))
    }

    @Test("certificates made by openssl pass the check and reach librdkafka, which loads them")
    func validCertificatesAreAccepted() async throws {
        let certs = try await TestCertificates.make()
        defer { try? FileManager.default.removeItem(at: certs.directory) }
        let result = try await hx(["topics", "list", "--kafka-property", "socket.timeout.ms=3000"] + Self.nowhere + [
            "--security-protocol", "ssl", "--ssl-ca", certs.ca, "--ssl-certificate", certs.certificate, "--ssl-key", certs.key,
        ], timeout: .seconds(60))
        // Past the check (not 78), and librdkafka accepted the files (a bad one fails as kafka-config-invalid);
        // nothing listens on port 1, so the command then fails to connect.
        #expect(result.status != 78 && result.status != 0)
        #expect(!result.error.contains("Kafka security:"))
        #expect(!result.error.contains("kafka-config-invalid"), "\(result.error)")
    }
}

/// What the development broker (Tansu 0.6) does with TLS and SASL, measured (DEVELOPERS.md).
@Suite("Kafka security against the development broker")
struct DevBrokerSecurityTests {
    @Test("SASL/SCRAM-SHA-512: against a broker requiring authentication, hx's SCRAM exchange reaches the broker, and a client without SASL is refused")
    func scram() async throws {
        let port = try DevBroker.freePort()
        let url = "tcp://127.0.0.1:\(port)"
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tansu-auth-\(port).log")
        let broker = try ChildProcess(executable: try DevBroker.locateTansu(),
                                      arguments: ["broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine", "memory://tansu/", "--authentication"],
                                      output: log)
        defer { broker.stop() }
        let deadline = ContinuousClock.now + .seconds(10)
        while !DevBroker.canConnect(port: port) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let directory = try temporaryDirectory("hx-sasl")
        defer { try? FileManager.default.removeItem(at: directory) }
        let password = directory.appendingPathComponent("password")
        try "not-a-real-password\n".write(to: password, atomically: true, encoding: .utf8)
        let servers = ["--bootstrap-servers", "127.0.0.1:\(port)", "--kafka-property", "socket.timeout.ms=3000"]
        let sasl = try await hx(["topics", "list"] + servers + [
            "--security-protocol", "sasl_plaintext", "--sasl-username", "hx-router", "--sasl-password-file", password.path,
        ], timeout: .seconds(60))
        #expect(sasl.status != 0)
        // The broker answered the SCRAM client-first message: user names are checked. (No user can be
        // created on an in-memory Tansu that requires authentication, so a successful login is out of reach here.)
        #expect(sasl.error.contains("SASL SCRAM authentication failed: broker responded with unknown-user"), "\(sasl.error)")
        let plain = try await hx(["topics", "list"] + servers, timeout: .seconds(60))
        #expect(plain.status != 0)
        #expect(plain.error.contains("broker might require SASL authentication"), "\(plain.error)")
    }
}
