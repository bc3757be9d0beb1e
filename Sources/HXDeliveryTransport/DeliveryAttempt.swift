/// What one attempt to hand a delivery to the recipient's system came to.
/// Reason codes are stable: they go into status records, metrics and dead letters.
package enum DeliveryAttempt: Sendable, Equatable {
    /// The recipient's system took it (MLLP AA, HTTP 2xx, the file in place).
    case sent(detail: String)
    /// A final refusal: retrying would be refused again (MLLP AE/AR, HTTP 4xx).
    case failed(reason: Reason, detail: String)
    /// Worth trying again: the system was away, slow or said so. `after` is
    /// the wait the system asked for (HTTP Retry-After), when it did.
    case retry(reason: Reason, detail: String, after: Duration?)

    package enum Reason: String, Sendable, CaseIterable {
        case mllpRejected = "mllp-rejected"
        case mllpConnectFailed = "mllp-connect-failed"
        case mllpTimeout = "mllp-ack-timeout"
        case mllpAckUnreadable = "mllp-ack-unreadable"
        case mllpAckMismatch = "mllp-ack-mismatch"
        case mllpConnectionLost = "mllp-connection-lost"
        case httpClientError = "http-client-error"
        case httpServerError = "http-server-error"
        case httpTooManyRequests = "http-too-many-requests"
        case httpUnreachable = "http-unreachable"
        case folderDiskFull = "folder-disk-full"
        case folderWriteFailed = "folder-write-failed"
        /// MESH answered the send with a 4xx other than authentication: it will not take this message.
        case meshRefused = "mesh-refused"
        /// MESH refused the mailbox's authorisation (password or shared key changed since start).
        case meshAuthenticationFailed = "mesh-authentication-failed"
        /// MESH was away or answered 5xx; nothing was sent.
        case meshUnavailable = "mesh-unavailable"
        /// The send's answer was lost: the next attempt asks MESH's tracking before sending.
        case meshOutcomeUnknown = "mesh-outcome-unknown"
    }

    package var isFinal: Bool {
        if case .retry = self { return false }
        return true
    }
}
