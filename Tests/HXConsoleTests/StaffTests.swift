import Foundation
import HTTPTypes
import HXConfigFile
@testable import HXConsole
import Hummingbird
import Testing

/// The console's users file and sessions.
@Suite struct StaffTests {
    func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hx-users-\(UUID().uuidString.prefix(8)).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func aUsersFileRoundTripsWithHashesOnly() throws {
        var directory = StaffDirectory(members: [])
        directory.set(name: "jo.bloggs", role: .auditor, password: "a long passphrase", cost: 4)
        directory.set(name: "sam", role: .operator_, password: "another passphrase", cost: 4)
        #expect(!directory.yaml.contains("passphrase"))
        let loaded = try StaffDirectory.load(write(directory.yaml))
        #expect(loaded.members == directory.members)
        #expect(loaded.authenticate(name: "jo.bloggs", password: "a long passphrase")?.role == .auditor)
        #expect(loaded.authenticate(name: "jo.bloggs", password: "another passphrase") == nil)
        #expect(loaded.authenticate(name: "nobody", password: "a long passphrase") == nil)
    }

    @Test func problemsInTheUsersFileNameTheirLine() throws {
        let url = try write("""
            users:
              - name: ok.user
                role: operator
                passwordHash: "$2b$04$lFqPcm4pGjK/JsgdWbE6HOI6cFa.D3LRE/o0dZb8vbrl11tT3zqaC"
              - name: bad
                role: superuser
                passwordHash: "$2b$04$lFqPcm4pGjK/JsgdWbE6HOI6cFa.D3LRE/o0dZb8vbrl11tT3zqaC"
              - name: plain
                role: auditor
                passwordHash: hunter2
              - name: ok.user
                role: admin
                passwordHash: "$2b$04$lFqPcm4pGjK/JsgdWbE6HOI6cFa.D3LRE/o0dZb8vbrl11tT3zqaC"

            """)
        do {
            _ = try StaffDirectory.load(url)
            Issue.record("a bad users file was accepted")
        } catch {
            let text = error.issues.map(\.description)
            #expect(text.contains { $0.contains("\(url.path):6:") && $0.contains("superuser") }, "\(text)")
            #expect(text.contains { $0.contains(":10:") && $0.contains("not a bcrypt hash") }, "\(text)")
            #expect(text.contains { $0.contains(":11:") && $0.contains("listed twice") }, "\(text)")
            #expect(!text.joined().contains("hunter2"), "a password typed into the file is not repeated")
        }
    }

    @Test func sessionsEndWhenIdleOrTooOld() async throws {
        let sessions = StaffSessions(idle: 60, lifetime: 600)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let member = StaffMember(name: "sam", role: .operator_, passwordHash: "")
        /// A request with the session's cookie, `seconds` after the start.
        func lookUp(_ cookie: Cookie, at seconds: TimeInterval) async throws -> StaffSession? {
            let head = HTTPRequest(method: .get, scheme: "https", authority: "console", path: "/", headerFields: [.cookie: "\(cookie.name)=\(cookie.value)"])
            return try await sessions.session(for: Request(head: head, body: .init(buffer: ByteBuffer())), now: start.addingTimeInterval(seconds))
        }
        let cookie = try await sessions.open(for: member, now: start)
        let session = try #require(try await lookUp(cookie, at: 59))
        #expect(cookie.value != session.csrfToken && cookie.value.count >= 43)
        #expect(try await lookUp(cookie, at: 118) != nil, "each request keeps it alive")
        #expect(try await lookUp(cookie, at: 200) == nil, "idle too long")
        let long = try await sessions.open(for: member, now: start)
        var t: TimeInterval = 0
        while t < 590 {
            t += 50
            _ = try await lookUp(long, at: t)
        }
        #expect(try await lookUp(long, at: 601) == nil, "past its lifetime however busy")
    }

    @Test func tokensCompareInConstantTimeAndDiffer() {
        #expect(StaffSessions.constantTimeEqual("abc", "abc"))
        #expect(!StaffSessions.constantTimeEqual("abc", "abd") && !StaffSessions.constantTimeEqual("abc", "abcd"))
        #expect(Set((0..<100).map { _ in StaffSessions.token() }).count == 100)
    }
}
