import Foundation
import HXCanonical
import HXDevBroker
import HXITK3
import HXKafka
import HXKafkaTestSupport
import HXMESH
import HXMESHSandbox
import HXTranslate
import Testing
@testable import HXAdapterRuntime

extension BrokerTests {
    /// A trust sends discharge documents to the exchange's MESH mailbox (NHS Digital's sandbox, real HMAC
    /// authentication); the adapter publishes them, answers each with an ITK3 infrastructure
    /// acknowledgement on the `_ACK` workflow, and only then takes it out of the inbox.
    @Suite("MESH adapter source against the MESH sandbox and a real broker", .serialized, .timeLimit(.minutes(3)))
    struct MESHSourceTests {
        static let exchange = "HXEXCH02", trust = "RWWOT001"
        static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

        static func document() throws -> String {
            let url = root.appendingPathComponent("Tests/Fixtures/mesh/itk3-stu3-edischarge-message.xml")
            try #require(FileManager.default.fileExists(atPath: url.path), "missing fixture \(url.path) (Tests/Fixtures/README.md)")
            return try String(contentsOf: url, encoding: .utf8)
        }

        static func configuration() throws -> AdapterConfiguration {
            let codes = root.appendingPathComponent("config/sensitivity-codes.yaml")
            return AdapterConfiguration(name: "test-mesh", organisation: "RWW", system: "MESH", format: .fhirDischarge,
                                        source: .mesh(mailbox: exchange, answerAs: "01F"), timeZone: "Europe/London", maxInputBytes: 1 << 20,
                                        columns: [:], sensitivity: try SensitivityCodes.load(contentsOf: codes).get())
        }

        /// The exchange's mailbox in the sandbox, polled often (a sandbox allows it).
        static func access(_ sandbox: MESHSandbox, sharedKey: String = MESHSandbox.sharedKey) -> MESHAccess {
            var access = MESHAccess(url: sandbox.baseURL, passwords: [exchange: MESHSandbox.password], sharedKey: sharedKey)
            access.pollInterval = .milliseconds(200)
            return access
        }

        /// The trust's inbox until it holds `count` messages, or the deadline passes.
        static func answers(_ client: MESHClient, count: Int, timeout: Duration = .seconds(60)) async throws -> [MESHReceivedMessage] {
            let deadline = ContinuousClock.now + timeout
            var ids = try await client.inbox()
            while ids.count < count && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                ids = try await client.inbox()
            }
            var messages: [MESHReceivedMessage] = []
            for id in ids { messages.append(try await client.download(id)) }
            return messages
        }

        @Test("a good document is published and answered positively, a bad one dead-lettered and answered negatively; both leave the inbox")
        func documentsArePublishedAnsweredAndAcknowledged() async throws {
            let good = try Self.document()
            // Another document with a wrong NHS number check digit, under its own MessageHeader and document ids.
            let bad = good.replacingOccurrences(of: "9990300003", with: "9990300004")
                .replacingOccurrences(of: "0d4e2f71-8c5a-4b93-a1e6-3f9b7c2d5e02", with: "7e1a9c44-3b2d-4e6f-8a90-1c2d3e4f5a6b")
                .replacingOccurrences(of: "5a7c3e19-2b4d-4f60-8e1a-9c0b6d3f2a17", with: "6b8d4f2a-3c5e-4071-9f2b-0d1c7e4a3b28")
            let goodHeader = try #require(ITK3Inbound.header(Array(good.utf8))), badHeader = try #require(ITK3Inbound.header(Array(bad.utf8)))
            let sandbox = try await MESHSandbox.start(mailboxes: [Self.exchange, Self.trust])
            defer { sandbox.stop() }
            let trust = try MESHClient(sandbox.configuration(mailbox: Self.trust))
            try await trust.handshake()
            for (localID, body) in [("doc-good", good), ("doc-bad", bad)] {
                _ = try await trust.send(MESHOutgoingMessage(to: Self.exchange, workflowID: ITK3.Workflow.inpatientDischarge, localID: localID,
                                                             contentType: "application/fhir+xml", body: Array(body.utf8)))
            }
            var settings = testSettings()
            settings.mesh = Self.access(sandbox)
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let received = try await withAdapter(broker, configuration: try Self.configuration(), settings: settings) { _ in
                    try await Self.answers(trust, count: 2)
                }
                #expect(received.count == 2, "one answer per document")
                var byHeader: [String: ITK3Response] = [:]
                for message in received {
                    #expect(message.headers.workflowID == "TOC_FHIR_IP_DISCH_ACK")
                    let response = try ITK3Response.parse(message.body)
                    byHeader[response.respondsTo] = response
                }
                let positive = try #require(byHeader[goodHeader.id]), negative = try #require(byHeader[badHeader.id])
                #expect(positive.kind == .infrastructure && positive.isPositive && positive.itkResponseCode == ITK3ResponseCode.success.rawValue)
                #expect(!negative.isPositive && negative.itkResponseCode == ITK3ResponseCode.payloadValidationFailure.rawValue)
                #expect(negative.text?.contains("nhs-number-invalid") == true && negative.text?.contains("9990300004") == false,
                        "the reason code, never the value")

                // Out of the exchange's inbox: acknowledged after the answers.
                let exchange = try MESHClient(sandbox.configuration(mailbox: Self.exchange))
                #expect(try await exchange.inbox().isEmpty)
                await exchange.shutdown()

                let published = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 1)
                #expect(published.count == 1)
                let message = try CanonicalJSON.decode(Data(try #require(published.first).value))
                #expect(message.source.messageId == "5a7c3e19-2b4d-4f60-8e1a-9c0b6d3f2a17" && message.subject.nhsNumber?.digits == "9990300003")
                let letters = try await readTopic(broker, HXTopic.deadLetter, partitions: 1, atLeast: 1)
                #expect(letters.map { header($0, HXHeader.reasonCode) } == ["nhs-number-invalid"])
            }
            await trust.shutdown()
        }

        @Test("killed between publishing a document and acknowledging it: published again under the same id, answered once")
        func killedBetweenPublishAndAcknowledge() async throws {
            let hx = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hx")
            let work = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("hx-mesh-source"))
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let password = work.appendingPathComponent("password"), key = work.appendingPathComponent("shared-key")
            try Data((MESHSandbox.password + "\n").utf8).write(to: password)
            try Data(MESHSandbox.sharedKey.utf8).write(to: key)
            // The shipped MESH variant of the STHK adapter, as a trust IT team would run it.
            let adapter = Self.root.appendingPathComponent("adapters/sthk-edischarge/mesh")
            let mailbox = "X26HX0001"
            let sandbox = try await MESHSandbox.start(mailboxes: [mailbox, Self.trust])
            defer { sandbox.stop() }
            // Every request reaches MESH except the acknowledgement of a download, held back for ever:
            // the adapter has published and answered, and is killed before MESH hears it is done.
            let proxyPort = try DevBroker.freePort()
            let proxy = try ChildProcess(executable: MESHSandbox.python, arguments: [
                Self.root.appendingPathComponent("scripts/mesh-hold-proxy.py").path, "--port", "\(proxyPort)", "--target-port", "\(sandbox.port)",
                "--hold", "acknowledge",
            ], output: work.appendingPathComponent("proxy.log"))
            defer { proxy.stop() }
            let trust = try MESHClient(sandbox.configuration(mailbox: Self.trust))
            try await trust.handshake()
            _ = try await trust.send(MESHOutgoingMessage(to: mailbox, workflowID: ITK3.Workflow.inpatientDischarge, localID: "doc-kill",
                                                         contentType: "application/fhir+xml", body: Array(try Self.document().utf8)))
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                func start(_ url: String, log: String) throws -> ChildProcess {
                    try ChildProcess(executable: hx.path, arguments: [
                        "adapter", "run", adapter.path, "--bootstrap-servers", broker.bootstrapServers, "--metrics-port", "0", "--listen", "127.0.0.1",
                        "--mesh-url", url, "--mesh-password-file", "\(mailbox)=\(password.path)", "--mesh-shared-key-file", key.path,
                        "--mesh-poll-interval", "200ms", "--mesh-sandbox-polling",
                    ], output: work.appendingPathComponent(log))
                }
                let first = try start("http://127.0.0.1:\(proxyPort)", log: "first.log")
                let proxyLog = work.appendingPathComponent("proxy.log")
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline, first.isRunning,
                      !((try? String(contentsOf: proxyLog, encoding: .utf8)) ?? "").contains("held") {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let adapterLog = (try? String(contentsOf: work.appendingPathComponent("first.log"), encoding: .utf8)) ?? ""
                try #require(first.isRunning, "the adapter runs: \(adapterLog)")
                try #require(((try? String(contentsOf: proxyLog, encoding: .utf8)) ?? "").contains("held"), "the acknowledgement reached the proxy")
                first.signal(SIGKILL)
                while first.isRunning { try await Task.sleep(for: .milliseconds(20)) }
                #expect(try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 1).count == 1, "published before the kill")

                // Started again, straight to MESH: the message is still in the inbox, so it is handled again.
                let second = try start(sandbox.baseURL, log: "second.log")
                defer { second.stop() }
                let exchange = try MESHClient(sandbox.configuration(mailbox: mailbox))
                let emptied = ContinuousClock.now + .seconds(60)
                while try await !exchange.inbox().isEmpty, ContinuousClock.now < emptied { try await Task.sleep(for: .milliseconds(100)) }
                #expect(try await exchange.inbox().isEmpty, "acknowledged after the restart")
                await exchange.shutdown()
                let published = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 2)
                let ids = Set(try published.map { try CanonicalJSON.decode(Data($0.value)).id })
                #expect(published.count == 2 && ids.count == 1, "published again under the same message id, which the router drops as a repeat")
                let answers = try await trust.inbox()
                #expect(answers.count == 1, "one ITK3 answer: the second run found the first in MESH's tracking")
            }
            await trust.shutdown()
        }

        @Test("a wrong shared key stops the adapter at start with MESH's refusal, before anything is polled")
        func aWrongSharedKeyStopsStartUp() async throws {
            let sandbox = try await MESHSandbox.start(mailboxes: [Self.exchange])
            defer { sandbox.stop() }
            var settings = testSettings()
            settings.mesh = Self.access(sandbox, sharedKey: "not-the-environments-key")
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                do {
                    _ = try await withAdapter(broker, configuration: try Self.configuration(), settings: settings) { _ in () }
                    Issue.record("started with a wrong shared key")
                } catch let error as MESHError {
                    #expect(error.code == .authRefused && error.operation == "handshake")
                }
            }
        }
    }
}
