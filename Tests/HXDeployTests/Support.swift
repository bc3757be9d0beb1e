import Foundation

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `hx` executable, built beside the test bundle (the target depends on it).
let hxExecutable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hx")

struct CommandResult {
    var status: Int32
    var output: String
    var error: String
}

/// Runs a program from the repository root with `environment` added, waiting at most `timeout`.
func runProgram(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                timeout: Duration = .seconds(60)) async throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
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
    // Files, not pipes: a chatty child cannot fill a pipe and stall.
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

func hx(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)) async throws -> CommandResult {
    try await runProgram(hxExecutable, arguments, environment: environment, timeout: timeout)
}

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
