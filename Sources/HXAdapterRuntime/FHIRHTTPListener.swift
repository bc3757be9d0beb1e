import Foundation
import HXAdapterRecords
import HXService
import HXTranslate
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Receives FHIR (JSON or XML) by HTTP `POST` and answers each request only
/// once its fate is settled, as the MLLP listener does: 201 after Kafka
/// confirmed the messages, 400 with an OperationOutcome after the dead
/// letter is confirmed, 503 with `Retry-After` when Kafka did not confirm.
/// A connection's requests are handled one after another, in order, and
/// connections are kept alive between them.
///
/// `bind` opens the port (port 0: any free one, see `port`); `run` serves
/// until graceful shutdown, which stops accepting, lets each connection
/// finish the request in hand and answer it, then returns.
package final class FHIRHTTPListener: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    package static let defaultPath = "/fhir"
    /// Media types taken (parameters such as `charset` or `fhirVersion` are ignored).
    package static let acceptedContentTypes: Set<String> = ["application/fhir+json", "application/json", "application/fhir+xml", "application/xml"]
    /// What a sender is told to wait after a 503: about one producer retry round.
    static let retryAfterSeconds = 5
    /// The system of our reason codes in `OperationOutcome.issue.details.coding`.
    package static let reasonCodeSystem = "https://onehalton.nhs.uk/hx/reason-code"

    /// The port actually bound.
    package let port: Int
    package let path: String
    let intake: AdapterIntake
    let logger: Logger
    private let server: NIOAsyncChannel<any Channel, Never>
    /// Open connections and whether each has a request in hand; `stopping` once shutdown began.
    private let connections: ConnectionTable

    private init(port: Int, path: String, server: NIOAsyncChannel<any Channel, Never>, connections: ConnectionTable, intake: AdapterIntake, logger: Logger) {
        self.port = port
        self.connections = connections
        self.path = path
        self.server = server
        self.intake = intake
        self.logger = logger
    }

    /// Opens the listening socket. Bodies larger than the adapter's `maxInputBytes` are refused (413).
    package static func bind(host: String, port: Int, path: String = defaultPath, intake: AdapterIntake,
                            logger: Logger = Logger(label: "hx.adapter.http")) async throws -> FHIRHTTPListener {
        let connections = ConnectionTable()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(.autoRead, value: false)  // until served: see AcceptedChannel
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    // At accept, not when served: see ConnectionTable.
                    connections.register(child)
                    // The pipelining handler holds back a pipelined request until the previous one is answered.
                    try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return child
                }
            }
        let bound = server.channel.localAddress?.port ?? port
        logger.info("FHIR HTTP listener bound", metadata: ["hx.adapter": "\(intake.configuration.name)", "http.port": "\(bound)", "http.path": "\(path)"])
        return FHIRHTTPListener(port: bound, path: path, server: server, connections: connections, intake: intake, logger: logger)
    }

    package func run() async throws {
        try await serveConnections(of: server, stop: { self.stopAccepting() }, serve: { await self.serve($0) })
        logger.info("FHIR HTTP listener stopped", metadata: ["hx.adapter": "\(intake.configuration.name)"])
    }

    /// Closes the listening socket and every idle connection. A connection with
    /// a request in hand answers it (with `Connection: close`) and then closes;
    /// a request not yet wholly received is dropped unanswered, so its sender resends.
    package func stopAccepting() {
        connections.stop(listener: server.channel)
    }

    private var isStopping: Bool { connections.isStopping }

    private func serve(_ channel: any Channel) async {
        let connection: Connection
        do {
            connection = try await AcceptedChannel.wrap(channel)
        } catch {
            channel.close(promise: nil)
            return
        }
        let limit = intake.configuration.maxInputBytes
        do {
            try await connection.executeThenClose { inbound, outbound in
                var request: HTTPRequestHead?
                var body = ByteBuffer()
                var received = 0
                // A refusal decided from the head alone; its body is read and dropped.
                var refusal: HTTPReply?
                // One iterator for the connection: a refused body is drained from it too.
                var parts = inbound.makeAsyncIterator()
                while let part = try await parts.next() {
                    switch part {
                    case .head(let head):
                        request = head
                        body.clear()
                        received = 0
                        refusal = self.check(head)
                        if let declared = head.headers.first(name: "content-length").flatMap(Int.init), declared > limit {
                            try await self.write(self.tooLarge(), to: outbound, version: head.version, close: true)
                            return try await self.drain(&parts, channel: channel)
                        }
                        if refusal == nil, head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .continue)))
                        }
                    case .body(var chunk):
                        received += chunk.readableBytes
                        if received > limit {
                            try await self.write(self.tooLarge(), to: outbound, version: request?.version ?? .http1_1, close: true)
                            return try await self.drain(&parts, channel: channel)
                        }
                        if refusal == nil { body.writeBuffer(&chunk) }
                    case .end:
                        guard let head = request else { continue }
                        request = nil
                        let receivedAt = ContinuousClock.now
                        // Shutdown began while this request came in: unanswered, so the sender resends.
                        guard self.connections.begin(channel) else { return }
                        let reply: HTTPReply
                        if let refusal { reply = refusal } else { reply = await self.answer(body.readBytes(length: body.readableBytes) ?? [], receivedAt: receivedAt) }
                        let close = !head.isKeepAlive || self.isStopping
                        try await self.write(reply, to: outbound, version: head.version, close: close)
                        guard self.connections.end(channel), !close else { return }
                    }
                }
            }
        } catch {
            // A sender that hangs up mid-request: whatever it was not answered it still has.
            logger.debug("HTTP connection ended with an error", metadata: ["error.type": "\(type(of: error))"])
        }
    }

    /// Reads and drops the rest of a refused body for at most a second before
    /// the connection closes: closing with unread input makes the kernel send a
    /// reset, which can destroy the 413 before the sender has read it.
    private func drain(_ parts: inout NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator, channel: any Channel) async throws {
        let timer = channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        defer { timer.cancel() }
        while let part = try await parts.next() {
            if case .end = part { return }
        }
    }

    /// The refusal for a request this endpoint does not take, nil when it does.
    func check(_ head: HTTPRequestHead) -> HTTPReply? {
        let requestPath = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        guard requestPath == path else {
            return .outcome(.notFound, code: "not-found", reason: "path-unknown", text: "POST FHIR to \(path)")
        }
        guard head.method == .POST else {
            var reply = HTTPReply.outcome(.methodNotAllowed, code: "not-supported", reason: "method-not-allowed", text: "only POST is served here")
            reply.headers.append(("allow", "POST"))
            return reply
        }
        let type = head.headers.first(name: "content-type")?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard Self.acceptedContentTypes.contains(type) else {
            return .outcome(.unsupportedMediaType, code: "not-supported", reason: "content-type-unsupported",
                            text: "Content-Type must be one of \(Self.acceptedContentTypes.sorted().joined(separator: ", "))")
        }
        return nil
    }

    func tooLarge() -> HTTPReply {
        // Nothing of the body was kept, so there is no dead letter: the sender still has it.
        intake.telemetry.recordReceived()
        intake.telemetry.recordRejected(reason: TranslationError.Code.inputTooLarge.rawValue)
        logger.info("HTTP request refused", metadata: ["hx.reason-code": "\(TranslationError.Code.inputTooLarge.rawValue)"])
        return .outcome(.payloadTooLarge, code: "too-costly", reason: TranslationError.Code.inputTooLarge.rawValue,
                        text: "body larger than \(intake.configuration.maxInputBytes) bytes")
    }

    /// The answer for one whole body, given only once its outcome is settled.
    func answer(_ bytes: [UInt8], receivedAt: ContinuousClock.Instant) async -> HTTPReply {
        switch await intake.handle(bytes, receivedAt: receivedAt) {
        case .accepted(let receipt):
            return HTTPReply(status: .created, contentType: "application/json", body: Self.json(Accepted(messageIds: receipt.canonicalMessageIDs)))
        case .rejected(let receipt):
            // Code, place and dead letter id only: translator messages may quote patient data.
            let issues = receipt.rejections.map { rejection in
                OperationOutcome.Issue(
                    severity: "error", code: Self.issueCode(for: rejection.code),
                    details: .init(coding: [.init(system: Self.reasonCodeSystem, code: rejection.code)], text: "\(rejection.code) at \(rejection.location)"),
                    diagnostics: "dead letter \(rejection.messageID); fix the input and send it again",
                    expression: [rejection.location])
            }
            return HTTPReply(status: .badRequest, contentType: "application/fhir+json", body: Self.json(OperationOutcome(issue: issues)))
        case .retryLater(let code):
            var reply = HTTPReply.outcome(.serviceUnavailable, code: "transient", reason: code, text: "not stored, send again later")
            reply.headers.append(("retry-after", String(Self.retryAfterSeconds)))
            return reply
        }
    }

    /// FHIR's issue type for a reason code: a rule of ours the content breaks is
    /// `processing`, content that is malformed or wrong in itself `invalid`.
    static func issueCode(for reason: String) -> String {
        reason.hasPrefix("unsupported") || reason.hasSuffix("-unknown") ? "processing" : "invalid"
    }

    private func write(_ reply: HTTPReply, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
                       version: HTTPVersion, close: Bool) async throws {
        var headers = HTTPHeaders([("content-type", reply.contentType), ("content-length", String(reply.body.count))])
        for (name, value) in reply.headers { headers.add(name: name, value: value) }
        if close { headers.add(name: "connection", value: "close") }
        try await outbound.write(.head(HTTPResponseHead(version: version, status: reply.status, headers: headers)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: reply.body))))
        try await outbound.write(.end(nil))
    }

    static func json(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and arrays of strings only: encoding cannot fail.
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    struct Accepted: Encodable {
        var status = "accepted"
        var messageIds: [String]
    }
}

/// One HTTP answer.
struct HTTPReply: Sendable {
    var status: HTTPResponseStatus
    var contentType: String
    var body: [UInt8]
    var headers: [(String, String)] = []

    /// An OperationOutcome with one error issue.
    static func outcome(_ status: HTTPResponseStatus, code: String, reason: String, text: String) -> HTTPReply {
        let issue = OperationOutcome.Issue(severity: "error", code: code,
                                           details: .init(coding: [.init(system: FHIRHTTPListener.reasonCodeSystem, code: reason)], text: text),
                                           diagnostics: nil, expression: nil)
        return HTTPReply(status: status, contentType: "application/fhir+json", body: FHIRHTTPListener.json(OperationOutcome(issue: [issue])))
    }
}

/// The part of FHIR's OperationOutcome the listener writes.
struct OperationOutcome: Encodable {
    var resourceType = "OperationOutcome"
    var issue: [Issue]

    struct Issue: Encodable {
        var severity: String
        var code: String
        var details: CodeableConcept
        var diagnostics: String?
        var expression: [String]?
    }

    struct CodeableConcept: Encodable {
        var coding: [Coding]
        var text: String
    }

    struct Coding: Encodable {
        var system: String
        var code: String
    }
}
