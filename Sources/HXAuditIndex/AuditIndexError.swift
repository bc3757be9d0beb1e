/// Why the audit index could not do what was asked. Every case has a stable
/// `code`; `description` may be logged, so it never carries patient
/// identifiers (NHS numbers), record contents, passwords or bound values:
/// only what failed, the backend's error code and, for records, the chain
/// and sequence (which identify a place in the log, not a person).
package enum AuditIndexError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The PostgreSQL URL cannot be used; says which part is wrong.
    case urlInvalid(String)
    /// The database cannot be opened or reached (file, host, timeout).
    case unavailable(String)
    /// Creating or checking the schema failed, or the schema is newer than this code.
    case schema(String)
    /// A statement failed.
    case query(String)
    /// A caller's argument is unusable (e.g. a time that is not RFC 3339, a limit below 1).
    case invalidArgument(String)
    /// Stored bytes no longer decode as a canonical audit record: the index was altered.
    case recordUnreadable(chainId: String, sequence: Int, reason: String)
    /// The store was closed.
    case closed

    package var code: String {
        switch self {
        case .urlInvalid: "index-url-invalid"
        case .unavailable: "index-unavailable"
        case .schema: "index-schema"
        case .query: "index-query"
        case .invalidArgument: "index-argument-invalid"
        case .recordUnreadable: "index-record-unreadable"
        case .closed: "index-closed"
        }
    }

    package var description: String {
        switch self {
        case .urlInvalid(let why), .unavailable(let why), .schema(let why), .query(let why), .invalidArgument(let why):
            "\(code): \(why)"
        case .recordUnreadable(let chain, let sequence, let reason):
            "\(code): the stored record at \(chain) sequence \(sequence) \(reason)"
        case .closed:
            "\(code): the audit index store is closed"
        }
    }
}
