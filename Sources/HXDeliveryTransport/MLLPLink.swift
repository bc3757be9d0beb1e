import HL7v2
import NIOCore
import NIOPosix
import Synchronization

/// One connection to a recipient's MLLP interface, kept open from message to
/// message (interface engines expect a standing connection, and a new one per
/// message costs a handshake each), reopened when it breaks or the recipient
/// closed it. One message in flight; used by one task at a time (the delivery
/// worker's loop).
package final class MLLPLink: @unchecked Sendable {
    package let transport: MLLPTransport
    private var connection: Connection?

    package init(_ transport: MLLPTransport) {
        self.transport = transport
    }

    /// Sends one message and judges its answer, as `MLLPTransport.send` does,
    /// on the standing connection (opened first if there is none, or the
    /// recipient has closed it).
    package func send(_ payload: [UInt8], controlId: String) async -> DeliveryAttempt {
        let reused = connection?.channel.isActive == true
        let outcome = await attempt(payload, controlId: controlId)
        // A standing connection the recipient closed while idle is only found out by using it:
        // try once more on a fresh one straight away (the same message and control id, so a
        // recipient that did get the first copy can tell).
        if reused, case .retry(.mllpConnectionLost, _, _) = outcome { return await attempt(payload, controlId: controlId) }
        return outcome
    }

    private func attempt(_ payload: [UInt8], controlId: String) async -> DeliveryAttempt {
        if connection?.channel.isActive != true {
            connection = nil
            do {
                connection = try await Connection.open(transport)
            } catch {
                return .retry(reason: .mllpConnectFailed, detail: "cannot connect to \(transport.host):\(transport.port): \(error)", after: nil)
            }
        }
        guard let connection else { return .retry(reason: .mllpConnectFailed, detail: "no connection", after: nil) }
        let (reply, timedOut) = await connection.exchange(MLLP.frame(payload), timeout: transport.ackTimeout)
        let outcome = MLLPAcknowledgement.judge(reply, controlId: controlId, timedOut: timedOut, ackTimeout: transport.ackTimeout)
        // After no answer, a lost connection or an answer to another message, the connection
        // is done: a late answer must never be taken for the next message's.
        if case .retry = outcome { close() }
        return outcome
    }

    /// Closes the standing connection, if any.
    package func close() {
        connection?.channel.close(promise: nil)
        connection = nil
    }

    final class Connection: Sendable {
        let channel: any Channel
        let answers: AnswerHandler

        private init(channel: any Channel, answers: AnswerHandler) {
            self.channel = channel
            self.answers = answers
        }

        static func open(_ transport: MLLPTransport) async throws -> Connection {
            let answers = AnswerHandler()
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(transport.connectTimeout.milliseconds))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MLLPFrameReader()))
                        try channel.pipeline.syncOperations.addHandler(answers)
                    }
                }
                .connect(host: transport.host, port: transport.port).get()
            return Connection(channel: channel, answers: answers)
        }

        /// Writes `frame` and waits for the next answer: nil when the connection
        /// closed first or `timeout` passed (then `timedOut` is true and the connection is closed).
        func exchange(_ frame: [UInt8], timeout: Duration) async -> (reply: [UInt8]?, timedOut: Bool) {
            let channel = self.channel, answers = self.answers
            let promise = channel.eventLoop.makePromise(of: [UInt8]?.self)
            let timedOut = Atomic<Bool>(false)
            channel.eventLoop.execute {
                answers.await(promise)
                channel.writeAndFlush(ByteBuffer(bytes: frame)).whenFailure { _ in answers.finish(nil) }
            }
            let timer = channel.eventLoop.scheduleTask(in: .milliseconds(timeout.milliseconds)) {
                timedOut.store(true, ordering: .relaxed)
                answers.finish(nil)
                channel.close(promise: nil)
            }
            let reply = (try? await promise.futureResult.get()) ?? nil
            timer.cancel()
            return (reply, timedOut.load(ordering: .relaxed))
        }
    }

    /// Hands the next answer to whoever waits for it; an answer nobody waits for
    /// (unasked, or after a timeout) is dropped, and the connection closing answers nil.
    /// Event-loop confined: every method runs on the channel's event loop.
    final class AnswerHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = [UInt8]
        private var waiting: EventLoopPromise<[UInt8]?>?

        func await(_ promise: EventLoopPromise<[UInt8]?>) {
            finish(nil)
            waiting = promise
        }

        func finish(_ reply: [UInt8]?) {
            let promise = waiting
            waiting = nil
            promise?.succeed(reply)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            finish(unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            finish(nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            finish(nil)
            context.close(promise: nil)
        }
    }
}
