import HL7v2
import NIOCore
import NIOPosix
import Synchronization

/// HL7 v2 over MLLP to a recipient's interface engine: one message in flight,
/// each answered by an ACK before the next is sent, so the recipient sees
/// messages in order (docs/design.md "Order and retries").
package struct MLLPTransport: Sendable {
    package typealias Connection = NIOAsyncChannel<[UInt8], ByteBuffer>

    package let host: String
    package let port: Int
    package let ackTimeout: Duration
    package let connectTimeout: Duration

    package init(host: String, port: Int, ackTimeout: Duration, connectTimeout: Duration = .seconds(10)) {
        self.host = host
        self.port = port
        self.ackTimeout = ackTimeout
        self.connectTimeout = connectTimeout
    }

    /// Opens a connection and runs `body` with it; the connection is closed when
    /// `body` returns or the session breaks. Nil when no connection could be made
    /// (the attempt is then `.retry(.mllpConnectFailed)`).
    package func withSession<T: Sendable>(_ body: (MLLPSession) async throws -> T) async throws -> Result<T, ConnectFailure> {
        let connection: Connection
        do {
            connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(connectTimeout.milliseconds))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MLLPFrameReader()))
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            return .failure(ConnectFailure(detail: "cannot connect to \(host):\(port): \(error)"))
        }
        let channel = connection.channel
        return .success(try await connection.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            let session = MLLPSession(ackTimeout: ackTimeout, channel: channel) { payload in
                try await outbound.write(ByteBuffer(bytes: MLLP.frame(payload)))
            } next: {
                try await iterator.next()
            }
            return try await body(session)
        })
    }

    /// One message on a connection of its own.
    package func send(_ payload: [UInt8], controlId: String) async -> DeliveryAttempt {
        do {
            switch try await withSession({ await $0.send(payload, controlId: controlId) }) {
            case .success(let attempt): return attempt
            case .failure(let failure): return .retry(reason: .mllpConnectFailed, detail: failure.detail, after: nil)
            }
        } catch {
            return .retry(reason: .mllpConnectionLost, detail: "\(error)", after: nil)
        }
    }

    package struct ConnectFailure: Error, Sendable {
        package var detail: String
    }
}

/// An open MLLP connection. After an attempt that is not final for the
/// connection (no answer in time, the connection lost, an answer to another
/// message), the session is broken: leave it and open another, so a late
/// answer can never be taken for the next message's.
package final class MLLPSession: @unchecked Sendable {
    // Used by one task at a time (the worker's send loop); the flag is also
    // set by the event loop's timer, hence the atomic.
    private let write: ([UInt8]) async throws -> Void
    private let next: () async throws -> [UInt8]?
    private let ackTimeout: Duration
    private let channel: any Channel
    private let timedOut = Atomic<Bool>(false)
    package private(set) var isBroken = false

    init(ackTimeout: Duration, channel: any Channel, write: @escaping ([UInt8]) async throws -> Void,
         next: @escaping () async throws -> [UInt8]?) {
        self.ackTimeout = ackTimeout
        self.channel = channel
        self.write = write
        self.next = next
    }

    /// Sends one message and waits for its ACK (at most `ackTimeout`).
    package func send(_ payload: [UInt8], controlId: String) async -> DeliveryAttempt {
        guard !isBroken else { return .retry(reason: .mllpConnectionLost, detail: "the session is broken", after: nil) }
        do {
            try await write(payload)
        } catch {
            isBroken = true
            return .retry(reason: .mllpConnectionLost, detail: "writing: \(error)", after: nil)
        }
        timedOut.store(false, ordering: .relaxed)
        let timer = channel.eventLoop.scheduleTask(in: .milliseconds(ackTimeout.milliseconds)) { [channel, self] in
            self.timedOut.store(true, ordering: .relaxed)
            channel.close(promise: nil)
        }
        let reply = try? await next()
        timer.cancel()
        let outcome = MLLPAcknowledgement.judge(reply, controlId: controlId, timedOut: timedOut.load(ordering: .relaxed), ackTimeout: ackTimeout)
        if case .retry = outcome { isBroken = true }
        return outcome
    }
}

/// What an MLLP answer means (pure).
package enum MLLPAcknowledgement {
    /// AA/CA: sent. AE/AR (and CE/CR): failed, no retry (the message itself was
    /// refused). No answer, an unreadable one, or one whose MSA-2 is not our
    /// MSH-10: retry (the recipient may not have the message).
    package static func judge(_ reply: [UInt8]?, controlId: String, timedOut: Bool, ackTimeout: Duration) -> DeliveryAttempt {
        guard let reply else {
            return timedOut
                ? .retry(reason: .mllpTimeout, detail: "no ACK within \(ackTimeout)", after: nil)
                : .retry(reason: .mllpConnectionLost, detail: "the connection closed before an ACK", after: nil)
        }
        guard let ack = try? HL7Message(reply), let code = ack["MSA-1"], !code.isEmpty else {
            return .retry(reason: .mllpAckUnreadable, detail: "an answer without MSA-1 (\(reply.count) bytes)", after: nil)
        }
        let answered = ack["MSA-2"] ?? ""
        guard answered == controlId else {
            return .retry(reason: .mllpAckMismatch, detail: "MSA-2 '\(answered)' does not answer MSH-10 '\(controlId)'", after: nil)
        }
        // MSA-3 is the receiver's text: an interface engine's words about the
        // message, never patient data of ours, but kept short.
        let text = (ack["MSA-3"] ?? ack["ERR-8"]).map { " (\($0.prefix(120)))" } ?? ""
        switch code {
        case "AA", "CA": return .sent(detail: "\(code) for \(controlId)")
        case "AE", "AR", "CE", "CR": return .failed(reason: .mllpRejected, detail: "\(code) for \(controlId)\(text)")
        default: return .retry(reason: .mllpAckUnreadable, detail: "unknown acknowledgement code '\(code.prefix(8))'", after: nil)
        }
    }
}

/// The sender's side of MLLP framing: each answer's payload, framing bytes removed.
package struct MLLPFrameReader: ByteToMessageDecoder {
    package typealias InboundOut = [UInt8]
    var decoder = MLLPFrameDecoder(maxFrameSize: 1 << 20)

    package init() {}

    package mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return .needMoreData }
        for case .success(let frame) in decoder.feed(bytes) { context.fireChannelRead(wrapInboundOut(frame)) }
        return .needMoreData
    }

    package mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

extension Duration {
    /// Whole milliseconds (for NIO's timeouts).
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
