import Foundation
import HXDevBroker
import HXMESHSandbox
import HXMESHTestSupport
import NIOCore
import Testing

@testable import HXMESH

/// The MESH client's pure parts: the NHSMESH header, chunking, reading MESH's answers.
@Suite struct MESHClientUnitTests {
    /// The HMAC the MESH sandbox itself computes for these inputs
    /// (`mesh_sandbox.common.generate_cipher_text("TestKey", "HXEXCH01", "password", "202612050307", nonce, "1")`).
    @Test func authorisationHeaderIsTheOneMESHChecks() {
        let time = Date(timeIntervalSince1970: 1_796_440_020)  // 2026-12-05 03:07:00 UTC
        let header = MESHAuthorisation.header(
            mailbox: "HXEXCH01", password: "password", sharedKey: "TestKey", nonce: "4a3c9f6e-1d2b-4c8e-9f7a-2b6d8e0c1a55",
            nonceCount: 1, at: time)
        #expect(header == "NHSMESH HXEXCH01:4a3c9f6e-1d2b-4c8e-9f7a-2b6d8e0c1a55:1:202612050307:\(Self.sandboxHMAC)")
    }

    static let sandboxHMAC = "7b0bcfa615d3941d12c5bcb7d0feb7de7c828cbd3213256b5b192c34274f5780"

    @Test func timestampIsUTCMinutes() {
        #expect(MESHAuthorisation.timestamp(Date(timeIntervalSince1970: 0)) == "197001010000")
        #expect(MESHAuthorisation.timestamp(Date(timeIntervalSince1970: 1_796_440_020 + 59)) == "202612050307")
    }

    @Test func bodyIsChunkedAboveTheChunkSize() {
        let body = [UInt8](repeating: 7, count: 3500)
        #expect(MESHClient.chunks(of: body, size: 1000).map(\.count) == [1000, 1000, 1000, 500])
        #expect(MESHClient.chunks(of: body, size: 3500).map(\.count) == [3500])
        #expect(MESHClient.chunks(of: [], size: 10).map(\.count) == [0])
        #expect(Array(MESHClient.chunks(of: body, size: 1000).joined()) == body)
    }

    @Test func answersAreRead() {
        #expect(MESHClient.messageID(inSendAnswer: ByteBuffer(string: #"{"message_id":"ABC123"}"#)) == "ABC123")
        let page = MESHClient.inboxPage(
            ByteBuffer(string: #"{"messages":["A","B"],"approx_inbox_count":9,"links":{"self":"/x","next":"/messageexchange/M/inbox?continue_from=z"}}"#))
        #expect(page?.messages == ["A", "B"])
        #expect(page?.next == "/messageexchange/M/inbox?continue_from=z")
        let v1 = MESHClient.tracking(ByteBuffer(string: #"{"messageId":"ID1","localId":"L1","status":"Accepted","recipient":"R"}"#))
        #expect(v1 == MESHTracking(messageID: "ID1", localID: "L1", status: "accepted", recipient: "R"))
        #expect(MESHClient.errorCode(ByteBuffer(string: #"{"detail":[{"event":"SEND","code":"12","msg":"Unregistered to address"}]}"#)) == "12")
        #expect(MESHClient.errorCode(ByteBuffer(string: #"{"errorCode":"EPL-151"}"#)) == "EPL-151")
    }

    @Test func errorsNameMailboxAndOperationAndSayWhetherASendMayHaveArrived() {
        let lost = MESHError(.noAnswer, mailbox: "HXEXCH01", operation: "send")
        #expect(lost.mayHaveArrived)
        #expect(lost.description.hasPrefix("mesh-no-answer: MESH mailbox HXEXCH01, send"))
        #expect(!MESHError(.authRefused, mailbox: "M", operation: "send", httpStatus: 403).mayHaveArrived)
        #expect(!MESHError(.recipientUnknown, mailbox: "M", operation: "send", httpStatus: 417).mayHaveArrived)
        #expect(MESHError(.unexpectedStatus, mailbox: "M", operation: "send", httpStatus: 503).mayHaveArrived)
    }
}

/// The client against NHS Digital's MESH sandbox (real HMAC authentication), with NHS England's
/// mesh-client (scripts/mesh-peer.py) as the independent other party.
@Suite struct MESHSandboxTests {
    static let us = "HXEXCH01"
    static let practice = "A81001OT"

    static func payload(_ count: Int) -> [UInt8] {
        // Varied bytes (not all one value), so gzip and chunk boundaries are really exercised.
        var state: UInt32 = 2_463_534_242
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state % 64 + 32)
        }
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hx-mesh-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func handshakeWorksAndAWrongSharedKeyIsRefusedClearly() async throws {
        let mesh = try await MESHSandbox.start(mailboxes: [Self.us])
        defer { mesh.stop() }
        let client = try MESHClient(mesh.configuration(mailbox: Self.us))
        defer { Task { await client.shutdown() } }
        try await client.handshake()
        #expect(try await client.handshakeIfDue() == false)

        let wrong = try MESHClient(mesh.configuration(mailbox: Self.us, sharedKey: "NotTheKey"))
        defer { Task { await wrong.shutdown() } }
        do throws(MESHError) {
            try await wrong.handshake()
            Issue.record("a wrong shared key was accepted")
        } catch {
            #expect(error.code == .authRefused)
            #expect(error.httpStatus == 403)
            #expect(error.description.contains("mesh-auth-refused: MESH mailbox \(Self.us), handshake"))
        }
    }

    @Test func whatSwiftSendsMeshClientReceivesWithItsHeaders() async throws {
        let mesh = try await MESHSandbox.start(mailboxes: [Self.us, Self.practice])
        defer { mesh.stop() }
        let client = try MESHClient(mesh.configuration(mailbox: Self.us))
        defer { Task { await client.shutdown() } }
        try await client.handshake()
        let compressed = Self.payload(40_000)
        let plain = Array("{\"resourceType\":\"Bundle\"}".utf8)
        let first = try await client.send(
            MESHOutgoingMessage(
                to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "decision-1", subject: "Discharge summary",
                fileName: "decision-1.json", contentType: "application/fhir+json", body: compressed, compress: true))
        let second = try await client.send(
            MESHOutgoingMessage(to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "decision-2", body: plain, compress: false))

        let out = try Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        let lines = try await mesh.peer("receive", ["--mailbox", Self.practice, "--out", out.path, "--ack"])
            .split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        #expect(Set(lines.compactMap { $0["message_id"] as? String }) == [first, second])
        #expect(Array(try Data(contentsOf: out.appendingPathComponent(first))) == compressed)
        #expect(Array(try Data(contentsOf: out.appendingPathComponent(second))) == plain)
        let headers = lines.first { $0["message_id"] as? String == first }?["headers"] as? [String: String] ?? [:]
        #expect(headers["workflowid"] == "TOC_FHIR_IP_DISCH")
        #expect(headers["localid"] == "decision-1")
        #expect(headers["subject"] == "Discharge summary")
        #expect(headers["filename"] == "decision-1.json")
        #expect(headers["from"] == Self.us)
        #expect(headers["content-type"] == "application/fhir+json")
        // Acknowledged by the peer: gone from the practice's inbox.
        let practice = try MESHClient(mesh.configuration(mailbox: Self.practice))
        defer { Task { await practice.shutdown() } }
        #expect(try await practice.inbox().isEmpty)
    }

    @Test func aChunkedGzipMessageFromMeshClientIsReceivedWhole() async throws {
        let mesh = try await MESHSandbox.start(mailboxes: [Self.us, Self.practice])
        defer { mesh.stop() }
        let data = Self.payload(5_000)
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("ack.json")
        try Data(data).write(to: file)
        let sent = try await mesh.peer(
            "send",
            ["--mailbox", Self.practice, "--to", Self.us, "--workflow", "TOC_FHIR_IP_DISCH_ACK", "--local-id", "ack-1",
             "--subject", "ack", "--chunk-size", "1500", "--compress", file.path]
        ).split(separator: "\n").last.map(String.init) ?? ""

        let client = try MESHClient(mesh.configuration(mailbox: Self.us))
        defer { Task { await client.shutdown() } }
        #expect(try await client.inbox() == [sent])
        let message = try await client.download(sent)
        #expect(message.body == data)
        #expect(message.headers.totalChunks == 4)
        #expect(message.headers.messageType == .data)
        #expect(message.headers.workflowID == "TOC_FHIR_IP_DISCH_ACK")
        #expect(message.headers.localID == "ack-1")
        #expect(message.headers.from == Self.practice)
        try await client.acknowledge(sent)
        #expect(try await client.inbox().isEmpty)
    }

    @Test func swiftSendsChunkedAndBothClientsReceiveItWhole() async throws {
        let mesh = try await MESHSandbox.start(mailboxes: [Self.us, Self.practice])
        defer { mesh.stop() }
        let sender = try MESHClient(mesh.configuration(mailbox: Self.us, chunkSize: 1_000))
        defer { Task { await sender.shutdown() } }
        let receiver = try MESHClient(mesh.configuration(mailbox: Self.practice))
        defer { Task { await receiver.shutdown() } }
        let data = Self.payload(3_500)
        for compress in [true, false] {
            let id = try await sender.send(
                MESHOutgoingMessage(to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "chunked-\(compress)", body: data, compress: compress))
            let details = try await mesh.messageDetails(id)
            #expect(details["chunk_count"] as? Int == 4)
            let message = try await receiver.download(id)
            #expect(message.body == data)
            #expect(message.headers.totalChunks == 4)
            try await receiver.acknowledge(id)
        }
        // And NHS England's client reads a chunked gzip message of ours the same.
        let id = try await sender.send(
            MESHOutgoingMessage(to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "chunked-peer", body: data, compress: true))
        let out = try Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try await mesh.peer("receive", ["--mailbox", Self.practice, "--out", out.path, "--ack"])
        #expect(Array(try Data(contentsOf: out.appendingPathComponent(id))) == data)
    }

    @Test func theInboxIsReadPageByPageAndAcknowledgingEmptiesIt() async throws {
        let mesh = try await MESHSandbox.start(mailboxes: [Self.us, Self.practice])
        defer { mesh.stop() }
        let sender = try MESHClient(mesh.configuration(mailbox: Self.us))
        defer { Task { await sender.shutdown() } }
        let receiver = try MESHClient(mesh.configuration(mailbox: Self.practice))
        defer { Task { await receiver.shutdown() } }
        var sent: [String] = []
        for n in 1...23 {
            sent.append(
                try await sender.send(
                    MESHOutgoingMessage(to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "page-\(n)", body: Array("m\(n)".utf8))))
        }
        // Ten at a time (MESH's smallest page): pages of 10, 10 and 3, joined by following links.next.
        let listed = try await receiver.inbox(pageSize: 10)
        #expect(listed.count == 23)
        #expect(Set(listed) == Set(sent))
        for id in listed.prefix(14) { try await receiver.acknowledge(id) }
        #expect(Set(try await receiver.inbox(pageSize: 10)) == Set(listed.dropFirst(14)))
    }

    @Test func trackingFindsASendByLocalIDAndALostAnswerIsNotSentTwice() async throws {
        let mesh = try await MESHSandbox.start(mailboxes: [Self.us, Self.practice])
        defer { mesh.stop() }
        let client = try MESHClient(mesh.configuration(mailbox: Self.us))
        defer { Task { await client.shutdown() } }
        let sent = try await client.send(
            MESHOutgoingMessage(to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "decision-7", body: Array("x".utf8)))
        let tracked = try await client.tracking(localID: "decision-7")
        #expect(tracked?.messageID == sent)
        #expect(tracked?.status == "accepted")
        #expect(tracked?.recipient == Self.practice)
        #expect(try await client.tracking(localID: "never-sent") == nil)
        #expect(try await client.tracking(messageID: sent)?.localID == "decision-7")

        // A send whose answer is lost on the way back: MESH has it, we do not know its id.
        let proxy = try await mesh.answerLosingProxy()
        defer { proxy.stop() }
        var lossy = mesh.configuration(mailbox: Self.us)
        lossy.baseURL = proxy.baseURL
        let lossyClient = try MESHClient(lossy)
        defer { Task { await lossyClient.shutdown() } }
        let message = MESHOutgoingMessage(to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "decision-8", body: Array("y".utf8))
        do throws(MESHError) {
            _ = try await lossyClient.send(message)
            Issue.record("the proxy let an answer through")
        } catch {
            #expect(error.code == .noAnswer)
            #expect(error.mayHaveArrived)
        }
        // Sending again the safe way finds it and does not post a second copy.
        let again = try await client.sendUnlessTracked(message)
        guard case .alreadyInMESH(let id) = again else {
            Issue.record("sent a second time: \(again)")
            return
        }
        let practice = try MESHClient(mesh.configuration(mailbox: Self.practice))
        defer { Task { await practice.shutdown() } }
        let inbox = try await practice.inbox()
        #expect(inbox.count == 2)
        #expect(Set(inbox) == [sent, id])
        // A local id MESH has not seen is posted.
        let fresh = try await client.sendUnlessTracked(
            MESHOutgoingMessage(to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "decision-9", body: Array("z".utf8)))
        guard case .posted = fresh else {
            Issue.record("a new message was not posted: \(fresh)")
            return
        }
        #expect(try await practice.inbox().count == 3)
    }

    /// A chunked send whose first answer is lost: MESH holds the message, still uploading.
    /// `sendUnlessTracked` finds it by local id and posts the remaining chunks to it, so the
    /// recipient gets one whole message.
    @Test func aChunkedSendCutShortIsFinishedNotSentAgain() async throws {
        let mesh = try await MESHSandbox.start(mailboxes: [Self.us, Self.practice])
        defer { mesh.stop() }
        let proxy = try await mesh.answerLosingProxy()
        defer { proxy.stop() }
        var lossy = mesh.configuration(mailbox: Self.us, chunkSize: 1_000)
        lossy.baseURL = proxy.baseURL
        let lossyClient = try MESHClient(lossy)
        defer { Task { await lossyClient.shutdown() } }
        let client = try MESHClient(mesh.configuration(mailbox: Self.us, chunkSize: 1_000))
        defer { Task { await client.shutdown() } }
        let data = Self.payload(3_500)
        let message = MESHOutgoingMessage(to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "decision-11", body: data)
        do throws(MESHError) {
            _ = try await lossyClient.send(message)
            Issue.record("the proxy let an answer through")
        } catch {
            #expect(error.code == .noAnswer)
        }
        let halfSent = try #require(try await client.tracking(localID: "decision-11"))
        #expect(halfSent.status == "uploading")
        let practice = try MESHClient(mesh.configuration(mailbox: Self.practice))
        defer { Task { await practice.shutdown() } }
        // Not downloadable until its last chunk is in.
        do throws(MESHError) {
            _ = try await practice.download(halfSent.messageID)
            Issue.record("a half-uploaded message was downloaded")
        } catch {
            #expect(error.code == .messageGone)
        }
        let outcome = try await client.sendUnlessTracked(message)
        guard case .alreadyInMESH(let id) = outcome else {
            Issue.record("sent a second time: \(outcome)")
            return
        }
        #expect(id == halfSent.messageID)
        #expect(try await client.tracking(localID: "decision-11")?.status == "accepted")
        #expect(try await practice.inbox() == [id])
        #expect(try await practice.download(id).body == data)
    }

    @Test func aNonDeliveryReportIsReadAsAReportOnOurMessage() async throws {
        let mesh = try await MESHSandbox.start(mailboxes: [Self.us, Self.practice])
        defer { mesh.stop() }
        let client = try MESHClient(mesh.configuration(mailbox: Self.us))
        defer { Task { await client.shutdown() } }
        let sent = try await client.send(
            MESHOutgoingMessage(to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "decision-3", body: Array("x".utf8)))
        let report = try await mesh.injectReport(to: Self.us, workflowID: "TOC_FHIR_IP_DISCH", linkedMessageID: sent, localID: "decision-3")
        #expect(try await client.inbox() == [report])
        let message = try await client.download(report)
        #expect(message.headers.messageType == .report)
        #expect(message.headers.linkedMessageID == sent)
        #expect(message.headers.statusSuccess == "ERROR")
        #expect(message.headers.statusCode == "14")
        #expect(message.headers.localID == "decision-3")
        #expect(message.body.isEmpty)
        try await client.acknowledge(report)
        #expect(try await client.inbox().isEmpty)
    }

    @Test func refusalsCarryStableCodes() async throws {
        let mesh = try await MESHSandbox.start(mailboxes: [Self.us])
        defer { mesh.stop() }
        let client = try MESHClient(mesh.configuration(mailbox: Self.us))
        defer { Task { await client.shutdown() } }
        do throws(MESHError) {
            _ = try await client.send(MESHOutgoingMessage(to: "NOSUCHMB", workflowID: "W", localID: "l", body: [1]))
            Issue.record("sent to an unknown mailbox")
        } catch {
            #expect(error.code == .recipientUnknown)
            #expect(!error.mayHaveArrived)
        }
        do throws(MESHError) {
            _ = try await client.download("NOSUCHMESSAGE")
            Issue.record("downloaded a message that does not exist")
        } catch {
            #expect(error.code == .messageNotFound)
        }
        var gone = mesh.configuration(mailbox: Self.us)
        gone.baseURL = "http://127.0.0.1:\(try DevBroker.freePort())"
        let unreachable = try MESHClient(gone)
        defer { Task { await unreachable.shutdown() } }
        do throws(MESHError) {
            try await unreachable.handshake()
            Issue.record("handshake with nothing listening")
        } catch {
            #expect(error.code == .unreachable)
        }
        var missing = mesh.configuration(mailbox: Self.us)
        missing.tls = MESHTLSFiles(certificate: "/nonexistent/client.pem", privateKey: "/nonexistent/client.key")
        do throws(MESHError) {
            _ = try MESHClient(missing)
            Issue.record("a missing certificate file was accepted")
        } catch {
            #expect(error.code == .tlsFile)
            #expect(error.description.contains("/nonexistent/client.pem"))
        }
    }

    @Test func mutualTLSAcceptsOurCertificateAndRefusesAClientWithout() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tls = try MESHTestCertificates.make(in: folder)
        let mesh = try await MESHSandbox.start(mailboxes: [Self.us, Self.practice], tls: tls)
        defer { mesh.stop() }
        #expect(mesh.baseURL.hasPrefix("https://"))

        let client = try MESHClient(mesh.configuration(mailbox: Self.us))
        defer { Task { await client.shutdown() } }
        try await client.handshake()
        let id = try await client.send(
            MESHOutgoingMessage(to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "tls-1", body: Array("over TLS".utf8)))
        #expect(try await client.tracking(localID: "tls-1")?.messageID == id)

        var without = mesh.configuration(mailbox: Self.us)
        without.tls = MESHTLSFiles(certificate: nil, privateKey: nil, caCertificates: tls.caCertificate)
        let anonymous = try MESHClient(without)
        defer { Task { await anonymous.shutdown() } }
        do throws(MESHError) {
            try await anonymous.handshake()
            Issue.record("a client without a certificate was let in")
        } catch {
            // Under TLS 1.3 the server's certificate-required alert comes after the client has
            // finished its side of the handshake, so the client sees the connection closed.
            #expect(error.code == .tlsRefused || error.code == .noAnswer, "\(error)")
        }
    }

    /// The practice stand-in (scripts/mesh-practice.py) answers an ITK3 message asking for both
    /// acknowledgements with two ITK3 responses about its MessageHeader, on the _ACK workflow.
    @Test func thePracticeStandInAnswersWithITK3Acknowledgements() async throws {
        let mesh = try await MESHSandbox.start(mailboxes: [Self.us, Self.practice])
        defer { mesh.stop() }
        let client = try MESHClient(mesh.configuration(mailbox: Self.us))
        defer { Task { await client.shutdown() } }
        let headerID = "5f1d2c3b-0a9e-4d8c-8b7a-6e5f4d3c2b1a"
        let handling: [[String: Any]] = [
            ["url": "BusAckRequested", "valueBoolean": true], ["url": "InfAckRequested", "valueBoolean": true],
        ]
        let bundle: [String: Any] = [
            "resourceType": "Bundle", "type": "message",
            "entry": [[
                "resource": [
                    "resourceType": "MessageHeader", "id": headerID,
                    "extension": [["url": "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2", "extension": handling]],
                ] as [String: Any]
            ]],
        ]
        let sent = try await client.send(
            MESHOutgoingMessage(
                to: Self.practice, workflowID: "TOC_FHIR_IP_DISCH", localID: "decision-5",
                body: Array(try JSONSerialization.data(withJSONObject: bundle))))
        let handled = try await mesh.practiceOnce(mailboxes: [Self.practice])
        #expect(handled.contains(sent))

        let responses = try await client.inbox()
        #expect(responses.count == 2)
        var codes: [String] = []
        for id in responses {
            let message = try await client.download(id)
            #expect(message.headers.workflowID == "TOC_FHIR_IP_DISCH_ACK")
            #expect(message.headers.from == Self.practice)
            let response = try #require(try JSONSerialization.jsonObject(with: Data(message.body)) as? [String: Any])
            #expect(response["type"] as? String == "message")
            let entries = response["entry"] as? [[String: Any]] ?? []
            let header = entries.first?["resource"] as? [String: Any] ?? [:]
            #expect((header["event"] as? [String: Any])?["code"] as? String == "ITK008M")
            let answer = header["response"] as? [String: Any] ?? [:]
            #expect(answer["identifier"] as? String == headerID)
            #expect(answer["code"] as? String == "ok")
            let outcome = entries.dropFirst().first?["resource"] as? [String: Any] ?? [:]
            let issue = (outcome["issue"] as? [[String: Any]])?.first ?? [:]
            let coding = ((issue["details"] as? [String: Any])?["coding"] as? [[String: Any]])?.first ?? [:]
            #expect(coding["system"] as? String == "https://fhir.nhs.uk/STU3/CodeSystem/ITK-ResponseCodes-1")
            codes.append(coding["code"] as? String ?? "")
            try await client.acknowledge(id)
        }
        #expect(codes.sorted() == ["20013", "30001"])
        // The practice acknowledged our message in MESH.
        #expect(try await client.tracking(messageID: sent)?.status == "acknowledged")
    }
}
