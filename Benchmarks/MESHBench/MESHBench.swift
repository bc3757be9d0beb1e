import Foundation
import HXMESH
import HXMESHSandbox

/// `make bench-mesh`: MESH messages sent per second by the Swift client to NHS Digital's MESH sandbox
/// (full HMAC authentication, file store, on loopback), one at a time and with several sends in
/// flight, each message a discharge-summary-sized body, gzip on. The sandbox is the limit measured
/// here, not MESH itself (whose own rate limits and latency are NHS England's); NHS England's
/// mesh-client sending the same messages to the same sandbox is the comparison.
///
///     mesh-bench [--messages 500] [--bytes 12000] [--concurrency 8]
@main
struct MESHBench {
    static func main() async throws {
        var messages = 500
        var bytes = 12_000
        var concurrency = 8
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--messages": messages = Int(arguments.next() ?? "") ?? messages
            case "--bytes": bytes = Int(arguments.next() ?? "") ?? bytes
            case "--concurrency": concurrency = Int(arguments.next() ?? "") ?? concurrency
            default:
                print("usage: mesh-bench [--messages N] [--bytes N] [--concurrency N]")
                return
            }
        }
        let mesh = try await MESHSandbox.start(mailboxes: ["HXEXCH01", "A81001OT"])
        defer { mesh.stop() }
        let client = try MESHClient(mesh.configuration(mailbox: "HXEXCH01"))
        try await client.handshake()
        let body = (0..<bytes).map { UInt8(truncatingIfNeeded: ($0 * 7919) % 61 + 40) }
        let message: @Sendable (Int, String) -> MESHOutgoingMessage = { n, run in
            MESHOutgoingMessage(to: "A81001OT", workflowID: "TOC_FHIR_IP_DISCH", localID: "\(run)-\(n)", body: body, compress: true)
        }
        for n in 0..<20 { _ = try await client.send(message(n, "warm")) }

        let sequentialStart = ContinuousClock.now
        for n in 0..<messages { _ = try await client.send(message(n, "seq")) }
        let sequential = Double(messages) / seconds(ContinuousClock.now - sequentialStart)

        let (total, inFlight) = (messages, concurrency)
        let parallelStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<inFlight {
                group.addTask {
                    for n in stride(from: worker, to: total, by: inFlight) { _ = try await client.send(message(n, "par")) }
                }
            }
            try await group.waitForAll()
        }
        let parallel = Double(messages) / seconds(ContinuousClock.now - parallelStart)
        await client.shutdown()
        // The same sends by NHS England's mesh-client (Python, one at a time) to the same sandbox.
        let python = try await mesh.peer(
            "bench", ["--mailbox", "HXEXCH01", "--to", "A81001OT", "--count", "\(messages)", "--bytes", "\(bytes)"], timeout: .seconds(600))
        let pythonRate = python.split(separator: "\n").last.map(String.init) ?? "?"
        print("MESH sandbox, \(messages) messages of \(bytes) bytes, gzip:")
        print(String(format: "  one at a time:      %7.1f messages/s", sequential))
        print(String(format: "  %2d in flight:       %7.1f messages/s", concurrency, parallel))
        print("  mesh-client (Python), one at a time: \(pythonRate) messages/s")
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
