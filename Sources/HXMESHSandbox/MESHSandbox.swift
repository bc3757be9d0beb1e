import AsyncHTTPClient
import Foundation
import HXDevBroker
import HXMESH
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// NHS Digital's MESH sandbox (PyPI `mesh-sandbox`, in the repository's `.venv` that
/// `scripts/setup.sh` makes) under uvicorn on a free loopback port, in a folder of its own: the real
/// MESH API v2 with full `NHSMESH` authentication and a known shared key. Tests, benchmarks and
/// `hx run` (its stand-in for MESH and the GP practices' mailboxes) start it.
///
///     let mesh = try await MESHSandbox.start(mailboxes: ["HXEXCH01", "A81001OT"])
///     defer { mesh.stop() }
///     let client = try MESHClient(mesh.configuration(mailbox: "HXEXCH01"))
///
/// Every mailbox's password is `password` (the sandbox's, for mailboxes it finds as folders). The
/// admin API puts REPORT messages into a mailbox (`injectReport`), as MESH does for a non-delivery.
/// `tls` starts it on HTTPS that asks every client for a certificate signed by the given CA.
/// Each message lands in `folder/mailboxes/<MAILBOX>/in/` (its metadata as `<id>.json`, its body in chunks).
package final class MESHSandbox: Sendable {
    package static let sharedKey = "HXSandboxSharedKey"
    package static let password = "password"

    package let port: Int
    package let folder: URL
    package let tls: TLS?
    /// Where `.venv` and `scripts/` are.
    package let root: URL
    /// Whether `stop()` leaves the folder (one the caller chose) for people to look at.
    private let keepFolder: Bool
    private let process: ChildProcess
    private let logFile: URL
    private let admin: HTTPClient

    /// The files an HTTPS sandbox is started with, and those its clients need.
    package struct TLS: Sendable {
        package var serverCertificate: String
        package var serverKey: String
        /// The CA that signed both the server's and the clients' certificates.
        package var caCertificate: String
        /// A client certificate and key the sandbox accepts.
        package var clientCertificate: String
        package var clientKey: String

        package init(serverCertificate: String, serverKey: String, caCertificate: String, clientCertificate: String, clientKey: String) {
            self.serverCertificate = serverCertificate
            self.serverKey = serverKey
            self.caCertificate = caCertificate
            self.clientCertificate = clientCertificate
            self.clientKey = clientKey
        }

        /// The client side for `MESHConfiguration.tls`.
        package var clientFiles: MESHTLSFiles {
            MESHTLSFiles(certificate: clientCertificate, privateKey: clientKey, caCertificates: caCertificate)
        }
    }

    package enum Failure: Error, CustomStringConvertible {
        case noVirtualEnvironment(String)
        case didNotStart(port: Int, log: String)
        case admin(String)

        package var description: String {
            switch self {
            case .noVirtualEnvironment(let python):
                "no \(python): run scripts/setup.sh (it installs mesh-sandbox and uvicorn into .venv)"
            case .didNotStart(let port, let log): "the MESH sandbox did not answer on 127.0.0.1:\(port); its log: \(log)"
            case .admin(let problem): "MESH sandbox admin: \(problem)"
            }
        }
    }

    private init(port: Int, folder: URL, tls: TLS?, root: URL, keepFolder: Bool, process: ChildProcess, logFile: URL, admin: HTTPClient) {
        self.port = port
        self.folder = folder
        self.tls = tls
        self.root = root
        self.keepFolder = keepFolder
        self.process = process
        self.logFile = logFile
        self.admin = admin
    }

    /// The repository's root, from this file's place in it.
    package static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The virtual environment's Python (`HX_PYTHON` overrides).
    package static var python: String { python(root: repositoryRoot) }

    /// The Python of the virtual environment under `root` (`HX_PYTHON` overrides).
    package static func python(root: URL) -> String {
        ProcessInfo.processInfo.environment["HX_PYTHON"] ?? root.appendingPathComponent(".venv/bin/python").path
    }

    /// This sandbox's Python, the one its peers' scripts run with.
    package var python: String { Self.python(root: root) }

    /// Starts a sandbox with these mailboxes (upper case ids) and returns once it answers.
    /// - Parameters:
    ///   - folder: where its mailboxes are kept, emptied first and left at `stop()` (default: a new
    ///     temporary folder, removed at `stop()`).
    ///   - root: the checkout whose `.venv` and `scripts/` are used (default: this source file's;
    ///     `hx run` passes its working directory, as a built `hx` may have moved).
    package static func start(mailboxes: [String], tls: TLS? = nil, folder chosen: URL? = nil, root: URL = repositoryRoot) async throws -> MESHSandbox {
        let python = python(root: root)
        guard FileManager.default.isExecutableFile(atPath: python) else { throw Failure.noVirtualEnvironment(python) }
        let folder = chosen ?? FileManager.default.temporaryDirectory.appendingPathComponent("hx-mesh-\(UUID().uuidString)")
        if chosen != nil { try? FileManager.default.removeItem(at: folder) }
        let store = folder.appendingPathComponent("mailboxes")
        // The sandbox's file store makes a mailbox of every folder it finds here at start.
        for mailbox in mailboxes {
            try FileManager.default.createDirectory(
                at: store.appendingPathComponent(mailbox.uppercased()).appendingPathComponent("in"), withIntermediateDirectories: true)
        }
        var attempt = 1
        while true {
            let port = try DevBroker.freePort()
            do {
                return try await start(port: port, folder: folder, store: store, tls: tls, root: root, keepFolder: chosen != nil)
            } catch Failure.didNotStart where attempt < 3 {
                attempt += 1  // the port was taken between choosing and binding it
            }
        }
    }

    private static func start(port: Int, folder: URL, store: URL, tls: TLS?, root: URL, keepFolder: Bool) async throws -> MESHSandbox {
        let python = python(root: root)
        let logFile = folder.appendingPathComponent("sandbox-\(port).log")
        // ChildProcess passes our environment on; /usr/bin/env adds the sandbox's settings to it.
        var arguments = [
            "AUTH_MODE=full", "STORE_MODE=file", "FILE_STORE_DIR=\(store.path)", "SHARED_KEY=\(sharedKey)", "ENV=hx-test",
            python, "-m", "uvicorn", "mesh_sandbox.api:app", "--host", "127.0.0.1", "--port", "\(port)", "--log-level", "warning",
        ]
        if let tls {
            arguments += [
                "--ssl-certfile", tls.serverCertificate, "--ssl-keyfile", tls.serverKey, "--ssl-ca-certs", tls.caCertificate,
                "--ssl-cert-reqs", "2",
            ]
        }
        let process = try ChildProcess(executable: "/usr/bin/env", arguments: arguments, output: logFile)
        var settings = HTTPClient.Configuration()
        if let tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(tls.clientCertificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: tls.clientKey, format: .pem))
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(tls.caCertificate))
            settings.tlsConfiguration = configuration
        }
        let admin = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        let sandbox = MESHSandbox(port: port, folder: folder, tls: tls, root: root, keepFolder: keepFolder, process: process, logFile: logFile, admin: admin)

        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline && process.isRunning {
            if await sandbox.answers() { return sandbox }
            try await Task.sleep(for: .milliseconds(100))
        }
        // Once more after the deadline: a busy machine may have run this task late.
        if process.isRunning, await sandbox.answers() { return sandbox }
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        sandbox.stopProcess()
        try? await admin.shutdown()
        throw Failure.didNotStart(port: port, log: log)
    }

    /// `http://127.0.0.1:{port}`, or https with `tls`.
    package var baseURL: String { "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)" }

    /// A client configuration for one of the sandbox's mailboxes (with the client certificate under TLS).
    package func configuration(mailbox: String, sharedKey: String = MESHSandbox.sharedKey, chunkSize: Int = 20 * 1024 * 1024) -> MESHConfiguration {
        MESHConfiguration(
            baseURL: baseURL, mailbox: mailbox, password: Self.password, sharedKey: sharedKey, tls: tls?.clientFiles,
            chunkSize: chunkSize, requestTimeout: .seconds(30))
    }

    /// The sandbox's log so far (uvicorn's warnings and errors).
    package var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    private func answers() async -> Bool {
        var request = HTTPClientRequest(url: "\(baseURL)/health")
        request.method = .GET
        guard let response = try? await admin.execute(request, timeout: .seconds(2)) else { return false }
        _ = try? await response.body.collect(upTo: 1 << 20)
        return response.status.code == 200
    }

    // MARK: Admin API (the sandbox's own, for tests only)

    /// Puts a REPORT into `mailbox`'s inbox, as MESH does when it cannot deliver a message:
    /// `POST /messageexchange/admin/report`. Returns the report's message id.
    package func injectReport(
        to mailbox: String, workflowID: String, linkedMessageID: String?, localID: String? = nil, code: String = "14",
        description: String = "Message not collected by recipient after 5 days", status: String = "undeliverable"
    ) async throws -> String {
        var fields: [String: Any] = [
            "mailbox_id": mailbox, "code": code, "description": description, "workflow_id": workflowID, "status": status,
        ]
        if let linkedMessageID { fields["linked_message_id"] = linkedMessageID }
        if let localID { fields["local_id"] = localID }
        let answer = try await call(.POST, "/messageexchange/admin/report", json: fields)
        guard let id = answer["message_id"] as? String else { throw Failure.admin("no message_id in the report's answer") }
        return id
    }

    /// The sandbox's own record of a message (`GET /messageexchange/admin/message/{id}`): status, events, metadata.
    package func messageDetails(_ messageID: String) async throws -> [String: Any] {
        try await call(.GET, "/messageexchange/admin/message/\(messageID)", json: nil)
    }

    /// Empties one mailbox's inbox (`DELETE /admin/reset/{mailbox}`).
    package func reset(mailbox: String) async throws {
        _ = try await call(.DELETE, "/admin/reset/\(mailbox)", json: nil)
    }

    private func call(_ method: HTTPMethod, _ path: String, json: [String: Any]?) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await admin.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 24)
        guard response.status.code == 200 else {
            throw Failure.admin("\(method) \(path): HTTP \(response.status.code) \(String(buffer: body))")
        }
        if body.readableBytes == 0 { return [:] }
        return (try JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    // MARK: NHS England's mesh-client as the other party

    /// Runs `scripts/mesh-peer.py` (NHS England's mesh-client) against this sandbox: `command` is
    /// `send` or `receive`, with `--url` and `--shared-key` filled in. Its standard output.
    package func peer(_ command: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> String {
        try await runScript("mesh-peer.py", [command, "--url", baseURL, "--shared-key", Self.sharedKey] + arguments, timeout: timeout)
    }

    /// One pass of `scripts/mesh-practice.py` over these practice mailboxes: each message downloaded,
    /// acknowledged and answered with the ITK3 responses it asks for. Its JSON lines.
    package func practiceOnce(mailboxes: [String], _ arguments: [String] = [], timeout: Duration = .seconds(60)) async throws -> String {
        try await runScript(
            "mesh-practice.py",
            ["--url", baseURL, "--shared-key", Self.sharedKey, "--once"] + mailboxes.flatMap { ["--mailbox", $0] } + arguments,
            timeout: timeout)
    }

    /// `scripts/mesh-practice.py` running on, polling these practice mailboxes every `interval`
    /// and answering what arrives (`--once` aside, the same arguments as `practiceOnce`); its
    /// JSON lines go to `output`. The caller stops it.
    package func practice(mailboxes: [String], interval: Duration, _ arguments: [String] = [], output: URL) throws -> ChildProcess {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        return try ChildProcess(
            executable: python,
            arguments: [root.appendingPathComponent("scripts/mesh-practice.py").path, "--url", baseURL, "--shared-key", Self.sharedKey,
                        "--interval", String(seconds)] + mailboxes.flatMap { ["--mailbox", $0] } + arguments,
            output: output)
    }

    private func runScript(_ name: String, _ arguments: [String], timeout: Duration) async throws -> String {
        let script = root.appendingPathComponent("scripts/\(name)").path
        let output = folder.appendingPathComponent("\(name)-\(UUID().uuidString).out")
        let command = arguments.first ?? name
        let process = try ChildProcess(executable: python, arguments: [script] + arguments, output: output)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { process.stop() }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard process.status == 0 else { throw Failure.admin("\(name) \(command) failed: \(text)") }
        return text
    }

    /// A proxy in front of this sandbox that passes each request on and drops the connection instead
    /// of answering (`mesh-peer.py lose-answers`): a send through it reaches MESH but its answer is lost.
    package func answerLosingProxy() async throws -> AnswerLosingProxy {
        let port = try DevBroker.freePort()
        let script = root.appendingPathComponent("scripts/mesh-peer.py").path
        let process = try ChildProcess(
            executable: python, arguments: [script, "lose-answers", "--port", "\(port)", "--target-port", "\(self.port)"],
            output: folder.appendingPathComponent("proxy-\(port).log"))
        let deadline = ContinuousClock.now + .seconds(15)
        while process.isRunning && ContinuousClock.now < deadline {
            if DevBroker.canConnect(port: port) { return AnswerLosingProxy(port: port, process: process) }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.stop()
        throw Failure.admin("the answer-losing proxy did not listen on 127.0.0.1:\(port)")
    }

    package struct AnswerLosingProxy: Sendable {
        package let port: Int
        fileprivate let process: ChildProcess
        package var baseURL: String { "http://127.0.0.1:\(port)" }
        package func stop() { process.stop() }
    }

    // MARK: Stopping

    /// Stops the sandbox and removes its folder (unless the caller chose it). Idempotent.
    package func stop() {
        stopProcess()
        let admin = self.admin
        // The admin client is shut down without waiting: stop() is called from `defer`, outside async code.
        admin.shutdown { _ in }
        if !keepFolder { try? FileManager.default.removeItem(at: folder) }
    }

    private func stopProcess() { process.stop() }

    /// Whether the uvicorn process is still running.
    package var isRunning: Bool { process.isRunning }
}
