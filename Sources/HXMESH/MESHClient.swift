import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import Synchronization

/// A client of one MESH mailbox over MESH API v2 (`application/vnd.mesh.v2+json`).
///
/// Every request carries a fresh `NHSMESH` authorisation (new nonce, nonce count 1). Its logs name the
/// mailbox, the operation and MESH's message ids; never a subject, a file name or content.
///
/// A lost answer to a send is never simply re-posted: `send` throws an error whose `mayHaveArrived`
/// is true, and the caller then sends with `sendUnlessTracked`, which asks MESH's tracking for the
/// local id first and posts only when MESH has no message with it (finishing the upload of a chunked
/// message it finds half-sent). A worker that cannot know whether its last send happened (killed
/// between send and record) uses `sendUnlessTracked` from the start.
package final class MESHClient: Sendable {
    package let configuration: MESHConfiguration
    private let http: HTTPClient
    private let logger: Logger
    private let lastHandshake = Mutex<ContinuousClock.Instant?>(nil)

    /// The largest answer read (one chunk): MESH's own limit per chunk is 100 MB.
    private static let maxAnswerBytes = 110 * 1024 * 1024

    /// Reads the TLS files now, so a missing or unreadable one stops start-up with its name.
    package init(_ configuration: MESHConfiguration, logger: Logger = Logger(label: "hx.mesh")) throws(MESHError) {
        self.configuration = configuration
        self.logger = logger
        var settings = HTTPClient.Configuration()
        settings.timeout = .init(connect: .seconds(10))
        settings.decompression = .disabled  // we undo MESH's gzip ourselves, chunk by chunk
        if let files = configuration.tls {
            settings.tlsConfiguration = try Self.tlsConfiguration(files, mailbox: configuration.mailbox)
        }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    /// Closes the connections. Call once, when done.
    package func shutdown() async {
        try? await http.shutdown()
    }

    private var mailboxURL: String {
        "\(configuration.baseURL)/messageexchange/\(Self.segment(configuration.mailbox))"
    }

    // MARK: Handshake

    /// `POST /messageexchange/{mailbox}`: checks authentication and tells MESH who we are. MESH
    /// expects one at start and at least daily (`handshakeIfDue`).
    package func handshake() async throws(MESHError) {
        let headers: [(String, String)] = [
            ("mex-clientversion", "\(configuration.clientName)==1.0"),
            ("mex-osname", Self.osName),
            ("mex-osversion", ProcessInfo.processInfo.operatingSystemVersionString),
            ("mex-osarchitecture", Self.architecture),
            ("mex-javaversion", "N/A"),
        ]
        let answer = try await perform(.POST, mailboxURL, headers: headers, operation: "handshake")
        guard answer.status == 200 else { throw unexpected(answer, operation: "handshake") }
        lastHandshake.withLock { $0 = ContinuousClock.now }
        logger.info("MESH handshake", metadata: ["mailbox": "\(configuration.mailbox)"])
    }

    /// Handshakes when none has succeeded within `interval` (a day by default); true when it did.
    @discardableResult
    package func handshakeIfDue(every interval: Duration = .seconds(24 * 3600)) async throws(MESHError) -> Bool {
        let last = lastHandshake.withLock { $0 }
        if let last, ContinuousClock.now - last < interval { return false }
        try await handshake()
        return true
    }

    // MARK: Send

    /// `POST .../outbox` (and `.../outbox/{id}/{n}` for each further chunk when the body is larger
    /// than the configured chunk size); MESH's message id on its 202.
    ///
    /// When this throws an error whose `mayHaveArrived` is true, do not call `send` again for the
    /// message: call `sendUnlessTracked`.
    package func send(_ message: MESHOutgoingMessage) async throws(MESHError) -> String {
        let chunks = Self.chunks(of: message.body, size: configuration.chunkSize)
        var headers: [(String, String)] = [
            ("mex-to", message.to),
            ("mex-workflowid", message.workflowID),
            ("mex-localid", message.localID),
            ("mex-chunk-range", "1:\(chunks.count)"),
            ("content-type", chunks.count == 1 ? (message.contentType ?? "application/octet-stream") : "application/octet-stream"),
        ]
        if let subject = message.subject { headers.append(("mex-subject", subject)) }
        if let fileName = message.fileName { headers.append(("mex-filename", fileName)) }
        if let contentType = message.contentType { headers.append(("mex-content-type", contentType)) }
        if message.compress { headers.append(("content-encoding", "gzip")) }

        let first = try encode(chunks[0], compress: message.compress, operation: "send")
        let answer = try await perform(.POST, "\(mailboxURL)/outbox", headers: headers, body: first, operation: "send")
        guard answer.status == 202 || answer.status == 200 else { throw refusal(answer, operation: "send") }
        guard let messageID = Self.messageID(inSendAnswer: answer.body) else {
            throw MESHError(.badAnswer, mailbox: configuration.mailbox, operation: "send", httpStatus: answer.status, detail: "no message_id in the answer")
        }
        if chunks.count > 1 {
            try await uploadChunks(2...chunks.count, of: chunks, messageID: messageID, compress: message.compress)
        }
        logger.debug("MESH message sent", metadata: ["mailbox": "\(configuration.mailbox)", "message": "\(messageID)", "chunks": "\(chunks.count)"])
        return messageID
    }

    /// Sends unless MESH's tracking already has a message with this local id (an earlier send whose
    /// answer was lost): the safe way to send again after an error whose `mayHaveArrived` is true,
    /// or after a restart that cannot know whether the last send happened. A chunked message found
    /// still uploading has its remaining chunks posted again (MESH takes a chunk more than once).
    package func sendUnlessTracked(_ message: MESHOutgoingMessage) async throws(MESHError) -> MESHSendOutcome {
        if let tracked = try await tracking(localID: message.localID) {
            if tracked.status == "uploading" {
                let chunks = Self.chunks(of: message.body, size: configuration.chunkSize)
                if chunks.count > 1 {
                    try await uploadChunks(2...chunks.count, of: chunks, messageID: tracked.messageID, compress: message.compress)
                }
            }
            logger.info("MESH message already sent, not sent again", metadata: ["mailbox": "\(configuration.mailbox)", "message": "\(tracked.messageID)"])
            return .alreadyInMESH(messageID: tracked.messageID)
        }
        return .posted(messageID: try await send(message))
    }

    private func uploadChunks(_ numbers: ClosedRange<Int>, of chunks: [ArraySlice<UInt8>], messageID: String, compress: Bool) async throws(MESHError) {
        for number in numbers {
            var headers: [(String, String)] = [
                ("mex-chunk-range", "\(number):\(chunks.count)"),
                ("content-type", "application/octet-stream"),
            ]
            if compress { headers.append(("content-encoding", "gzip")) }
            let body = try encode(chunks[number - 1], compress: compress, operation: "send-chunk")
            let url = "\(mailboxURL)/outbox/\(Self.segment(messageID))/\(number)"
            // A chunk may be posted again (MESH keeps the last copy), so a lost answer is retried here.
            var attempt = 1
            while true {
                do throws(MESHError) {
                    let answer = try await perform(.POST, url, headers: headers, body: body, operation: "send-chunk", messageID: messageID)
                    if answer.status == 202 || answer.status == 200 { break }
                    // 423: the message is no longer uploading; a retried last chunk had arrived after all.
                    if answer.status == 423 && attempt > 1 && number == chunks.count { break }
                    throw refusal(answer, operation: "send-chunk", messageID: messageID)
                } catch let error where (error.code == .noAnswer || error.code == .unreachable) && attempt < 3 {
                    attempt += 1
                }
            }
        }
    }

    // MARK: Inbox

    /// `GET .../inbox`, `pageSize` ids at a time (MESH takes 10 to 500), following `links.next`
    /// until the last page: the ids of every message waiting, oldest first.
    package func inbox(pageSize: Int = 500) async throws(MESHError) -> [String] {
        var ids: [String] = []
        var url: String? = "\(mailboxURL)/inbox?max_results=\(max(10, min(pageSize, 500)))"
        var pages = 0
        while let next = url {
            let answer = try await perform(.GET, next, operation: "inbox")
            guard answer.status == 200 else { throw unexpected(answer, operation: "inbox") }
            guard let page = Self.inboxPage(answer.body) else {
                throw MESHError(.badAnswer, mailbox: configuration.mailbox, operation: "inbox", httpStatus: 200, detail: "not an inbox page")
            }
            ids += page.messages
            pages += 1
            // A next link on an empty page, or a loop, would never end: MESH's inbox is finite.
            url = page.messages.isEmpty || pages > 10_000 ? nil : page.next.map { self.absolute($0) }
        }
        return ids
    }

    // MARK: Download

    /// `GET .../inbox/{id}` (and `.../inbox/{id}/{n}` for each further chunk): the message's headers
    /// and its content, chunks joined in order and each chunk's gzip undone.
    package func download(_ messageID: String) async throws(MESHError) -> MESHReceivedMessage {
        let base = "\(mailboxURL)/inbox/\(Self.segment(messageID))"
        let first = try await perform(.GET, base, headers: [("accept-encoding", "gzip")], operation: "download", messageID: messageID)
        guard first.status == 200 || first.status == 206 else { throw unexpected(first, operation: "download", messageID: messageID) }
        let headers = Self.messageHeaders(first.headers, messageID: messageID)
        var body = try decode(first, operation: "download", messageID: messageID)
        if headers.totalChunks > 1 {
            for number in 2...headers.totalChunks {
                let part = try await perform(
                    .GET, "\(base)/\(number)", headers: [("accept-encoding", "gzip")], operation: "download-chunk", messageID: messageID)
                guard part.status == 200 || part.status == 206 else { throw unexpected(part, operation: "download-chunk", messageID: messageID) }
                body += try decode(part, operation: "download-chunk", messageID: messageID)
            }
        }
        logger.debug("MESH message downloaded", metadata: ["mailbox": "\(configuration.mailbox)", "message": "\(messageID)", "chunks": "\(headers.totalChunks)"])
        return MESHReceivedMessage(headers: headers, body: body)
    }

    /// `PUT .../inbox/{id}/status/acknowledged`: MESH removes the message from the inbox.
    package func acknowledge(_ messageID: String) async throws(MESHError) {
        let answer = try await perform(
            .PUT, "\(mailboxURL)/inbox/\(Self.segment(messageID))/status/acknowledged", operation: "acknowledge", messageID: messageID)
        guard answer.status == 200 || answer.status == 204 else { throw unexpected(answer, operation: "acknowledge", messageID: messageID) }
        logger.debug("MESH message acknowledged", metadata: ["mailbox": "\(configuration.mailbox)", "message": "\(messageID)"])
    }

    // MARK: Tracking

    /// MESH's tracking of the message we sent with this local id (`GET .../outbox/tracking/{localID}`,
    /// the form the MESH sandbox serves); nil when MESH has none.
    package func tracking(localID: String) async throws(MESHError) -> MESHTracking? {
        let answer = try await perform(.GET, "\(mailboxURL)/outbox/tracking/\(Self.segment(localID))", operation: "tracking")
        switch answer.status {
        case 200:
            guard let tracked = Self.tracking(answer.body) else {
                throw MESHError(.badAnswer, mailbox: configuration.mailbox, operation: "tracking", httpStatus: 200, detail: "not a tracking answer")
            }
            return tracked
        case 404: return nil
        case 300:
            throw MESHError(
                .unexpectedStatus, mailbox: configuration.mailbox, operation: "tracking", httpStatus: 300,
                detail: "more than one message has this local id")
        default: throw unexpected(answer, operation: "tracking")
        }
    }

    /// MESH's tracking of a message we sent, by MESH's id (`GET .../outbox/tracking?messageID=`); nil when unknown.
    package func tracking(messageID: String) async throws(MESHError) -> MESHTracking? {
        let query = messageID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? messageID
        let answer = try await perform(.GET, "\(mailboxURL)/outbox/tracking?messageID=\(query)", operation: "tracking", messageID: messageID)
        switch answer.status {
        case 200:
            guard let tracked = Self.tracking(answer.body) else {
                throw MESHError(.badAnswer, mailbox: configuration.mailbox, operation: "tracking", httpStatus: 200, detail: "not a tracking answer")
            }
            return tracked
        case 404: return nil
        default: throw unexpected(answer, operation: "tracking", messageID: messageID)
        }
    }

    // MARK: HTTP

    package struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    private func perform(
        _ method: HTTPMethod, _ url: String, headers extra: [(String, String)] = [], body: ByteBuffer? = nil,
        operation: String, messageID: String? = nil
    ) async throws(MESHError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "accept", value: "application/vnd.mesh.v2+json")
        request.headers.add(name: "user-agent", value: "\(configuration.clientName);1.0;N/A;\(Self.architecture);\(Self.osName)")
        request.headers.add(
            name: "authorization",
            value: MESHAuthorisation.header(
                mailbox: configuration.mailbox, password: configuration.password, sharedKey: configuration.sharedKey,
                nonce: UUID().uuidString, nonceCount: 1, at: Date()))
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(body)
        } else if method == .POST || method == .PUT {
            request.headers.add(name: "content-length", value: "0")
        }
        do {
            let response = try await http.execute(request, timeout: Self.timeAmount(configuration.requestTimeout))
            let collected = try await response.body.collect(upTo: Self.maxAnswerBytes)
            let answer = Answer(status: Int(response.status.code), headers: response.headers, body: collected)
            if answer.status == 403 {
                throw MESHError(.authRefused, mailbox: configuration.mailbox, operation: operation, httpStatus: 403, messageID: messageID)
            }
            return answer
        } catch let error as MESHError {
            throw error
        } catch {
            throw transportError(error, operation: operation, messageID: messageID)
        }
    }

    /// What a transport failure means for the caller: no connection at all, a TLS refusal, or an
    /// answer that never came (after which a send may or may not be in MESH).
    private func transportError(_ error: any Error, operation: String, messageID: String?) -> MESHError {
        let code: MESHError.Code =
            if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
                .tlsRefused
            } else if Self.isConnectFailure(error) {
                .unreachable
            } else {
                .noAnswer
            }
        return MESHError(code, mailbox: configuration.mailbox, operation: operation, messageID: messageID, detail: String(describing: error))
    }

    /// No connection was made, so nothing was sent.
    private static func isConnectFailure(_ error: any Error) -> Bool {
        if let client = error as? HTTPClientError, client == .connectTimeout { return true }
        if case .connectTimeout = error as? ChannelError { return true }
        if (error as? IOError)?.errnoCode == ECONNREFUSED || error is SocketAddressError { return true }
        // NIOPosix's NIOConnectionError (every address refused), named here so as not to depend on NIOPosix.
        return String(describing: type(of: error)) == "NIOConnectionError"
    }

    private func refusal(_ answer: Answer, operation: String, messageID: String? = nil) -> MESHError {
        let meshCode = Self.errorCode(answer.body)
        switch answer.status {
        case 417 where meshCode == "12" || meshCode == "EPL-151" || meshCode == "EPL-153":
            return MESHError(.recipientUnknown, mailbox: configuration.mailbox, operation: operation, httpStatus: 417, meshCode: meshCode, messageID: messageID)
        case 400, 417, 422:
            return MESHError(.sendRefused, mailbox: configuration.mailbox, operation: operation, httpStatus: answer.status, meshCode: meshCode, messageID: messageID)
        default:
            return unexpected(answer, operation: operation, messageID: messageID)
        }
    }

    private func unexpected(_ answer: Answer, operation: String, messageID: String? = nil) -> MESHError {
        let code: MESHError.Code =
            switch answer.status {
            case 404: .messageNotFound
            case 410: .messageGone
            default: .unexpectedStatus
            }
        return MESHError(
            code, mailbox: configuration.mailbox, operation: operation, httpStatus: answer.status,
            meshCode: Self.errorCode(answer.body), messageID: messageID)
    }

    private func encode(_ chunk: ArraySlice<UInt8>, compress: Bool, operation: String) throws(MESHError) -> ByteBuffer {
        let buffer = ByteBuffer(bytes: chunk)
        guard compress else { return buffer }
        do {
            return try MESHGzip.compress(buffer)
        } catch {
            throw MESHError(.badAnswer, mailbox: configuration.mailbox, operation: operation, detail: "gzip failed: \(error)")
        }
    }

    private func decode(_ answer: Answer, operation: String, messageID: String) throws(MESHError) -> [UInt8] {
        guard answer.headers.first(name: "content-encoding")?.lowercased() == "gzip" else {
            return Array(answer.body.readableBytesView)
        }
        do {
            return try MESHGzip.decompress(answer.body, maxSize: Self.maxAnswerBytes * 20)
        } catch {
            throw MESHError(.badAnswer, mailbox: configuration.mailbox, operation: operation, httpStatus: answer.status, messageID: messageID, detail: "corrupt gzip")
        }
    }

    private func absolute(_ link: String) -> String {
        link.hasPrefix("/") ? configuration.baseURL + link : link
    }

    // MARK: TLS

    private static func tlsConfiguration(_ files: MESHTLSFiles, mailbox: String) throws(MESHError) -> TLSConfiguration {
        func failure(_ file: String, _ problem: String) -> MESHError {
            MESHError(.tlsFile, mailbox: mailbox, operation: "tls", detail: "\(file): \(problem)")
        }
        func check(_ file: String) throws(MESHError) {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw failure(file, FileManager.default.fileExists(atPath: file) ? "not readable" : "no such file")
            }
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let certificate = files.certificate {
            try check(certificate)
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            } catch {
                throw failure(certificate, "not a PEM certificate")
            }
            if tls.certificateChain.isEmpty { throw failure(certificate, "no certificate in it") }
        }
        if let privateKey = files.privateKey {
            try check(privateKey)
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: privateKey, format: .pem))
            } catch {
                throw failure(privateKey, "not a PEM private key")
            }
        }
        if let ca = files.caCertificates {
            try check(ca)
            do {
                let roots = try NIOSSLCertificate.fromPEMFile(ca)
                if roots.isEmpty { throw failure(ca, "no certificate in it") }
                tls.trustRoots = .certificates(roots)
            } catch let error as MESHError {
                throw error
            } catch {
                throw failure(ca, "not a PEM certificate bundle")
            }
        }
        return tls
    }

    // MARK: Pure parts

    /// The body in pieces of at most `size` bytes; one (possibly empty) piece at least.
    package static func chunks(of body: [UInt8], size: Int) -> [ArraySlice<UInt8>] {
        guard body.count > size else { return [body[...]] }
        return stride(from: 0, to: body.count, by: size).map { body[$0..<min($0 + size, body.count)] }
    }

    package static func messageID(inSendAnswer body: ByteBuffer) -> String? {
        guard let object = json(body) else { return nil }
        return (object["message_id"] ?? object["messageID"]) as? String
    }

    package static func inboxPage(_ body: ByteBuffer) -> (messages: [String], next: String?)? {
        guard let object = json(body), let messages = object["messages"] as? [String] else { return nil }
        return (messages, (object["links"] as? [String: Any])?["next"] as? String)
    }

    package static func tracking(_ body: ByteBuffer) -> MESHTracking? {
        guard let object = json(body) else { return nil }
        func field(_ names: String...) -> String? {
            for name in names { if let value = object[name] as? String, !value.isEmpty { return value } }
            return nil
        }
        guard let id = field("message_id", "messageId") else { return nil }
        return MESHTracking(
            messageID: id, localID: field("local_id", "localId"), status: field("status")?.lowercased(),
            recipient: field("recipient"), workflowID: field("workflow_id", "workflowId"),
            statusCode: field("status_code", "statusCode"), statusDescription: field("status_description", "statusDescription"))
    }

    /// MESH's error code from an error answer: v2 `detail[0].code`, v1 `errorCode`.
    package static func errorCode(_ body: ByteBuffer) -> String? {
        guard let object = json(body) else { return nil }
        if let details = object["detail"] as? [[String: Any]], let code = details.first?["code"] as? String { return code }
        return object["errorCode"] as? String
    }

    package static func messageHeaders(_ headers: HTTPHeaders, messageID: String) -> MESHMessageHeaders {
        func value(_ name: String) -> String? {
            guard let v = headers.first(name: name), !v.isEmpty else { return nil }
            return v
        }
        var total = Int(value("mex-total-chunks") ?? "") ?? 1
        if let range = value("mex-chunk-range"), let last = range.split(separator: ":").last, let n = Int(last) { total = n }
        return MESHMessageHeaders(
            messageID: value("mex-messageid") ?? messageID,
            messageType: MESHMessageType(rawValue: value("mex-messagetype")?.uppercased() ?? "DATA") ?? .data,
            from: value("mex-from"), to: value("mex-to"), workflowID: value("mex-workflowid"), localID: value("mex-localid"),
            subject: value("mex-subject"), fileName: value("mex-filename"), contentType: value("mex-content-type"),
            statusSuccess: value("mex-statussuccess"), statusCode: value("mex-statuscode"), statusEvent: value("mex-statusevent"),
            statusDescription: value("mex-statusdescription"), linkedMessageID: value("mex-linkedmsgid"),
            totalChunks: max(1, total))
    }

    private static func json(_ body: ByteBuffer) -> [String: Any]? {
        guard body.readableBytes > 0 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
    }

    /// One path segment, percent-encoded (local ids are ours to choose and may hold any character).
    private static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    private static var osName: String {
        #if os(Linux)
        "Linux"
        #else
        "Darwin"
        #endif
    }

    private static var architecture: String {
        #if arch(x86_64)
        "x86_64"
        #elseif arch(arm64)
        "aarch64"
        #else
        "unknown"
        #endif
    }
}
