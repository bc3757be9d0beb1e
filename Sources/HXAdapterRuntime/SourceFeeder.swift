import Foundation
import HL7v2
import NIOCore
import NIOPosix

/// Sends one input to a running adapter through the adapter's own source, the
/// way the organisation's system would: one MLLP frame (a batch stays one
/// frame) answered by an ACK, one HTTP POST answered by a status, or a file
/// written into the drop folder as `NAME.part` and renamed. `hx run` feeds the
/// sample files this way, so what it shows is what the adapters really do.
package enum SourceFeeder {
    /// Where an adapter takes its input.
    package enum Endpoint: Sendable, CustomStringConvertible {
        case mllp(host: String, port: Int)
        case http(host: String, port: Int, path: String)
        case folder(URL)

        package var description: String {
            switch self {
            case .mllp(let host, let port): "MLLP \(host):\(port)"
            case .http(let host, let port, let path): "HTTP POST http://\(host):\(port)\(path)"
            case .folder(let url): "drop folder \(url.appendingPathComponent("incoming").path)/"
            }
        }
    }

    /// What the adapter answered.
    package enum Answer: Sendable, Equatable, CustomStringConvertible {
        /// Every message is on Kafka (AA, 201, moved to `done/`).
        case accepted
        /// Rejected, with a dead letter on Kafka (AE, 400, moved to `rejected/`): the reason codes.
        case refused([String])
        /// Not taken: the sender keeps it and tries again later (AR, 503, still in `incoming/`).
        case notTaken(String)

        package var description: String {
            switch self {
            case .accepted: "accepted"
            case .refused(let codes): "refused [\(codes.joined(separator: ", "))], dead letter on hx.dlq.v1"
            case .notTaken(let why): "NOT taken: \(why)"
            }
        }
    }

    package struct FeedError: Error, CustomStringConvertible {
        package var description: String
    }

    /// Sends `bytes` (read from a file called `name`) and waits at most `timeout` for the answer.
    package static func send(_ bytes: [UInt8], name: String, to endpoint: Endpoint, timeout: Duration = .seconds(30)) async throws -> Answer {
        switch endpoint {
        case .mllp(let host, let port): try await mllp(bytes, host: host, port: port, timeout: timeout)
        case .http(let host, let port, let path): try await http(bytes, name: name, host: host, port: port, path: path, timeout: timeout)
        case .folder(let folder): try await drop(bytes, name: name, folder: folder, timeout: timeout)
        }
    }

    static func mllp(_ bytes: [UInt8], host: String, port: Int, timeout: Duration) async throws -> Answer {
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MLLPFrameHandler(maxFrameSize: 1 << 20)))
                    return try NIOAsyncChannel<MLLPInbound, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let timer = closing(connection.channel, after: timeout)
        defer { timer.cancel() }
        let reply: [UInt8]? = try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: MLLP.frame(bytes)))
            var iterator = inbound.makeAsyncIterator()
            guard case .frame(let reply, _)? = try? await iterator.next() else { return nil }
            return reply
        }
        guard let reply, let ack = try? HL7Message(reply), let code = ack["MSA-1"] else {
            throw FeedError(description: "no acknowledgement from MLLP \(host):\(port) within \(timeout)")
        }
        switch code {
        case "AA", "CA": return .accepted
        // MSA-3 reads "CODE at LOCATION": only the code is kept.
        case "AE", "CE": return .refused([String((ack["MSA-3"] ?? "").split(separator: " ").first ?? "")])
        default: return .notTaken(ack["MSA-3"] ?? code)
        }
    }

    static func http(_ bytes: [UInt8], name: String, host: String, port: Int, path: String, timeout: Duration) async throws -> Answer {
        let type = name.lowercased().hasSuffix(".xml") ? "application/fhir+xml" : "application/fhir+json"
        let head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: \(type)\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let timer = closing(connection.channel, after: timeout)
        defer { timer.cancel() }
        // `Connection: close`: the whole response is what arrives before the server closes.
        let response: [UInt8] = try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: Array(head.utf8) + bytes))
            var data: [UInt8] = []
            do {
                for try await chunk in inbound { data += chunk.readableBytesView }
            } catch {
                // Closed by the timer: judged on what arrived.
            }
            return data
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first, let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw FeedError(description: "no HTTP answer from \(host):\(port)\(path) within \(timeout)")
        }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        switch status {
        case 200..<300: return .accepted
        case 400..<500 where status != 429: return .refused(reasonCodes(operationOutcome: body))
        default: return .notTaken("HTTP \(status)")
        }
    }

    /// The reason codes in an OperationOutcome's `issue[].details.coding[].code`.
    static func reasonCodes(operationOutcome body: String) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let issues = object["issue"] as? [[String: Any]] else { return [] }
        return issues.compactMap { issue in
            ((issue["details"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String
        }
    }

    static func drop(_ bytes: [UInt8], name: String, folder: URL, timeout: Duration) async throws -> Answer {
        let incoming = folder.appendingPathComponent("incoming")
        let done = folder.appendingPathComponent("done").appendingPathComponent(name)
        let rejected = folder.appendingPathComponent("rejected").appendingPathComponent(name)
        let fm = FileManager.default
        try fm.createDirectory(at: incoming, withIntermediateDirectories: true)
        // Written under a name the adapter ignores, then renamed: it never sees half a file.
        let part = incoming.appendingPathComponent(name + ".part")
        try Data(bytes).write(to: part)
        try fm.moveItem(at: part, to: incoming.appendingPathComponent(name))
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if fm.fileExists(atPath: done.path) { return .accepted }
            if fm.fileExists(atPath: rejected.path) {
                // The errors file is written before the input is moved: it is whole by now.
                let errors = (try? String(contentsOf: URL(fileURLWithPath: rejected.path + ".errors.jsonl"), encoding: .utf8)) ?? ""
                return .refused(errors.split(separator: "\n").compactMap { line in
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["code"] as? String
                })
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return .notTaken("still in \(incoming.path)/ after \(timeout)")
    }

    /// Closes `channel` when `timeout` passes, which ends any read waiting on it.
    static func closing(_ channel: any Channel, after timeout: Duration) -> Scheduled<Void> {
        channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { channel.close(promise: nil) }
    }
}
