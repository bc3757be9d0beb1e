import Foundation
import HXAdapterRecords
import HXCanonical
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Watches `FOLDER/incoming/` by polling and hands each complete file to the
/// intake. A file leaves `incoming/` only once its fate is on Kafka: to
/// `done/` when every message was confirmed, to `rejected/` (with
/// `NAME.errors.jsonl`: code and location per rejected message) once the dead
/// letters were confirmed. When Kafka fails, or the move itself fails (a full
/// disk), the file stays where it is and is tried again on a later scan;
/// a retry gives the same message ids, so nothing is doubled downstream. A file
/// Kafka has confirmed is not sent again while only its move keeps failing.
///
/// Senders write `NAME.part` (or `.NAME`) and rename it when complete:
/// such names are ignored.
package final class DropFolderSource: Service, Sendable {
    package let folder: URL
    let intake: AdapterIntake
    let pollInterval: Duration
    let logger: Logger
    let move: @Sendable (URL, URL) throws -> Void
    /// Files whose records Kafka confirmed but which could not be moved yet, by path, with
    /// the digest of the bytes sent: a later scan of the same bytes only retries the move.
    /// Sending the file again on every scan instead would, through a long disk-full night,
    /// put thousands of copies of each message on the topics (measured: one per scan).
    private let unmoved = Mutex<[String: Unmoved]>([:])

    struct Unmoved: Sendable {
        var digest: String
        var result: IntakeResult
    }

    package var incoming: URL { folder.appendingPathComponent("incoming") }
    package var done: URL { folder.appendingPathComponent("done") }
    package var rejected: URL { folder.appendingPathComponent("rejected") }

    /// - Parameter move: renames a file (tests inject failures here); the default is `rename(2)`,
    ///   which is atomic: the file is in one place or the other, never lost.
    package init(folder: URL, intake: AdapterIntake, pollInterval: Duration = .milliseconds(500),
                logger: Logger = Logger(label: "hx.adapter.folder"),
                move: @escaping @Sendable (URL, URL) throws -> Void = DropFolderSource.rename) {
        self.folder = folder
        self.intake = intake
        self.pollInterval = pollInterval
        self.logger = logger
        self.move = move
    }

    package func run() async throws {
        try createFolders()
        logger.info("drop folder watched", metadata: ["hx.adapter": "\(intake.configuration.name)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // A scan is never interrupted: the file in hand finishes before shutdown completes.
            _ = await scanOnce()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.pollInterval) }
        }
        logger.info("drop folder no longer watched", metadata: ["hx.adapter": "\(intake.configuration.name)"])
    }

    package func createFolders() throws {
        for url in [incoming, done, rejected] {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
    }

    package struct ScanSummary: Sendable, Equatable {
        package var done = 0
        package var rejected = 0
        /// Left in `incoming/` for a later scan (Kafka or the file system failed).
        package var retryLater = 0
    }

    /// Processes every complete file now in `incoming/`, oldest name first.
    package func scanOnce() async -> ScanSummary {
        var summary = ScanSummary()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: incoming.path)) ?? [])
            .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".part") && !$0.hasSuffix(".errors.jsonl") }
            .sorted()
        // Forget files that left incoming/ some other way.
        let paths = Set(names.map { incoming.appendingPathComponent($0).path })
        unmoved.withLock { $0 = $0.filter { paths.contains($0.key) } }
        for name in names {
            if Task.isShuttingDownGracefully { break }
            let file = incoming.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            switch await process(file) {
            case .done: summary.done += 1
            case .rejected: summary.rejected += 1
            case .retryLater: summary.retryLater += 1
            }
        }
        return summary
    }

    enum FileOutcome { case done, rejected, retryLater }

    func process(_ file: URL) async -> FileOutcome {
        let name = file.lastPathComponent
        let bytes: [UInt8]
        do {
            bytes = try readInput(file)
        } catch {
            logger.warning("drop file not readable; will retry", metadata: ["hx.file-error": "\(type(of: error))"])
            return .retryLater
        }
        let earlier = unmoved.withLock { $0[file.path] }.flatMap { $0.digest == Digests.sha1Hex(bytes) ? $0.result : nil }
        let result = if let earlier { earlier } else { await intake.handle(bytes, receivedAt: .now) }
        switch result {
        case .retryLater:
            return .retryLater
        case .accepted(let receipt):
            do {
                try move(file, destination(in: done, name: name))
                moved(file, after: earlier)
                logger.info("drop file handed off", metadata: ["hx.messages": "\(receipt.canonicalMessageIDs.count + receipt.identityFacts)"])
                return .done
            } catch {
                notMoved(file, bytes: bytes, result: result, retried: earlier != nil, "drop file on Kafka but not moved to done/; will retry", error)
                return .retryLater
            }
        case .rejected(let receipt):
            do {
                let target = destination(in: rejected, name: name)
                try writeErrors(receipt.rejections, to: rejected.appendingPathComponent(target.lastPathComponent + ".errors.jsonl"))
                try move(file, target)
                moved(file, after: earlier)
                logger.info("drop file rejected, dead letters confirmed", metadata: [
                    "hx.rejected": "\(receipt.rejections.count)",
                    "hx.accepted": "\(receipt.canonicalMessageIDs.count + receipt.identityFacts)",
                ])
                return .rejected
            } catch {
                notMoved(file, bytes: bytes, result: result, retried: earlier != nil, "drop file dead-lettered but not moved to rejected/; will retry", error)
                return .retryLater
            }
        }
    }

    /// Counted every time; logged as a warning once per file, not on every scan of a long outage.
    private func notMoved(_ file: URL, bytes: [UInt8], result: IntakeResult, retried: Bool, _ message: Logger.Message, _ error: any Error) {
        intake.telemetry.recordFileFailure()
        if !retried { unmoved.withLock { $0[file.path] = Unmoved(digest: Digests.sha1Hex(bytes), result: result) } }
        logger.log(level: retried ? .debug : .warning, message, metadata: ["hx.file-error": "\(Self.describe(error))"])
    }

    private func moved(_ file: URL, after earlier: IntakeResult?) {
        guard earlier != nil else { return }
        unmoved.withLock { $0[file.path] = nil }
        logger.notice("drop file moved after earlier file system failures; it was not sent again")
    }

    /// The cause, without the path: a feed's file names may say whom a file is about.
    static func describe(_ error: any Error) -> String {
        if let move = error as? MoveError { return move.description }
        let error = error as NSError
        // Foundation's file errors wrap the system's (ENOSPC...), which says it plainly.
        if let underlying = (error.userInfo[NSUnderlyingErrorKey] as? any Error).map({ $0 as NSError }), underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        return "\(error.domain) \(error.code)"
    }

    /// Reads the file, at most one byte past the adapter's limit: the translator
    /// rejects it as too large, and the whole file stays in `rejected/`.
    func readInput(_ file: URL) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        let data = try handle.read(upToCount: intake.configuration.maxInputBytes + 1) ?? Data()
        return [UInt8](data)
    }

    /// `dir/name`, or `dir/name.N` when a file of that name was already handled.
    func destination(in directory: URL, name: String) -> URL {
        var candidate = directory.appendingPathComponent(name)
        var n = 1
        while FileManager.default.fileExists(atPath: candidate.path) {
            candidate = directory.appendingPathComponent("\(name).\(n)")
            n += 1
        }
        return candidate
    }

    /// One JSON object per rejected message: code, location, dead letter id. No message text
    /// (it may quote patient data). Written to a hidden file first, then renamed into place.
    func writeErrors(_ rejections: [Rejection], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for rejection in rejections {
            out.append(try encoder.encode(rejection))
            out.append(UInt8(ascii: "\n"))
        }
        let temporary = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".tmp")
        do {
            // A write cut short (a full disk) leaves no part-written file behind either.
            try out.write(to: temporary)
            try move(temporary, url)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    package struct MoveError: Error, CustomStringConvertible {
        package var errno: Int32
        package var description: String { "rename failed: \(String(cString: strerror(errno)))" }
    }

    /// `rename(2)`: atomic within one file system, so a failure leaves the file where it was.
    @Sendable package static func rename(_ from: URL, _ to: URL) throws {
        if Glibc.rename(from.path, to.path) != 0 { throw MoveError(errno: errno) }
    }
}
