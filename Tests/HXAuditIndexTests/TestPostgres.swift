import Foundation
import HXDevBroker
import Logging
import PostgresNIO
import Synchronization

/// One PostgreSQL server per test process, started on first use with
/// scripts/test-postgres.sh (initdb into a temporary directory, a free port on
/// 127.0.0.1, run as the postgres user when we are root) and stopped when the
/// process exits: by an exit handler, or by the script's watchdog if the
/// process is killed. Each test gets a database of its own, so tests run in parallel.
actor TestPostgres {
    static let shared = TestPostgres()

    struct Server: Sendable {
        var port: Int
        var directory: String
    }

    private var server: Server?
    private var starting: Task<Server, any Error>?

    /// A new, empty database; its URL.
    func newDatabase() async throws -> String {
        let server = try await running()
        let name = "hx_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try await Self.connect(port: server.port, database: "postgres")
        do {
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Self.logger)
        } catch {
            try? await admin.close()
            throw error
        }
        try await admin.close()
        return "postgres://postgres@127.0.0.1:\(server.port)/\(name)?sslmode=disable"
    }

    /// A raw connection to one test database (for tampering).
    static func connect(port: Int, database: String) async throws -> PostgresConnection {
        let config = PostgresConnection.Configuration(
            host: "127.0.0.1", port: port, username: "postgres", password: nil, database: database, tls: .disable)
        return try await PostgresConnection.connect(configuration: config, id: 1, logger: logger)
    }

    static let logger = Logger(label: "hx.test.postgres") { _ in SwiftLogNoOpLogHandler() }

    private func running() async throws -> Server {
        if let server { return server }
        if let starting { return try await starting.value }
        let task = Task { try await Self.start() }
        starting = task
        let started = try await task.value
        server = started
        return started
    }

    private static func start() async throws -> Server {
        let script = packageRoot.appendingPathComponent("scripts/test-postgres.sh").path
        var status: Int32 = 0
        // A free port can be taken by another test (a broker, a peer) between our asking and
        // the server binding it (seen in a full run): then start afresh on another port.
        for _ in 1...3 {
            let port = try DevBroker.freePort()
            // Directly under /tmp: the postgres user must be able to reach it.
            let directory = "/tmp/hx-audit-index-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            status = try await run(script, ["start", directory, String(port), String(getpid())])
            guard status == 0 else {
                _ = try? await run(script, ["stop", directory])
                continue
            }
            stopAtExit(script: script, directory: directory)
            return Server(port: port, directory: directory)
        }
        throw TestPostgresError.startFailed(status)
    }

    /// Stops the server when the test process ends normally.
    private static func stopAtExit(script: String, directory: String) {
        exitCommand.withLock { $0 = (script, directory) }
        atexit {
            guard let (script, directory) = TestPostgres.exitCommand.withLock({ $0 }) else { return }
            guard let p = try? ChildProcess(executable: script, arguments: ["stop", directory], output: nil) else { return }
            while p.isRunning { usleep(10_000) }
        }
    }

    private static let exitCommand = Mutex<(String, String)?>(nil)

    /// Runs a command to its end; its exit status. ChildProcess, not Foundation's
    /// Process, whose termination is never noticed from a test's threads here.
    static func run(_ executable: String, _ arguments: [String]) async throws -> Int32 {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hx-test-postgres-\(getpid()).log")
        let p = try ChildProcess(executable: executable, arguments: arguments, output: log)
        while p.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        let status = p.status ?? -1
        if status != 0, let text = try? String(contentsOf: log, encoding: .utf8) { print(text) }
        try? FileManager.default.removeItem(at: log)
        return (status >> 8) & 0xff
    }
}

enum TestPostgresError: Error {
    case startFailed(Int32)
}

/// The package root (holds scripts/).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
