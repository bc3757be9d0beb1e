import Foundation
import Hummingbird
import HummingbirdAuth

/// A signed-in member of staff: what the session store keeps under the
/// session's id, and the identity hummingbird-auth puts on the request context.
package struct StaffSession: Sendable, Equatable, Codable {
    package var name: String
    package var role: StaffRole
    /// Sent back in every form; a POST without it is refused (CSRF).
    package var csrfToken: String
    /// Signed in through OIDC: the provider's `name` or `preferred_username`, shown on pages; `name` is then `oidc:<sub>`.
    package var displayName: String?
    /// The provider's end_session_endpoint, offered at sign-out.
    package var endSession: String?
    var created: Date
    var lastSeen: Date
}

/// The console's request context: hummingbird-auth's, with the signed-in member as identity.
package typealias ConsoleContext = BasicAuthRequestContext<StaffSession>

/// Sessions in hummingbird-auth's `SessionStorage` over Hummingbird's
/// `MemoryPersistDriver`: they make the ids (256 random bits), keep the
/// sessions and read the id back from the cookie. A restart signs everyone
/// out, which is the safe direction. CSRF tokens are 256 random bits from the
/// system's generator. A session ends after `idle` without a request or
/// `lifetime` in all, whichever comes first.
package actor StaffSessions {
    let idle: TimeInterval
    let lifetime: TimeInterval
    /// Tidies expired sessions away, run as a service of the application.
    let store: MemoryPersistDriver<ContinuousClock>
    let storage: SessionStorage<StaffSession>
    /// Failed sign-ins per name in the current window, to slow guessing.
    private var failures: [String: (count: Int, since: Date)] = [:]

    package static let maxFailures = 5
    package static let lockout: TimeInterval = 300

    package init(idle: TimeInterval = 30 * 60, lifetime: TimeInterval = 12 * 3600) {
        self.idle = idle
        self.lifetime = lifetime
        let store = MemoryPersistDriver()
        self.store = store
        storage = SessionStorage(store, configuration: .init(sessionCookieParameters: .init(name: ConsoleApplication.sessionCookie)))
    }

    /// A new session and its cookie, which has no expiry: the browser forgets it when it closes.
    package func open(for member: StaffMember, now: Date = Date()) async throws -> Cookie {
        failures[member.name] = nil
        return try await open(name: member.name, role: member.role, now: now)
    }

    /// A session for someone the console does not list itself (signed in through OIDC).
    package func open(name: String, role: StaffRole, displayName: String? = nil, endSession: String? = nil, now: Date = Date()) async throws -> Cookie {
        let session = StaffSession(name: name, role: role, csrfToken: Self.token(), displayName: displayName, endSession: endSession, created: now, lastSeen: now)
        let saved = try await storage.save(session: session, expiresIn: .seconds(idle))
        return ConsoleApplication.cookie(ConsoleApplication.sessionCookie, saved.value, path: "/", maxAge: nil)
    }

    /// The live session named by the request's cookie, kept alive for another `idle`. It is stored
    /// again before the page runs, not after, so that a sign-out meanwhile is not undone.
    package func session(for request: Request, now: Date = Date()) async throws -> StaffSession? {
        guard var session = try await storage.load(request: request) else { return nil }
        let age = now.timeIntervalSince(session.created)
        guard now.timeIntervalSince(session.lastSeen) <= idle, age <= lifetime else {
            _ = try await storage.delete(request: request)
            return nil
        }
        session.lastSeen = now
        try await storage.update(session: session, expiresIn: .seconds(min(idle, lifetime - age)), request: request)
        return session
    }

    package func close(_ request: Request) async throws { _ = try await storage.delete(request: request) }

    /// Whether sign-in for this name is paused after too many failures.
    package func isLockedOut(_ name: String, now: Date = Date()) -> Bool {
        guard let f = failures[name] else { return false }
        if now.timeIntervalSince(f.since) > Self.lockout {
            failures[name] = nil
            return false
        }
        return f.count >= Self.maxFailures
    }

    package func recordFailure(_ name: String, now: Date = Date()) {
        if let f = failures[name], now.timeIntervalSince(f.since) <= Self.lockout {
            failures[name] = (f.count + 1, f.since)
        } else {
            failures[name] = (1, now)
        }
    }

    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Equal strings, compared in time that does not depend on where they differ.
    package nonisolated static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// hummingbird-auth's authenticator middleware: the live session, if any, becomes the context's identity.
struct StaffAuthenticator: AuthenticatorMiddleware {
    typealias Context = ConsoleContext
    let sessions: StaffSessions

    func authenticate(request: Request, context: ConsoleContext) async throws -> StaffSession? {
        try await sessions.session(for: request)
    }
}
