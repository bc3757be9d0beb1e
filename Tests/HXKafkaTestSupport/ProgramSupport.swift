import Foundation

package struct CommandResult: Sendable {
    package var status: Int32
    package var output: String
    package var error: String
}

/// Runs a program (in `directory`, else this process's) with `environment` added, waiting at most
/// `timeout`. Output goes through files and the wait polls: a pipe could fill and stall the child,
/// or be held open by a child another test starts meanwhile; and no thread of the pool is blocked.
package func runProgram(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil,
                       timeout: Duration = .seconds(60)) async throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("hx-deploy-out-\(UUID().uuidString)")
    let err = FileManager.default.temporaryDirectory.appendingPathComponent("hx-deploy-err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         output: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                         error: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

