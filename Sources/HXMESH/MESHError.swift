/// A MESH operation that did not succeed, with a stable reason `code` for logs, metrics and statuses.
///
/// The description names the mailbox, the operation and, where there is one, the MESH message id and
/// HTTP status; never a subject, a file name or message content (they may carry patient data).
package struct MESHError: Error, CustomStringConvertible, Sendable, Equatable {
    package enum Code: String, Sendable {
        /// 403: a wrong shared key, mailbox or password (the worker stops at start with exit 78).
        case authRefused = "mesh-auth-refused"
        /// No connection could be made (refused, name unknown, connect time-out).
        case unreachable = "mesh-unreachable"
        /// The request may have reached MESH but no answer came (connection lost, time-out): for a
        /// send, whether MESH has it is unknown; look it up by local id before sending again.
        case noAnswer = "mesh-no-answer"
        /// The TLS handshake failed (certificate refused either way, unknown CA).
        case tlsRefused = "mesh-tls-refused"
        /// A client certificate, key or CA file is missing or unreadable.
        case tlsFile = "mesh-tls-file"
        /// 417 for the recipient mailbox: not registered in MESH.
        case recipientUnknown = "mesh-recipient-unknown"
        /// 417 or 400 for another reason (workflow not registered for the mailbox, bad headers).
        case sendRefused = "mesh-send-refused"
        /// 404: no such message for this mailbox.
        case messageNotFound = "mesh-message-not-found"
        /// 410: the message has been acknowledged or has expired.
        case messageGone = "mesh-message-gone"
        /// Any other HTTP status.
        case unexpectedStatus = "mesh-unexpected-status"
        /// A 2xx answer we cannot read (missing message id, bad JSON, corrupt gzip).
        case badAnswer = "mesh-bad-answer"
    }

    package let code: Code
    package let mailbox: String
    /// What was being done: `handshake`, `send`, `send-chunk`, `inbox`, `download`, `acknowledge`, `tracking`, `tls`.
    package let operation: String
    package let httpStatus: Int?
    /// MESH's own error code (`12`, `EPL-151`, ...) when the answer carried one.
    package let meshCode: String?
    package let messageID: String?
    /// Extra detail that is never message content: a file name of ours, a transport error.
    package let detail: String?

    package init(
        _ code: Code, mailbox: String, operation: String, httpStatus: Int? = nil, meshCode: String? = nil,
        messageID: String? = nil, detail: String? = nil
    ) {
        self.code = code
        self.mailbox = mailbox
        self.operation = operation
        self.httpStatus = httpStatus
        self.meshCode = meshCode
        self.messageID = messageID
        self.detail = detail
    }

    /// Whether a send that failed this way may nevertheless be in MESH: then look the local id up
    /// (`MESHClient.sendUnlessTracked`) rather than post it again.
    package var mayHaveArrived: Bool {
        switch code {
        case .noAnswer: true
        case .unexpectedStatus, .badAnswer: (httpStatus ?? 500) >= 500 || (200..<300).contains(httpStatus ?? 0)
        default: false
        }
    }

    package var description: String {
        var text = "\(code.rawValue): MESH mailbox \(mailbox), \(operation)"
        if let messageID { text += " of message \(messageID)" }
        switch code {
        case .authRefused: text += ": authentication refused (check the mailbox, its password and the environment's shared key)"
        case .unreachable: text += ": MESH is unreachable"
        case .noAnswer: text += ": no answer from MESH (the request may or may not have arrived)"
        case .tlsRefused: text += ": the TLS handshake failed"
        case .tlsFile: text += ": cannot read a TLS file"
        case .recipientUnknown: text += ": the recipient mailbox is not registered in MESH"
        case .sendRefused: text += ": MESH refused the message"
        case .messageNotFound: text += ": no such message in this mailbox"
        case .messageGone: text += ": the message is no longer available (acknowledged or expired)"
        case .unexpectedStatus: text += ": unexpected answer"
        case .badAnswer: text += ": unreadable answer"
        }
        if let httpStatus { text += " (HTTP \(httpStatus)" + (meshCode.map { ", MESH code \($0)" } ?? "") + ")" }
        if let detail { text += ": \(detail)" }
        return text
    }
}
