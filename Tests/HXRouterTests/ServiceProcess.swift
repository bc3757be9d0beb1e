import Foundation
import HXDevBroker

#if canImport(Glibc)
import Glibc
#endif

/// One long-running `hx` service (adapter, router, console) as a child process, the way a
/// supervisor runs it: started, killed with SIGKILL, started again with the same arguments.
/// Each start logs to a file of its own (`NAME-N.log` in `logDirectory`). Waits poll with
/// `Task.sleep`; nothing here blocks a thread of the pool.
final class ServiceProcess: @unchecked Sendable {
    let name: String
    let arguments: [String]
    let logDirectory: URL
    private let lock = NSLock()
    private var process: ChildProcess?
    private var starts = 0

    init(_ name: String, _ arguments: [String], logDirectory: URL) throws {
        self.name = name
        self.arguments = arguments
        self.logDirectory = logDirectory
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        try start()
    }

    /// Starts the service (again, after `kill`).
    func start() throws {
        try lock.withLock {
            process = try ChildProcess(executable: RouterKillTests.hx.path, arguments: arguments,
                                       output: logDirectory.appendingPathComponent("\(name)-\(starts).log"))
            starts += 1
        }
    }

    private var current: ChildProcess? { lock.withLock { process } }

    /// The log of the latest start.
    var log: URL { lock.withLock { logDirectory.appendingPathComponent("\(name)-\(max(starts - 1, 0)).log") } }

    /// What every start logged, in order.
    var logs: String {
        let count = lock.withLock { starts }
        return (0..<count).map { (try? String(contentsOf: logDirectory.appendingPathComponent("\(name)-\($0).log"), encoding: .utf8)) ?? "" }
            .joined(separator: "\n")
    }

    var isRunning: Bool { current?.isRunning ?? false }

    /// SIGKILL (no chance to finish anything), and returns once the process is gone.
    func kill() async throws {
        guard let process = current else { return }
        process.signal(SIGKILL)
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
    }

    /// SIGTERM, then SIGKILL after `grace`; returns once the process is gone.
    func stop(grace: Duration = .seconds(10)) async {
        guard let process = current else { return }
        process.signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        process.signal(SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }

    /// For `defer`: kills the process without waiting (it is reaped by a later `isRunning`, or at exit).
    func killNow() { current?.signal(SIGKILL) }

    /// Waits until the service accepts connections on `port` of 127.0.0.1; false if it ended or `timeout` passed.
    func waitUntilListening(port: Int, timeout: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, isRunning {
            if DevBroker.canConnect(port: port) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return isRunning && DevBroker.canConnect(port: port)
    }

    /// Waits until the latest start's log holds `text`; false if it ended or `timeout` passed.
    func waitForLog(_ text: String, timeout: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, isRunning {
            if let log = try? String(contentsOf: log, encoding: .utf8), log.contains(text) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return (try? String(contentsOf: log, encoding: .utf8))?.contains(text) ?? false
    }
}
