import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP answer, as a test looks at it.
package struct HTTPReply: Sendable {
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: String

    /// The first header of that name (case-insensitive).
    package func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    package func headers(_ name: String) -> [String] { headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value) }
}

/// Cookies as a browser keeps them for one site: set by `Set-Cookie`, removed by `Max-Age=0`.
package struct CookieJar: Sendable {
    package var cookies: [String: String] = [:]
    package init() {}

    package mutating func take(_ reply: HTTPReply) {
        for line in reply.headers("Set-Cookie") {
            let parts = line.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let pair = parts.first, let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals]), value = String(pair[pair.index(after: equals)...])
            if parts.contains("Max-Age=0") || value.isEmpty { cookies[name] = nil } else { cookies[name] = value }
        }
    }

    package var header: [(String, String)] {
        cookies.isEmpty ? [] : [("Cookie", cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))]
    }
}

/// `application/x-www-form-urlencoded`.
package func formBody(_ pairs: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
}

/// One HTTP/1.1 request to 127.0.0.1:`port` on a connection of its own (NIO, so no thread
/// waits); redirects are returned, not followed. Throws when the server cannot be reached
/// or does not answer in `timeout`.
package func httpRequest(port: Int, method: String = "GET", path: String, headers: [(String, String)] = [], body: String? = nil,
                        timeout: Duration = .seconds(30)) async throws -> HTTPReply {
    let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connectTimeout(.seconds(5))
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
            }
        }
    let channel = connection.channel
    let timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout.components.seconds) * 1000)) { channel.close(promise: nil) }
    defer { timer.cancel() }
    return try await connection.executeThenClose { inbound, outbound in
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path)
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body {
            head.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            head.headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        }
        try await outbound.write(.head(head))
        if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body)))) }
        try await outbound.write(.end(nil))
        var reply = HTTPReply(status: 0, headers: [], body: "")
        for try await part in inbound {
            switch part {
            case .head(let response):
                reply.status = Int(response.status.code)
                reply.headers = response.headers.map { ($0.name, $0.value) }
            case .body(let chunk):
                reply.body += String(buffer: chunk)
            case .end:
                return reply
            }
        }
        throw HTTPIncomplete(path: path)
    }
}

package struct HTTPIncomplete: Error, CustomStringConvertible {
    package var path: String
    package var description: String { "no complete HTTP answer for \(path)" }
}
