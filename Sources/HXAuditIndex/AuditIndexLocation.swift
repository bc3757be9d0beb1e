import Foundation

/// Where the audit index lives: an SQLite file (the embedded default) or a
/// PostgreSQL database (at scale).
package enum AuditIndexLocation: Sendable, Equatable {
    case sqlite(path: String)
    /// `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require&connect_timeout=SECONDS]`
    case postgres(url: String)
}

/// A PostgreSQL connection URL, taken apart. The password is never shown
/// (`description` leaves it out) since errors and logs print locations.
struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    enum TLSMode: String, Sendable { case disable, prefer, require }

    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String
    var tls: TLSMode
    /// Seconds allowed to connect and authenticate before the index is reported unavailable.
    var connectTimeout: Double

    static let defaultPort = 5432
    static let defaultConnectTimeout = 10.0

    var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// Parses `text`; the error names the part that is wrong, never the password.
    init(_ text: String) throws(AuditIndexError) {
        func bad(_ why: String) -> AuditIndexError { .urlInvalid("PostgreSQL URL: \(why)") }
        guard let schemeEnd = text.range(of: "://") else { throw bad("no scheme: expected postgres://user@host:port/database") }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw bad("scheme \"\(scheme)\" is not postgres or postgresql")
        }
        // URLComponents percent-decodes user and password and checks the port.
        guard let parts = URLComponents(string: text) else {
            throw bad("not a well-formed URL (a special character in the password must be percent-encoded)")
        }
        guard var host = parts.host, !host.isEmpty else { throw bad("no host") }
        // An IPv6 address comes bracketed, as a URL writes it.
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let user = parts.user, !user.isEmpty else { throw bad("no user name (postgres://USER@host/database)") }
        let port = parts.port ?? Self.defaultPort
        guard (1...65535).contains(port) else { throw bad("port \(port) is not between 1 and 65535") }
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        guard !path.isEmpty else { throw bad("no database name (postgres://user@host:port/DATABASE)") }
        guard !path.contains("/") else { throw bad("database name \"\(path)\" contains \"/\"") }
        var tls = TLSMode.prefer
        var timeout = Self.defaultConnectTimeout
        for item in parts.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw bad("sslmode must be disable, prefer or require")
                }
                tls = mode
            case "connect_timeout":
                guard let v = item.value.flatMap(Double.init), v > 0, v <= 3600 else {
                    throw bad("connect_timeout must be a number of seconds above 0 and at most 3600")
                }
                timeout = v
            default:
                throw bad("unknown parameter \"\(item.name)\" (known: sslmode, connect_timeout)")
            }
        }
        self.user = user
        self.password = parts.password
        self.host = host
        self.port = port
        self.database = path
        self.tls = tls
        self.connectTimeout = timeout
    }
}
