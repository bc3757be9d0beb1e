import Foundation

/// A signed-in member of staff.
package struct StaffSession: Sendable, Equatable {
    package var id: String
    package var name: String
    package var role: StaffRole
    /// Sent back in every form; a POST without it is refused (CSRF).
    package var csrfToken: String
    var created: Date
    var lastSeen: Date
}

/// Sessions in memory: a restart signs everyone out, which is the safe
/// direction. Ids and CSRF tokens are 256 random bits from the system's
/// generator. A session ends after `idle` without a request or `lifetime` in
/// all, whichever comes first.
package actor StaffSessions {
    let idle: TimeInterval
    let lifetime: TimeInterval
    private var sessions: [String: StaffSession] = [:]
    /// Failed sign-ins per name in the current window, to slow guessing.
    private var failures: [String: (count: Int, since: Date)] = [:]

    package static let maxFailures = 5
    package static let lockout: TimeInterval = 300

    package init(idle: TimeInterval = 30 * 60, lifetime: TimeInterval = 12 * 3600) {
        self.idle = idle
        self.lifetime = lifetime
    }

    package func open(for member: StaffMember, now: Date = Date()) -> StaffSession {
        sweep(now: now)
        let session = StaffSession(id: Self.token(), name: member.name, role: member.role, csrfToken: Self.token(), created: now, lastSeen: now)
        sessions[session.id] = session
        failures[member.name] = nil
        return session
    }

    package func session(_ id: String, now: Date = Date()) -> StaffSession? {
        guard var session = sessions[id] else { return nil }
        guard now.timeIntervalSince(session.lastSeen) <= idle, now.timeIntervalSince(session.created) <= lifetime else {
            sessions[id] = nil
            return nil
        }
        session.lastSeen = now
        sessions[id] = session
        return session
    }

    package func close(_ id: String) { sessions[id] = nil }

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

    private func sweep(now: Date) {
        sessions = sessions.filter { now.timeIntervalSince($0.value.lastSeen) <= idle && now.timeIntervalSince($0.value.created) <= lifetime }
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
