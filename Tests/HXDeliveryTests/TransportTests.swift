import Foundation
import HL7v2
import HXCanonical
import HXDevBroker
import HXPlace
import Testing
@testable import HXDelivery
@testable import HXDeliveryTransport

/// A recipient's system we did not write, answering as each test tells it:
/// python-hl7's MLLP server (scripts/mllp-peer-receiver.py) or an HTTP server
/// validating with fhir.resources (scripts/fhir-peer-receiver.py).
final class PeerReceiver: Sendable {
    let port: Int
    let record: URL
    let process: ChildProcess

    /// - Parameter port: where to listen (a free port when nil): a receiver restarted on its port is the same system back.
    /// - Parameter record: a record file to append to (a restarted receiver keeps what it got before).
    init(script: String = "mllp-peer-receiver.py", port: Int? = nil, record: URL? = nil, _ options: [String]) async throws {
        self.port = try port ?? DevBroker.freePort()
        self.record = record ?? FileManager.default.temporaryDirectory.appendingPathComponent("hx-mllp-\(UUID().uuidString.prefix(8)).txt")
        if record == nil { _ = FileManager.default.createFile(atPath: self.record.path, contents: nil) }
        process = try ChildProcess(
            executable: PeerValidationTests.python.path,
            arguments: [root.appendingPathComponent("scripts/\(script)").path, "--port", String(self.port), "--record", self.record.path] + options,
            output: self.record.appendingPathExtension("log"))
        let deadline = ContinuousClock.now + .seconds(20)
        while !DevBroker.canConnect(port: self.port) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                let log = (try? String(contentsOf: self.record.appendingPathExtension("log"), encoding: .utf8)) ?? ""
                throw PeerError(message: "the MLLP receiver did not start: \(log)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The receiver's record, a line per message, its words split.
    var lines: [[String]] {
        ((try? String(contentsOf: record, encoding: .utf8)) ?? "").split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    /// What the MLLP receiver got: control id and the answer it gave, in order.
    var received: [(controlId: String, answer: String)] { lines.map { ($0[0], $0[1]) } }

    func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: record)
        try? FileManager.default.removeItem(at: record.appendingPathExtension("log"))
    }

    struct PeerError: Error { var message: String }
}

@Suite(.serialized) struct MLLPTransportTests {
    /// Three rendered discharge summaries (control ids from their decision ids).
    func messages() throws -> [(controlId: String, bytes: [UInt8])] {
        let (_, m) = try #require(try sampleMessages().first { $0.name == "discharge-rww-home.json" })
        return try ["0a000000-0000-5000-8000-000000000001", "0a000000-0000-5000-8000-000000000002", "0a000000-0000-5000-8000-000000000003"].map { id in
            let bytes = try DeliveryRenderer.render(m, decisionId: id, recipient: "N81035", format: .hl7v2, names: names).bytes
            return (try #require(DecisionIdentity(id)).controlId, bytes)
        }
    }

    @Test func anAcceptedMessageIsSentAndOrderIsKeptOnOneConnection() async throws {
        let receiver = try await PeerReceiver(["--answer", "AA"])
        defer { receiver.stop() }
        let transport = MLLPTransport(host: "127.0.0.1", port: receiver.port, ackTimeout: .seconds(10))
        let all = try messages()
        let outcomes = try await transport.withSession { session in
            var out: [DeliveryAttempt] = []
            for m in all { out.append(await session.send(m.bytes, controlId: m.controlId)) }
            return out
        }.get()
        #expect(outcomes.allSatisfy { if case .sent = $0 { true } else { false } }, "\(outcomes)")
        #expect(receiver.received.map(\.controlId) == all.map(\.controlId))
    }

    @Test func aStandingConnectionCarriesEveryMessageAndOutlivesTheRecipientsRestart() async throws {
        var receiver = try await PeerReceiver(["--answer", "AA"])
        let link = MLLPLink(MLLPTransport(host: "127.0.0.1", port: receiver.port, ackTimeout: .seconds(10)))
        defer { link.close() }
        let all = try messages()
        for m in all.prefix(2) {
            let outcome = await link.send(m.bytes, controlId: m.controlId)
            guard case .sent = outcome else { Issue.record("\(outcome)"); return }
        }
        // The recipient's engine restarts between messages: the next one still goes, on a new connection.
        receiver.process.stop()
        receiver = try await PeerReceiver(port: receiver.port, record: receiver.record, ["--answer", "AA"])
        defer { receiver.stop() }
        for m in all.dropFirst(2) {
            let outcome = await link.send(m.bytes, controlId: m.controlId)
            guard case .sent = outcome else { Issue.record("\(outcome)"); return }
        }
        #expect(receiver.received.map(\.controlId) == all.map(\.controlId))
    }

    @Test(arguments: ["AE", "AR"])
    func aRefusalIsFinal(code: String) async throws {
        let receiver = try await PeerReceiver(["--answer", code])
        defer { receiver.stop() }
        let m = try messages()[0]
        let outcome = await MLLPTransport(host: "127.0.0.1", port: receiver.port, ackTimeout: .seconds(10)).send(m.bytes, controlId: m.controlId)
        guard case .failed(let reason, let detail) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason == .mllpRejected && detail.hasPrefix(code))
    }

    @Test func noAnswerInTimeIsRetriedAndBreaksTheSession() async throws {
        let receiver = try await PeerReceiver(["--delay", "5"])
        defer { receiver.stop() }
        let all = try messages()
        let transport = MLLPTransport(host: "127.0.0.1", port: receiver.port, ackTimeout: .milliseconds(300))
        let (first, second) = try await transport.withSession { session in
            (await session.send(all[0].bytes, controlId: all[0].controlId), await session.send(all[1].bytes, controlId: all[1].controlId))
        }.get()
        guard case .retry(let reason, _, _) = first else { Issue.record("\(first)"); return }
        #expect(reason == .mllpTimeout)
        // A late ACK must never be taken for the next message's: the session is done.
        guard case .retry(.mllpConnectionLost, _, _) = second else { Issue.record("\(second)"); return }
    }

    @Test func aDroppedConnectionOrAWrongAnswerIsRetried() async throws {
        let m = try messages()[0]
        let dropping = try await PeerReceiver(["--drop"])
        defer { dropping.stop() }
        let dropped = await MLLPTransport(host: "127.0.0.1", port: dropping.port, ackTimeout: .seconds(10)).send(m.bytes, controlId: m.controlId)
        guard case .retry(.mllpConnectionLost, _, _) = dropped else { Issue.record("\(dropped)"); return }
        let confused = try await PeerReceiver(["--wrong-control-id"])
        defer { confused.stop() }
        let mismatched = await MLLPTransport(host: "127.0.0.1", port: confused.port, ackTimeout: .seconds(10)).send(m.bytes, controlId: m.controlId)
        guard case .retry(.mllpAckMismatch, _, _) = mismatched else { Issue.record("\(mismatched)"); return }
    }

    @Test func nobodyListeningIsRetried() async throws {
        let port = try DevBroker.freePort()
        let m = try messages()[0]
        let outcome = await MLLPTransport(host: "127.0.0.1", port: port, ackTimeout: .seconds(1)).send(m.bytes, controlId: m.controlId)
        guard case .retry(.mllpConnectFailed, _, _) = outcome else { Issue.record("\(outcome)"); return }
    }
}

@Suite struct FolderAndHTTPTransportTests {
    @Test func aFileAppearsWholeUnderItsDecisionId() throws {
        let folder = try PeerValidationTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = Array("content".utf8)
        let outcome = FolderTransport(folder: folder.path).send(bytes, fileName: "6f1c2b7e.hl7")
        guard case .sent = outcome else { Issue.record("\(outcome)"); return }
        #expect(try Array(Data(contentsOf: folder.appendingPathComponent("6f1c2b7e.hl7"))) == bytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["6f1c2b7e.hl7"], "no temporary file left")
        // Sent again (a retry, a replay): the same file, the same bytes.
        guard case .sent = FolderTransport(folder: folder.path).send(bytes, fileName: "6f1c2b7e.hl7") else { Issue.record("resend"); return }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["6f1c2b7e.hl7"])
    }

    @Test func aFolderThatIsNotThereIsRetried() {
        let outcome = FolderTransport(folder: "/nonexistent-\(UUID().uuidString)").send([1], fileName: "x.json")
        guard case .retry(.folderWriteFailed, _, _) = outcome else { Issue.record("\(outcome)"); return }
    }

    @Test func aFHIRServerTakesTheBundleAndRefusesABrokenOne() async throws {
        let server = try await PeerReceiver(script: "fhir-peer-receiver.py", [])
        defer { server.stop() }
        let (_, m) = try #require(try sampleMessages().first { $0.name == "discharge-rww-home.json" })
        let bundle = try DeliveryRenderer.render(m, decisionId: decision, recipient: "N81035", format: .fhirR4, names: names).bytes
        let transport = FHIRHTTPTransport(url: URL(string: "http://127.0.0.1:\(server.port)/fhir/Bundle")!, token: "t0ken")
        #expect(await transport.send(bundle, requestId: decision) == .sent(detail: "HTTP 201"))
        // Composition.status is required (1..1): fhir.resources itself refuses the Bundle.
        let broken = Array(String(decoding: bundle, as: UTF8.self).replacingOccurrences(of: "\"status\":\"final\",", with: "").utf8)
        #expect(await transport.send(broken, requestId: decision) == .failed(reason: .httpClientError, detail: "HTTP 400"))
        #expect(server.lines == [["201", decision, decision, "Bearer"], ["400", decision, "-", "Bearer"]],
                "the same X-Request-ID each time; the token as a bearer token")
    }

    @Test func anOverloadedFHIRServerIsRetriedWhenItSays() async throws {
        let server = try await PeerReceiver(script: "fhir-peer-receiver.py", ["--answer", "503", "--retry-after", "7"])
        defer { server.stop() }
        let outcome = await FHIRHTTPTransport(url: URL(string: "http://127.0.0.1:\(server.port)/fhir")!).send([0x7B, 0x7D], requestId: decision)
        #expect(outcome == .retry(reason: .httpServerError, detail: "HTTP 503", after: .seconds(7)))
        let nobody = await FHIRHTTPTransport(url: URL(string: "http://127.0.0.1:\(try DevBroker.freePort())/fhir")!).send([0x7B, 0x7D], requestId: decision)
        guard case .retry(.httpUnreachable, _, _) = nobody else { Issue.record("\(nobody)"); return }
    }

    @Test func httpAnswersAreJudged() {
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        #expect(FHIRHTTPTransport.judge(status: 201, retryAfter: nil, now: now) == .sent(detail: "HTTP 201"))
        #expect(FHIRHTTPTransport.judge(status: 400, retryAfter: nil, now: now) == .failed(reason: .httpClientError, detail: "HTTP 400"))
        #expect(FHIRHTTPTransport.judge(status: 503, retryAfter: "120", now: now) == .retry(reason: .httpServerError, detail: "HTTP 503", after: .seconds(120)))
        let later = "Thu, 28 May 2026 20:27:40 GMT"  // 1_780_000_000 + 60 s
        #expect(FHIRHTTPTransport.judge(status: 429, retryAfter: later, now: now) == .retry(reason: .httpTooManyRequests, detail: "HTTP 429", after: .seconds(60)))
    }

    @Test func retriesBackOffWithinTheirBoundsAndGiveUp() {
        let retry = DeliverySettings.Retry(initial: 1_000, max: 8_000, giveUpAfter: 60_000)
        // Equal jitter: between half and all of 1, 2, 4, 8, 8 ... seconds.
        for (attempt, full) in [(1, 1_000), (2, 2_000), (3, 4_000), (4, 8_000), (9, 8_000)] {
            #expect(RetrySchedule.wait(after: attempt, elapsed: .zero, retry: retry, jitter: 0) == .milliseconds(full / 2))
            #expect(RetrySchedule.wait(after: attempt, elapsed: .zero, retry: retry, jitter: 0.999)! <= .milliseconds(full))
        }
        #expect(RetrySchedule.wait(after: 1, elapsed: .zero, retry: retry, requested: .seconds(5), jitter: 0) == .seconds(5), "Retry-After honoured")
        #expect(RetrySchedule.wait(after: 1, elapsed: .zero, retry: retry, requested: .seconds(600), jitter: 0) == .seconds(8), "but never past max")
        #expect(RetrySchedule.wait(after: 5, elapsed: .seconds(59), retry: retry, jitter: 0) == nil, "given up after giveUpAfter")
    }
}
