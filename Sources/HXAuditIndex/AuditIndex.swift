/// Opens the audit index at a location: the store for its backend, connected
/// (PostgreSQL) or opened (SQLite). Call `prepare()` before use.
package enum AuditIndex {
    package static func open(_ location: AuditIndexLocation) async throws(AuditIndexError) -> any AuditIndexStore {
        switch location {
        case .sqlite(let path):
            return try SQLiteAuditIndexStore(path: path)
        case .postgres(let text):
            return try await PostgresAuditIndexStore(url: try PostgresURL(text))
        }
    }
}
