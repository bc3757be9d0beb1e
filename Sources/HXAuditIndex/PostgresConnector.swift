import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// Opens connections for the PostgreSQL store, within the URL's connect
/// timeout from the first packet to the end of authentication: a server that
/// accepts the connection and then says nothing must not hang the indexer.
struct PostgresConnector: Sendable {
    let url: PostgresURL

    /// Driver logs are dropped: at debug level the driver can log statements and
    /// their bound values, which here are patient identifiers.
    static let silentLogger = Logger(label: "hx.audit-index.postgres") { _ in SwiftLogNoOpLogHandler() }

    func connect() async throws(AuditIndexError) -> PostgresConnection {
        let configuration = try self.configuration()
        let timeout = url.connectTimeout
        let where_ = url.description
        do {
            return try await withThrowingTaskGroup(of: PostgresConnection?.self) { group in
                group.addTask {
                    try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Self.silentLogger)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(timeout))
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                // A connection that won the race after all is closed, not leaked.
                while let late = try? await group.next() { if let late { try? await late.close() } }
                guard let first else {
                    throw AuditIndexError.unavailable("no answer from PostgreSQL at \(where_) within \(timeout) s")
                }
                return first
            }
        } catch let e as AuditIndexError {
            throw e
        } catch {
            throw .unavailable("cannot connect to PostgreSQL at \(where_): \(Self.reason(error))")
        }
    }

    private func configuration() throws(AuditIndexError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch url.tls {
        case .disable:
            tls = .disable
        case .prefer, .require:
            do {
                let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                tls = url.tls == .require ? .require(context) : .prefer(context)
            } catch {
                throw .unavailable("cannot set up TLS for PostgreSQL: \(Self.reason(error))")
            }
        }
        var c = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        c.options.connectTimeout = .milliseconds(Int64(url.connectTimeout * 1000))
        return c
    }

    /// The driver's error code and the server's SQLSTATE, never the server's
    /// message text, which can quote the values of a failed statement.
    static func reason(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let state = e.serverInfo?[.sqlState] { return "\(e.code) (SQLSTATE \(state))" }
            if let underlying = e.underlying { return "\(e.code) (\(type(of: underlying)): \(underlying))" }
            return "\(e.code)"
        }
        if let e = error as? NIOConnectionError { return "connection failed (\(e.connectionErrors.count) address(es) tried)" }
        if error is ChannelError { return "channel error (\(error))" }
        return String(describing: type(of: error))
    }
}
