/// Minimal Lower Layer Protocol framing: <VT> message <FS><CR>.
package enum MLLP {
    package static let startBlock: UInt8 = 0x0B
    package static let endBlock: UInt8 = 0x1C
    package static let carriageReturn: UInt8 = 0x0D

    package static func frame(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 3)
        out.append(startBlock)
        out.append(contentsOf: payload)
        out.append(endBlock)
        out.append(carriageReturn)
        return out
    }
}

package enum MLLPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A frame grew past the limit; its bytes were discarded up to its end block.
    case frameTooLarge(limit: Int)
    /// A start block arrived inside a frame: the earlier frame never ended
    /// and was discarded (its length is given).
    case frameIncomplete(discardedBytes: Int)

    package var code: String {
        switch self {
        case .frameTooLarge: "mllp-frame-too-large"
        case .frameIncomplete: "mllp-frame-incomplete"
        }
    }

    package var description: String {
        switch self {
        case .frameTooLarge(let limit): "\(code): frame larger than \(limit) bytes"
        case .frameIncomplete(let n): "\(code): new frame started before the end of the previous one (\(n) bytes dropped)"
        }
    }
}

/// Incremental MLLP decoder for a TCP stream: feed whatever arrived, get
/// back the frames (payloads without the framing bytes) completed so far.
/// Bytes outside frames (keep-alive newlines, noise) are skipped and counted.
package struct MLLPFrameDecoder: Sendable {
    package let maxFrameSize: Int
    /// Bytes seen outside any frame.
    package private(set) var discardedByteCount = 0

    private enum State: Sendable {
        case idle
        case inFrame
        /// Saw <FS>; waiting for <CR>.
        case sawEnd
        /// The current frame is too large; skipping to its end.
        case skipping
        case skippingSawEnd
    }

    private var state = State.idle
    private var buffer: [UInt8] = []

    package init(maxFrameSize: Int = 1 << 20) {
        self.maxFrameSize = maxFrameSize
    }

    /// True while part of a frame is held (a stream closing now loses it).
    package var hasPartialFrame: Bool {
        switch state {
        case .idle: false
        default: true
        }
    }

    package mutating func feed<C: Collection>(_ chunk: C) -> [Result<[UInt8], MLLPError>] where C.Element == UInt8 {
        var results: [Result<[UInt8], MLLPError>] = []
        for byte in chunk {
            switch state {
            case .idle:
                if byte == MLLP.startBlock {
                    buffer.removeAll(keepingCapacity: true)
                    state = .inFrame
                } else {
                    discardedByteCount += 1
                }
            case .inFrame:
                if byte == MLLP.endBlock {
                    state = .sawEnd
                } else if byte == MLLP.startBlock {
                    results.append(.failure(.frameIncomplete(discardedBytes: buffer.count)))
                    buffer.removeAll(keepingCapacity: true)
                } else if buffer.count >= maxFrameSize {
                    results.append(.failure(.frameTooLarge(limit: maxFrameSize)))
                    buffer = []
                    state = .skipping
                } else {
                    buffer.append(byte)
                }
            case .sawEnd:
                // <FS> never occurs inside HL7 text, so the frame ends here
                // even when the sender forgets the final <CR>.
                results.append(.success(buffer))
                buffer = []
                state = .idle
                if byte == MLLP.startBlock {
                    state = .inFrame
                } else if byte != MLLP.carriageReturn {
                    discardedByteCount += 1
                }
            case .skipping:
                if byte == MLLP.endBlock { state = .skippingSawEnd }
                else if byte == MLLP.startBlock { state = .inFrame }
            case .skippingSawEnd:
                state = byte == MLLP.startBlock ? .inFrame : .idle
            }
        }
        return results
    }
}
