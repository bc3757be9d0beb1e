import Foundation
import GRDB
import HXAuditIndex
import PostgresNIO
import Testing

/// The backends every store test runs against.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// One test's database: where it is, and raw SQL access to it for tampering.
struct TestDatabase: Sendable {
    var backend: Backend
    var location: AuditIndexLocation

    static func make(_ backend: Backend) async throws -> TestDatabase {
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hx-audit-index-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return TestDatabase(backend: backend, location: .sqlite(path: dir.appendingPathComponent("index.sqlite").path))
        case .postgres:
            return TestDatabase(backend: backend, location: .postgres(url: try await TestPostgres.shared.newDatabase()))
        }
    }

    func open() async throws -> any AuditIndexStore {
        let store = try await AuditIndex.open(location)
        try await store.prepare()
        return store
    }

    /// Removes what `make` created (a PostgreSQL database goes with its server).
    func remove() {
        if case .sqlite(let path) = location {
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent())
        }
    }

    /// A literal for bytes in this backend's SQL.
    func bytesLiteral(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        return backend == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
    }

    /// Runs `sql` outside the store, as someone with access to the database could.
    func execute(_ sql: String) async throws {
        switch location {
        case .sqlite(let path):
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in try db.execute(sql: sql) }
            try queue.close()
        case .postgres(let url):
            let parts = URLComponents(string: url)!
            let connection = try await TestPostgres.connect(port: parts.port!, database: String(parts.path.dropFirst()))
            do {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        }
    }
}

/// Opens a fresh database of `backend`, runs `body` with its prepared store, then closes and removes it.
func withStore(_ backend: Backend, _ body: (any AuditIndexStore, TestDatabase) async throws -> Void) async throws {
    let db = try await TestDatabase.make(backend)
    defer { db.remove() }
    let store = try await db.open()
    do {
        try await body(store, db)
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}
