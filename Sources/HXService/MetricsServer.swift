import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization

/// A minimal HTTP endpoint for operators: `GET /metrics` (Prometheus text
/// from the registry) and `GET /health` (200 while running, 503 once
/// stopping). Nothing else; no patient data passes through here.
package final class MetricsServer: Service, Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    package let port: Int
    let registry: PrometheusCollectorRegistry
    let component: String
    let logger: Logger
    private let server: NIOAsyncChannel<any Channel, Never>
    /// Open connections from accept on (see ConnectionTable).
    private let connections: ConnectionTable

    private init(port: Int, server: NIOAsyncChannel<any Channel, Never>, connections: ConnectionTable,
                 registry: PrometheusCollectorRegistry, component: String, logger: Logger) {
        self.port = port
        self.connections = connections
        self.server = server
        self.registry = registry
        self.component = component
        self.logger = logger
    }

    package static func bind(host: String, port: Int, registry: PrometheusCollectorRegistry, component: String,
                            logger: Logger = Logger(label: "hx.metrics")) async throws -> MetricsServer {
        let connections = ConnectionTable()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)  // until served: see AcceptedChannel
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    connections.register(child)
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    return child
                }
            }
        let bound = server.channel.localAddress?.port ?? port
        logger.info("metrics endpoint bound", metadata: ["http.port": "\(bound)"])
        return MetricsServer(port: bound, server: server, connections: connections, registry: registry, component: component, logger: logger)
    }

    package func run() async throws {
        try await serveConnections(of: server, stop: { self.stop() }, serve: { await self.serve($0) })
    }

    /// Closes the listening socket and every open connection (requests here are tiny and repeatable).
    package func stop() {
        connections.stop(listener: server.channel, includingBusy: true)
    }

    private func serve(_ channel: any Channel) async {
        let connection: Connection
        do {
            connection = try await AcceptedChannel.wrap(channel)
        } catch {
            channel.close(promise: nil)
            return
        }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var request: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let head): request = head
                    case .body: continue
                    case .end:
                        guard let head = request else { continue }
                        let (status, type, body) = respond(to: head)
                        var headers = HTTPHeaders([("content-type", type), ("content-length", String(body.count))])
                        if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
                        try await outbound.write(.head(HTTPResponseHead(version: head.version, status: status, headers: headers)))
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                        try await outbound.write(.end(nil))
                        if !head.isKeepAlive { return }
                        request = nil
                    }
                }
            }
        } catch {
            logger.debug("metrics connection ended with an error", metadata: ["error.type": "\(type(of: error))"])
        }
    }

    func respond(to head: HTTPRequestHead) -> (HTTPResponseStatus, String, [UInt8]) {
        guard head.method == .GET || head.method == .HEAD else {
            return (.methodNotAllowed, "text/plain; charset=utf-8", Array("method not allowed\n".utf8))
        }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        switch path {
        case "/metrics":
            return (.ok, "text/plain; version=0.0.4; charset=utf-8", registry.emitToBuffer())
        case "/health":
            let stopping = connections.isStopping
            let body = #"{"component":"\#(component)","status":"\#(stopping ? "stopping" : "up")"}"# + "\n"
            return (stopping ? .serviceUnavailable : .ok, "application/json", Array(body.utf8))
        default:
            return (.notFound, "text/plain; charset=utf-8", Array("not found\n".utf8))
        }
    }
}
