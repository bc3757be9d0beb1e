/// A message to send. `subject` and `fileName` travel in MESH's headers and its tracking: they must be
/// free of patient data (the caller's responsibility; the client never logs them).
package struct MESHOutgoingMessage: Sendable {
    package var to: String
    package var workflowID: String
    /// Our id for the message (the decision id), unique per message: how a send whose answer was lost
    /// is found again (`MESHClient.sendUnlessTracked`).
    package var localID: String
    package var subject: String?
    package var fileName: String?
    /// The content type of the message itself (`mex-content-type`), e.g. `application/fhir+json`.
    package var contentType: String?
    package var body: [UInt8]
    /// gzip on the wire (`Content-Encoding: gzip`, each chunk compressed by itself as NHS England's
    /// mesh-client does); the recipient receives the original bytes.
    package var compress: Bool

    package init(
        to: String, workflowID: String, localID: String, subject: String? = nil, fileName: String? = nil,
        contentType: String? = nil, body: [UInt8], compress: Bool = true
    ) {
        self.to = to
        self.workflowID = workflowID
        self.localID = localID
        self.subject = subject
        self.fileName = fileName
        self.contentType = contentType
        self.body = body
        self.compress = compress
    }
}

/// What MESH has for a message we sent.
package enum MESHSendOutcome: Sendable, Equatable {
    /// Posted now; MESH's message id.
    case posted(messageID: String)
    /// MESH already had a message with this local id (an earlier send whose answer was lost): not sent again.
    case alreadyInMESH(messageID: String)

    package var messageID: String {
        switch self {
        case .posted(let id), .alreadyInMESH(let id): id
        }
    }
}

/// DATA (a message someone sent) or REPORT (MESH's own, e.g. non-delivery of one of ours).
package enum MESHMessageType: String, Sendable {
    case data = "DATA"
    case report = "REPORT"
}

/// The `mex-` headers of a received message.
package struct MESHMessageHeaders: Sendable, Equatable {
    package var messageID: String
    package var messageType: MESHMessageType
    package var from: String?
    package var to: String?
    package var workflowID: String?
    package var localID: String?
    package var subject: String?
    package var fileName: String?
    package var contentType: String?
    /// `SUCCESS` or `ERROR` (`mex-statussuccess`); for a REPORT, ERROR with the code and description.
    package var statusSuccess: String?
    package var statusCode: String?
    package var statusEvent: String?
    package var statusDescription: String?
    /// For a REPORT: the id of the message it reports on.
    package var linkedMessageID: String?
    package var totalChunks: Int

    package init(
        messageID: String, messageType: MESHMessageType, from: String? = nil, to: String? = nil, workflowID: String? = nil,
        localID: String? = nil, subject: String? = nil, fileName: String? = nil, contentType: String? = nil,
        statusSuccess: String? = nil, statusCode: String? = nil, statusEvent: String? = nil,
        statusDescription: String? = nil, linkedMessageID: String? = nil, totalChunks: Int = 1
    ) {
        self.messageID = messageID
        self.messageType = messageType
        self.from = from
        self.to = to
        self.workflowID = workflowID
        self.localID = localID
        self.subject = subject
        self.fileName = fileName
        self.contentType = contentType
        self.statusSuccess = statusSuccess
        self.statusCode = statusCode
        self.statusEvent = statusEvent
        self.statusDescription = statusDescription
        self.linkedMessageID = linkedMessageID
        self.totalChunks = totalChunks
    }
}

/// A downloaded message: its headers and its whole content (chunks joined, gzip undone).
package struct MESHReceivedMessage: Sendable {
    package var headers: MESHMessageHeaders
    package var body: [UInt8]
}

/// MESH's tracking of a message we sent.
package struct MESHTracking: Sendable, Equatable {
    package var messageID: String
    package var localID: String?
    /// e.g. `accepted`, `acknowledged`, `uploading`, `undeliverable`, `error` (lower case).
    package var status: String?
    package var recipient: String?
    package var workflowID: String?
    package var statusCode: String?
    package var statusDescription: String?
}
