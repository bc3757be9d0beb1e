import Foundation
import HL7v2
import HXAdapterRecords
import HXService
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// One thing read from an MLLP stream: a whole frame, or a framing error.
package enum MLLPInbound: Sendable {
    case frame([UInt8], receivedAt: ContinuousClock.Instant)
    case malformed(MLLPError)
}

/// NIO glue around HL7v2's `MLLPFrameDecoder`, which does the real work.
struct MLLPFrameHandler: ByteToMessageDecoder {
    typealias InboundOut = MLLPInbound
    var decoder: MLLPFrameDecoder

    init(maxFrameSize: Int) { decoder = MLLPFrameDecoder(maxFrameSize: maxFrameSize) }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return .needMoreData }
        for result in decoder.feed(bytes) {
            switch result {
            case .success(let frame): context.fireChannelRead(wrapInboundOut(.frame(frame, receivedAt: .now)))
            case .failure(let error): context.fireChannelRead(wrapInboundOut(.malformed(error)))
            }
        }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A frame cut off by the end of the stream was never acknowledged: the sender still has it.
        _ = try decode(context: context, buffer: &buffer)
        return .needMoreData
    }
}

/// Receives HL7 v2 over MLLP and answers each message only once its fate is
/// settled: AA after Kafka confirmed it, AE after its dead letter is
/// confirmed, AR ("try again") when Kafka did not confirm. A connection's
/// messages are handled one after another, in order.
///
/// `bind` opens the port (port 0: any free one, see `port`); `run` serves
/// until graceful shutdown, which stops accepting, lets each connection
/// finish the message in hand and answer it, then returns.
package final class MLLPListener: Sendable {
    package typealias Connection = NIOAsyncChannel<MLLPInbound, ByteBuffer>
    /// The port actually bound.
    package let port: Int
    let intake: AdapterIntake
    let logger: Logger
    private let server: NIOAsyncChannel<any Channel, Never>
    private let acks: AcknowledgementWriter
    /// Open connections, from accept on, and whether each has a message in hand.
    private let connections: ConnectionTable

    private init(port: Int, server: NIOAsyncChannel<any Channel, Never>, connections: ConnectionTable, intake: AdapterIntake, logger: Logger) {
        self.port = port
        self.connections = connections
        self.server = server
        self.intake = intake
        self.logger = logger
        self.acks = AcknowledgementWriter()
    }

    /// Opens the listening socket. Frames larger than the adapter's `maxInputBytes` are refused.
    package static func bind(host: String, port: Int, intake: AdapterIntake, logger: Logger = Logger(label: "hx.adapter.mllp")) async throws -> MLLPListener {
        let maxFrame = intake.configuration.maxInputBytes
        let connections = ConnectionTable()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(.autoRead, value: false)  // until served: see AcceptedChannel
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    // At accept, not when served: a connection accepted as the listener
                    // stops is never served, and must still be closed (see ConnectionTable).
                    connections.register(child)
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(MLLPFrameHandler(maxFrameSize: maxFrame)))
                    return child
                }
            }
        let bound = server.channel.localAddress?.port ?? port
        logger.info("MLLP listener bound", metadata: ["hx.adapter": "\(intake.configuration.name)", "mllp.port": "\(bound)"])
        return MLLPListener(port: bound, server: server, connections: connections, intake: intake, logger: logger)
    }

    package func run() async throws {
        try await serveConnections(of: server, stop: { self.stopAccepting() }, serve: { await self.serve($0) })
        logger.info("MLLP listener stopped", metadata: ["hx.adapter": "\(intake.configuration.name)"])
    }

    /// Closes the listening socket and every idle connection. A connection with
    /// a message in hand answers it and then closes; a message that arrives
    /// after this is left unanswered, so its sender still has it and resends.
    /// (Closing only the reading side is not enough: NIO then sees end of
    /// input and closes the whole channel before the answer is written.)
    package func stopAccepting() {
        connections.stop(listener: server.channel)
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
                for try await item in inbound {
                    guard self.connections.begin(channel) else { return }
                    let reply = await self.answer(item)
                    try await outbound.write(ByteBuffer(bytes: MLLP.frame(reply)))
                    guard self.connections.end(channel) else { return }
                }
            }
        } catch {
            // A sender that hangs up mid-conversation: whatever it was not answered it still has.
            logger.debug("MLLP connection ended with an error", metadata: ["error.type": "\(type(of: error))"])
        }
    }

    /// The acknowledgement for one inbound item, sent only once its outcome is settled.
    func answer(_ item: MLLPInbound) async -> [UInt8] {
        switch item {
        case .malformed(let error):
            // The frame's bytes were discarded by the decoder: nothing to dead-letter, and
            // the AE tells the sender to keep the message.
            intake.telemetry.recordReceived()
            intake.telemetry.recordRejected(reason: error.code)
            logger.info("MLLP frame refused", metadata: ["hx.reason-code": "\(error.code)"])
            return acks.build(replyingTo: AckContextReader.empty, code: .error, text: error.code, condition: .applicationInternalError, location: nil)
        case .frame(let bytes, let receivedAt):
            // The header is read, and the answer written, in the sender's character set.
            let sender = SenderCharset(frame: bytes, configuration: intake.configuration)
            let (context, single) = AckContextReader.context(for: sender.readable)
            let result = await intake.handle(bytes, sourceMessageID: single ? context.messageControlID : nil, receivedAt: receivedAt)
            let reply = switch result {
            case .accepted:
                acks.build(replyingTo: context, code: .accept, text: nil, condition: nil, location: nil)
            case .rejected(let receipt):
                acks.build(replyingTo: context, code: .error, text: Self.rejectionText(receipt),
                           condition: AckContextReader.condition(for: receipt.rejections[0].code), location: receipt.rejections[0].location)
            case .retryLater(let code):
                acks.build(replyingTo: context, code: .reject, text: "\(code): not stored, send again later", condition: .applicationInternalError, location: nil)
            }
            return sender.encoding.encode(utf8: reply)
        }
    }

    static func rejectionText(_ receipt: PublishReceipt) -> String {
        let first = receipt.rejections[0]
        var text = "\(first.code) at \(first.location)"
        if receipt.rejections.count > 1 { text += " (\(receipt.rejections.count) messages rejected)" }
        return text
    }
}

/// Control ids and timestamps of the acknowledgements one listener sends.
final class AcknowledgementWriter: Sendable {
    private let prefix: String
    private let counter = Atomic<Int>(0)

    init() {
        // Start time in base 36 keeps ids of successive runs apart within HL7's 20 characters.
        let millis = Int(Date().timeIntervalSince1970 * 1000)
        prefix = "HX" + String(millis, radix: 36, uppercase: true)
    }

    func build(replyingTo context: HL7AckContext, code: HL7AcknowledgmentCode, text: String?, condition: HL7ErrorCondition?, location: String?) -> [UInt8] {
        let n = counter.add(1, ordering: .relaxed).newValue
        let controlID = prefix + "-" + String(n, radix: 36, uppercase: true)
        return HL7Acknowledgement.build(
            replyingTo: context, code: code, controlID: controlID, timestamp: Self.timestamp(Date()),
            text: text, errorCondition: condition, errorLocation: location.flatMap { HL7Path($0) == nil ? nil : $0 })
    }

    /// HL7 TS in UTC with its offset: `YYYYMMDDHHMMSS+0000`.
    static func timestamp(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))+0000"
    }
}

/// What an acknowledgement needs from a frame, even one too broken to parse.
enum AckContextReader {
    static let empty = HL7AckContext(sendingApplication: "", sendingFacility: "", receivingApplication: "", receivingFacility: "", messageControlID: "")

    /// The context, and whether the frame holds a single message (so that its
    /// MSH-10 identifies the whole input).
    static func context(for bytes: [UInt8]) -> (HL7AckContext, single: Bool) {
        if let message = try? HL7Message(bytes, options: HL7ParseOptions(maxInputSize: max(bytes.count, 1))) {
            let single = message.segments(named: "MSH").count == 1
            return (HL7AckContext(replyingTo: message), single)
        }
        // Unparseable: read MSH fields by position so that the sender can still match the NAK.
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        guard let line = text.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).first(where: { $0.hasPrefix("MSH") }),
              line.count > 4 else { return (empty, false) }
        let separator = line[line.index(line.startIndex, offsetBy: 3)]
        let fields = line.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        // fields[0] is "MSH", fields[1] MSH-2; MSH-n is fields[n - 1] from n = 2 on.
        func msh(_ n: Int) -> String { n - 1 < fields.count ? fields[n - 1] : "" }
        let context = HL7AckContext(
            sendingApplication: HL7Field(msh(3)), sendingFacility: HL7Field(msh(4)),
            receivingApplication: HL7Field(msh(5)), receivingFacility: HL7Field(msh(6)),
            messageControlID: msh(10), processingID: msh(11).isEmpty ? "P" : HL7Field(msh(11)),
            versionID: msh(12).isEmpty ? "2.4" : HL7Field(msh(12)), characterSet: HL7Field(msh(18)))
        return (context, false)
    }

    /// HL7 table 0357 condition for a reason code.
    static func condition(for code: String) -> HL7ErrorCondition {
        switch code {
        case "hl7-field-missing", "hl7-pid-missing", "hl7-discharge-text-missing", "identity-nhs-number-missing": .requiredFieldMissing
        case "nhs-number-invalid", "date-invalid", "invalid-utf8", "invalid-ascii", "invalid-iso-8859-1", "invalid-windows-1252": .dataTypeError
        case "hl7-charset-unsupported": .tableValueNotFound
        case "unsupported-message-type": .unsupportedMessageType
        case "hl7-msh-missing", "hl7-segment-invalid", "hl7-truncated": .segmentSequenceError
        default: .applicationInternalError
        }
    }
}
