import Foundation
import HL7v2
import HXCanonical
import HXDeliveryTransport
import NIOCore
import NIOPosix
import Synchronization

// What a test needs to act as a hospital's MLLP sender: test NHS numbers, ADT^A03
// messages, and a sender that resends until it has a final answer. Shared by the
// adapter runtime's tests and the fault-injection tests (which drive `hx adapter run`).

/// Test NHS numbers: 999 range, Modulus 11 valid (prefixes whose check digit would be 10 are skipped).
package func testNHSNumbers(_ count: Int, from start: Int = 0) -> [String] {
    var numbers: [String] = []
    var n = start
    while numbers.count < count {
        let nine = "999" + String(format: "%06d", n)
        n += 1
        guard let check = NHSNumber.checkDigit(forFirstNine: nine.map { Int(String($0))! }) else { continue }
        numbers.append(nine + String(check))
    }
    return numbers
}

/// A ten-digit 999 number whose check digit is wrong.
package func invalidNHSNumber() -> String {
    let nine = "999000001"
    let check = NHSNumber.checkDigit(forFirstNine: nine.map { Int(String($0))! }) ?? 0
    return nine + String((check + 1) % 10)
}

/// A discharge (ADT^A03) from Warrington and Halton's PAS; with `practice` (an ODS code), the PD1
/// segment names the person's GP practice, so the router has recipients for it.
package func adtA03(controlID: String, nhsNumber: String, family: String = "TESTPATIENT", practice: String? = nil) -> [UInt8] {
    let segments = [
        "MSH|^~\\&|PAS|RWW|HX|HALTON|20260115083000||ADT^A03^ADT_A03|\(controlID)|P|2.4|||AL|NE",
        "EVN|A03|20260115082500",
        "PID|1||\(nhsNumber)^^^NHS^NH~RWW\(controlID.suffix(6))^^^RWW^MR||\(family)^Alex||19400611|M|||1 Test Street^^Runcorn^^WA7 1AA^GBR^H",
    ] + (practice.map { ["PD1|||GP PRACTICE^^\($0)"] } ?? []) + [
        "PV1|1|I|WARD3^BED1^^RWW|||||||||||||||||||||||||||||||||1|19|||||||20260102140000|20260115080000",
        "DG1|1||J18.9^Pneumonia, unspecified^I10",
    ]
    return Array(segments.joined(separator: "\r").utf8) + [0x0D]
}

package struct Ack: Sendable {
    package var code: String
    package var controlID: String
    package var text: String?
    package var raw: String
}

package func parseAck(_ bytes: [UInt8]) -> Ack? {
    guard let message = try? HL7Message(bytes), let code = message["MSA-1"] else { return nil }
    return Ack(code: code, controlID: message["MSA-2"] ?? "", text: message["MSA-3"], raw: String(decoding: bytes, as: UTF8.self))
}

/// Counts of things that happen concurrently in a test.
package final class Tally: Sendable {
    private let state = Mutex<[String: Int]>([:])
    package init() {}
    package func add(_ key: String, _ n: Int = 1) { state.withLock { $0[key, default: 0] += n } }
    package subscript(key: String) -> Int { state.withLock { $0[key] ?? 0 } }
}

/// A sender that waits for each answer in turn, as MLLP senders do, with a deadline per answer.
package final class MLLPTestClient: Sendable {
    package typealias Connection = NIOAsyncChannel<[UInt8], ByteBuffer>
    package let port: Int

    package init(port: Int) { self.port = port }

    package func connect() async throws -> Connection {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MLLPFrameReader()))
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Sends each message in turn and waits for its answer, as MLLP senders do.
    /// AA and AE are final; after AR, or no answer within `timeout`, or the
    /// connection lost (the receiver died), the same message is sent again on a
    /// new connection (a late answer cannot then be taken for the next message's),
    /// reconnecting until the receiver is back. Returns the final answer per
    /// control id; `tally` counts "AR", "timeout" (no answer: timed out or
    /// connection lost), "mismatch" and "final".
    package func deliver(_ messages: [(controlID: String, bytes: [UInt8])], timeout: Duration, until end: ContinuousClock.Instant, tally: Tally) async throws -> [String: Ack] {
        var finals: [String: Ack] = [:]
        var index = 0
        while index < messages.count && ContinuousClock.now < end {
            guard let connection = try? await connect() else {
                try await Task.sleep(for: .milliseconds(200))
                continue
            }
            let channel = connection.channel
            do {
                try await connection.executeThenClose { inbound, outbound in
                    var iterator = inbound.makeAsyncIterator()
                    while index < messages.count && ContinuousClock.now < end {
                        let (controlID, bytes) = messages[index]
                        try await outbound.write(ByteBuffer(bytes: MLLP.frame(bytes)))
                        let timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout.components.seconds) * 1000)) {
                            channel.close(promise: nil)
                        }
                        let item = try? await iterator.next()
                        timer.cancel()
                        guard let reply = item, let ack = parseAck(reply) else {
                            tally.add("timeout")
                            return
                        }
                        if ack.controlID != controlID { tally.add("mismatch") }
                        if ack.code == "AR" {
                            tally.add("AR")
                            try await Task.sleep(for: .milliseconds(200))
                            continue
                        }
                        finals[controlID] = ack
                        tally.add("final")
                        index += 1
                    }
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // Writing to a connection the receiver dropped: the message is still ours to resend.
                tally.add("timeout")
            }
        }
        return finals
    }
}
