import Foundation
import HXAuditIndex
import HXDevBroker
import Testing

@Suite("Audit index: opening")
struct LocationTests {
    @Test("a bad PostgreSQL URL is a typed error naming what is wrong, never the password", arguments: [
        ("mysql://u:secret@h/db", "scheme"),
        ("127.0.0.1:5432/db", "no scheme"),
        ("postgres://u:secret@/db", "no host"),
        ("postgres://127.0.0.1:5432/db", "no user"),
        ("postgres://u:secret@127.0.0.1:5432", "no database"),
        ("postgres://u:secret@127.0.0.1:5432/", "no database"),
        ("postgres://u:secret@127.0.0.1:99999/db", "port"),
        ("postgres://u:secret@127.0.0.1:5432/db?sslmode=maybe", "sslmode"),
        ("postgres://u:secret@127.0.0.1:5432/db?connect_timeout=-1", "connect_timeout"),
        ("postgres://u:secret@127.0.0.1:5432/db?application=x", "unknown parameter"),
        ("postgres://u:secret@127.0.0.1:abc/db", "well-formed"),
    ])
    func badURL(url: String, names: String) async throws {
        let error = await #expect(throws: AuditIndexError.self) { _ = try await AuditIndex.open(.postgres(url: url)) }
        #expect(error?.code == "index-url-invalid")
        let text = error.map { String(describing: $0) } ?? ""
        #expect(text.contains(names), "\(text)")
        #expect(!text.contains("secret"))
    }

    @Test("nothing listening: a typed error, not a hang")
    func refused() async throws {
        let port = try DevBroker.freePort()
        let started = ContinuousClock.now
        let error = await #expect(throws: AuditIndexError.self) {
            _ = try await AuditIndex.open(.postgres(url: "postgres://u:secret@127.0.0.1:\(port)/db?sslmode=disable&connect_timeout=2"))
        }
        #expect(error?.code == "index-unavailable")
        // Not a hang: the bound is loose because a loaded full run delays every task by seconds.
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(error.map { !String(describing: $0).contains("secret") } == true)
    }

    @Test("a server that accepts and never answers: a typed error after the connect timeout, not a hang")
    func silent() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let started = ContinuousClock.now
        let error = await #expect(throws: AuditIndexError.self) {
            _ = try await AuditIndex.open(.postgres(url: "postgres://u@127.0.0.1:\(listener.port)/db?sslmode=disable&connect_timeout=1"))
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.code == "index-unavailable")
        #expect(elapsed >= .milliseconds(900))
        #expect(elapsed < .seconds(60), "not a hang (loose: a loaded full run delays every task by seconds)")
    }

    @Test("an SQLite file that cannot be created: a typed error")
    func sqliteUnavailable() async throws {
        let error = await #expect(throws: AuditIndexError.self) {
            _ = try await AuditIndex.open(.sqlite(path: "/nonexistent-\(UUID().uuidString)/index.sqlite"))
        }
        #expect(error?.code == "index-unavailable")
    }

    @Test("a closed store refuses further calls", arguments: Backend.allCases)
    func closed(backend: Backend) async throws {
        let db = try await TestDatabase.make(backend)
        defer { db.remove() }
        let store = try await db.open()
        await store.close()
        await store.close()
        let error = await #expect(throws: AuditIndexError.self) { _ = try await store.search(AuditQuery()) }
        #expect(error == .closed)
    }
}

/// A TCP socket on 127.0.0.1 that completes connections (the kernel's
/// backlog) and never reads or answers.
final class SilentListener: Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }
}
