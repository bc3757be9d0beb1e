import Foundation
import HXCanonical
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXNetworkTestSupport
import HXTranslate
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Testing
@testable import HXAdapterRuntime

extension BrokerTests {
    @Suite("FHIR HTTP adapter against a real broker", .serialized, .timeLimit(.minutes(3)))
    struct HTTPTests {
        static let adapterDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("adapters/sthk-edischarge")

        static func configuration() throws -> AdapterConfiguration {
            try AdapterConfiguration.load(directory: adapterDirectory).get()
        }

        static func sample(_ name: String) throws -> [UInt8] {
            Array(try Data(contentsOf: adapterDirectory.appendingPathComponent("samples/\(name)")))
        }

        /// The id the translator gives an input (deterministic), to compare answers with.
        static func expectedID(_ input: [UInt8], _ configuration: AdapterConfiguration) throws -> String {
            let outcome = try #require(Translator.translate(configuration: configuration, input: Data(input)).first)
            return try #require(outcome.message).id.uuidString.lowercased()
        }

        @Test("Two FHIR documents (JSON, XML) on one keep-alive connection: 201 each, in order, with the canonical ids; messages on the topic")
        func accepted() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let configuration = try Self.configuration()
                let json = try Self.sample("edischarge-r4.json"), xml = try Self.sample("edischarge-itk3-stu3.xml")
                let ids = [try Self.expectedID(json, configuration), try Self.expectedID(xml, configuration)]
                let replies = try await withAdapter(broker, configuration: configuration) { adapter in
                    // Pipelined: the second request is sent before the first is answered.
                    try await httpExchange(port: adapter.httpPort, [
                        httpRequest("POST", "/fhir/edischarge", contentType: "application/fhir+json", body: json, close: false),
                        // Answered 100 Continue first (the pipelining handler holds it until the first answer is out).
                        httpRequest("POST", "/fhir/edischarge", contentType: "application/fhir+xml; charset=utf-8", body: xml, expectContinue: true),
                    ], informational: true)
                }
                #expect(replies.map(\.status) == [201, 100, 201])
                let finals = replies.filter { $0.status >= 200 }
                try #require(finals.count == 2)
                #expect(finals[0].headers["connection"] == nil)
                for (reply, id) in zip(finals, ids) {
                    let body = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any])
                    #expect(body["messageIds"] as? [String] == [id])
                }

                let records = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 2)
                #expect(records.count == 2)
                #expect(Set(records.compactMap { header($0, HXHeader.messageID) }) == Set(ids))
                #expect(Set(records.map(\.keyString)) == ["9990100055", "9990100063"])
                for record in records {
                    let message = try CanonicalJSON.decode(Data(record.value))
                    #expect(header(record, HXHeader.messageID) == message.id.uuidString.lowercased())
                    #expect(header(record, HXHeader.messageType) == "discharge-summary")
                    #expect(header(record, HXHeader.schema) == "hx.canonical/1")
                    #expect(header(record, HXHeader.sourceOrganisation) == "RBN")
                    #expect(header(record, HXHeader.adapter) == "sthk-edischarge")
                }
            }
        }

        @Test("Rejected FHIR: 400 with an OperationOutcome (reason code, location, no patient data), dead letters with the original bytes")
        func rejected() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let configuration = try Self.configuration()
                let bad = invalidNHSNumber()
                let badNHS = Array(String(decoding: try Self.sample("edischarge-r4.json"), as: UTF8.self)
                    .replacingOccurrences(of: "9990100055", with: bad).utf8)
                let noComposition = try Self.sample("bad-no-composition.json")
                let expected = try [badNHS, noComposition].map { input in
                    try #require(Translator.translate(configuration: configuration, input: Data(input)).first?.error)
                }
                #expect(expected.map(\.code) == ["nhs-number-invalid", "fhir-composition-missing"])
                let replies = try await withAdapter(broker, configuration: configuration) { adapter in
                    try await httpExchange(port: adapter.httpPort, [
                        httpRequest("POST", "/fhir/edischarge", contentType: "application/fhir+json", body: badNHS, close: false),
                        httpRequest("POST", "/fhir/edischarge", contentType: "application/json", body: noComposition),
                    ])
                }
                try #require(replies.count == 2)
                #expect(replies.map(\.status) == [400, 400])
                for (reply, error) in zip(replies, expected) {
                    #expect(reply.headers["content-type"] == "application/fhir+json")
                    let outcome = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any])
                    #expect(outcome["resourceType"] as? String == "OperationOutcome")
                    let issue = try #require((outcome["issue"] as? [[String: Any]])?.first)
                    #expect(issue["severity"] as? String == "error")
                    #expect(issue["code"] as? String == "invalid")
                    let coding = try #require(((issue["details"] as? [String: Any])?["coding"] as? [[String: Any]])?.first)
                    #expect(coding["code"] as? String == error.code)
                    #expect(issue["expression"] as? [String] == [error.location])
                }
                let text = replies.map { String(decoding: $0.body, as: UTF8.self) }.joined()
                #expect(!text.contains(bad))
                #expect(!text.contains("9990100055"))
                #expect(!text.contains("Stella"))

                let letters = try await readTopic(broker, HXTopic.deadLetter, partitions: 1, atLeast: 2)
                #expect(letters.count == 2)
                #expect(letters.map(\.value) == [badNHS, noComposition])
                #expect(letters.compactMap { header($0, HXHeader.reasonCode) } == ["nhs-number-invalid", "fhir-composition-missing"])
                #expect(letters.compactMap { header($0, HXHeader.location) } == expected.map(\.location))
                #expect(letters.allSatisfy { header($0, HXHeader.adapter) == "sthk-edischarge" })
                let canonical = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 1, timeout: .seconds(2))
                #expect(canonical.isEmpty)
            }
        }

        @Test("Requests the endpoint does not take: 415, 405, 404, 413, each with an OperationOutcome and nothing on Kafka")
        func refused() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                var configuration = try Self.configuration()
                configuration.maxInputBytes = 4096
                let json = try Self.sample("edischarge-r4.json")
                let small = try Self.sample("bad-no-composition.json")
                let replies = try await withAdapter(broker, configuration: configuration) { adapter in
                    var replies = try await httpExchange(port: adapter.httpPort, [
                        httpRequest("POST", "/fhir/edischarge", contentType: "text/plain", body: small, close: false),
                        httpRequest("GET", "/fhir/edischarge", contentType: nil, body: [], close: false),
                        httpRequest("POST", "/fhir/other", contentType: "application/fhir+json", body: small),
                    ])
                    // Over maxInputBytes: refused, and the connection closed (its body was not read).
                    replies += try await httpExchange(port: adapter.httpPort, [
                        httpRequest("POST", "/fhir/edischarge", contentType: "application/fhir+json", body: json),
                    ])
                    return replies
                }
                #expect(replies.map(\.status) == [415, 405, 404, 413])
                #expect(replies[1].headers["allow"] == "POST")
                #expect(replies[3].headers["connection"] == "close")
                for reply in replies {
                    let outcome = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]
                    #expect(outcome?["resourceType"] as? String == "OperationOutcome")
                }
                let letters = try await readTopic(broker, HXTopic.deadLetter, partitions: 1, atLeast: 1, timeout: .seconds(2))
                #expect(letters.isEmpty)
            }
        }

        @Test("Broker paused: 503 with Retry-After and a transient OperationOutcome; after resume the resend gives 201 with the same id")
        func brokerPaused() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let configuration = try Self.configuration()
                let json = try Self.sample("edischarge-r4.json")
                let id = try Self.expectedID(json, configuration)
                let (unavailable, resent) = try await withAdapter(broker, configuration: configuration,
                                                                  settings: testSettings(messageTimeout: .seconds(3))) { adapter in
                    let request = httpRequest("POST", "/fhir/edischarge", contentType: "application/fhir+json", body: json)
                    broker.pause()
                    let unavailable = try await httpExchange(port: adapter.httpPort, [request], timeout: .seconds(20)).first
                    broker.resume()
                    // The producer may need a moment (or a replacement) before Kafka confirms again.
                    var resent: HTTPTestReply?
                    let deadline = ContinuousClock.now + .seconds(60)
                    while ContinuousClock.now < deadline {
                        resent = try await httpExchange(port: adapter.httpPort, [request], timeout: .seconds(20)).first
                        if resent?.status == 201 { break }
                        try await Task.sleep(for: .milliseconds(500))
                    }
                    return (unavailable, resent)
                }
                let refused = try #require(unavailable)
                #expect(refused.status == 503)
                #expect(refused.headers["retry-after"] != nil)
                let outcome = try #require(try JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: Any])
                #expect((outcome["issue"] as? [[String: Any]])?.first?["code"] as? String == "transient")
                let accepted = try #require(resent)
                #expect(accepted.status == 201)
                let body = try #require(try JSONSerialization.jsonObject(with: Data(accepted.body)) as? [String: Any])
                #expect(body["messageIds"] as? [String] == [id])

                let records = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 1)
                #expect(!records.isEmpty)
                #expect(records.allSatisfy { header($0, HXHeader.messageID) == id })
            }
        }

        @Test("Graceful shutdown with a request in flight: it is still answered, 201 once Kafka has it, and the connection closes")
        func shutdownWithRequestInFlight() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let configuration = try Self.configuration()
                let json = try Self.sample("edischarge-r4.json")
                let service = try await AdapterCommandRunner.makeService(
                    configuration: configuration, adapterDirectory: Self.adapterDirectory,
                    bootstrapServers: broker.bootstrapServers, metricsPort: nil, registry: PrometheusCollectorRegistry(),
                    settings: testSettings(messageTimeout: .seconds(20)), logger: quietLogger)
                let group = ServiceGroup(services: [service], logger: quietLogger)
                let port = (service.source as! FHIRHTTPListener).port
                let reply = try await withThrowingTaskGroup(of: HTTPTestReply?.self) { tasks in
                    tasks.addTask {
                        try await group.run()
                        return nil
                    }
                    // Kafka stops answering, the request goes in, shutdown is asked for, then
                    // Kafka comes back: the request must still be confirmed and answered.
                    broker.pause()
                    tasks.addTask {
                        try await httpExchange(port: port, [httpRequest("POST", "/fhir/edischarge", contentType: "application/fhir+json", body: json, close: false)]).first
                    }
                    try await Task.sleep(for: .milliseconds(500))
                    await group.triggerGracefulShutdown()
                    try await Task.sleep(for: .seconds(1))
                    broker.resume()
                    var reply: HTTPTestReply?
                    while let result = try await tasks.next() { if let result { reply = result } }
                    return reply
                }
                #expect(reply?.status == 201)
                #expect(reply?.headers["connection"] == "close")
                let records = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 1)
                #expect(records.count == 1)
            }
        }

        @Test("Graceful shutdown does not wait for an idle keep-alive connection: it is closed unanswered")
        func shutdownWithIdleConnection() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let configuration = try Self.configuration()
                let (idle, stopping): (NIOAsyncChannel<ByteBuffer, ByteBuffer>, ContinuousClock.Instant) = try await withAdapter(broker, configuration: configuration) { adapter in
                    let idle = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                        .connect(host: "127.0.0.1", port: adapter.httpPort) { channel in
                            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                        }
                    return (idle, ContinuousClock.now)
                }
                #expect(ContinuousClock.now - stopping < .seconds(5))
                // Bounded, so that a connection left open fails the test instead of hanging it.
                let channel = idle.channel
                let timer = channel.eventLoop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
                let reading = ContinuousClock.now
                // The adapter closing it may reach this side as a reset rather than an end of stream
                // (seen once under load): either is the connection closed, and what counts is that
                // nothing came before it.
                let received = try await idle.executeThenClose { inbound, _ in
                    var count = 0
                    do {
                        for try await chunk in inbound { count += chunk.readableBytes }
                    } catch let error as IOError where error.errnoCode == ECONNRESET {}
                    return count
                }
                timer.cancel()
                #expect(ContinuousClock.now - reading < .seconds(9), "closed by the adapter, not by the test's timer")
                #expect(received == 0)
            }
        }
    }
}

// MARK: HTTP test client

struct HTTPTestReply: Sendable {
    var status: Int
    /// Lower-cased names.
    var headers: [String: String]
    var body: [UInt8]
}

func httpRequest(_ method: String, _ path: String, contentType: String?, body: [UInt8], close: Bool = true, expectContinue: Bool = false) -> [UInt8] {
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
    if expectContinue { head += "Expect: 100-continue\r\n" }
    if let contentType { head += "Content-Type: \(contentType)\r\n" }
    if close { head += "Connection: close\r\n" }
    return Array((head + "\r\n").utf8) + body
}

/// Sends the requests on one connection without waiting in between and reads
/// their final answers until there are as many, the server closes, or `timeout`;
/// 1xx answers are left out unless `informational`.
func httpExchange(port: Int, _ requests: [[UInt8]], timeout: Duration = .seconds(30), informational: Bool = false) async throws -> [HTTPTestReply] {
    let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
    let channel = connection.channel
    let timer = channel.eventLoop.scheduleTask(in: .seconds(timeout.components.seconds)) { channel.close(promise: nil) }
    defer { timer.cancel() }
    return try await connection.executeThenClose { inbound, outbound in
        for request in requests { try await outbound.write(ByteBuffer(bytes: request)) }
        var data: [UInt8] = []
        var replies: [HTTPTestReply] = []
        do {
            for try await chunk in inbound {
                data += Array(chunk.readableBytesView)
                while let (reply, used) = parseHTTPReply(data) {
                    data.removeFirst(used)
                    if reply.status >= 200 || informational { replies.append(reply) }
                }
                if replies.filter({ $0.status >= 200 }).count == requests.count { break }
            }
        } catch {
            // Closed by the timer: what arrived so far is the answer.
        }
        return replies
    }
}

/// One whole response at the start of `data` (Content-Length bodies only) and the bytes it took.
func parseHTTPReply(_ data: [UInt8]) -> (HTTPTestReply, Int)? {
    let separator: [UInt8] = [13, 10, 13, 10]
    guard data.count >= 4, let end = (0...(data.count - 4)).first(where: { Array(data[$0..<($0 + 4)]) == separator }) else { return nil }
    let lines = String(decoding: data[..<end], as: UTF8.self).components(separatedBy: "\r\n")
    guard let statusLine = lines.first, statusLine.split(separator: " ").count >= 2, let status = Int(statusLine.split(separator: " ")[1]) else { return nil }
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    let length = status < 200 ? 0 : Int(headers["content-length"] ?? "0") ?? 0
    guard data.count >= end + 4 + length else { return nil }
    return (HTTPTestReply(status: status, headers: headers, body: Array(data[(end + 4)..<(end + 4 + length)])), end + 4 + length)
}
