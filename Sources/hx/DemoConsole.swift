import ArgumentParser
import Foundation
import HXDevBroker
import HXAuditIndex
import HXAuditIndexing
import HXConsole
import HXKafka
import HXOperations
import HXPlace
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// What `hx run` adds so a newcomer can look around: the audit indexer on a
/// SQLite file and the console, with two demonstration users whose passwords
/// are made afresh each run and printed once.
enum DemoConsole {
    static func services(
        client: KafkaClientConfiguration, config: URL, adapters: URL, port: Int, directory: URL, logger: Logger
    ) async throws -> ([ServiceGroupConfiguration.ServiceConfiguration], @Sendable () async -> Void) {
        if DevBroker.canConnect(port: port) {
            throw ValidationError("something already listens on 127.0.0.1:\(port); choose another --console-port, or 0 for no console")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // The broker of `hx run` keeps nothing between runs: nor does its index.
        let indexFile = directory.appendingPathComponent("audit-index.sqlite")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: indexFile.path + suffix) }
        let store = try await AuditIndex.open(.sqlite(path: indexFile.path))
        try await store.prepare()

        var staff = StaffDirectory(members: [])
        let passwords = (operator: Self.password(), auditor: Self.password())
        staff.set(name: "operator", role: .operator_, password: passwords.operator, cost: 10)
        staff.set(name: "auditor", role: .auditor, password: passwords.auditor, cost: 10)
        try staff.save(to: directory.appendingPathComponent("console-users.yaml"))

        var quiet = logger
        quiet.logLevel = .warning
        let console = try LiveConsole(
            client: client, place: try RouterCommand.load(config),
            adapters: AdapterCatalogue(directory: adapters, sensitivityCodes: config.appendingPathComponent("sensitivity-codes.yaml")),
            index: store, staff: staff, key: nil, sampleInterval: .seconds(5), host: "127.0.0.1", port: port, logger: quiet)
        print("console:    http://localhost:\(port)  sign in as operator / \(passwords.operator) or auditor / \(passwords.auditor) (made for this run)")
        return (
            console.services(stopGroupWithServer: false) + [.init(service: IndexFollower(feed: AuditIndexFeed(client: client, store: store, logger: quiet)))],
            { await console.close() }
        )
    }

    /// Four groups of four letters and digits, without look-alikes.
    static func password() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String((0..<4).map { _ in alphabet.randomElement(using: &generator)! }) }.joined(separator: "-")
    }
}

/// `hx audit index --follow` as a service of `hx run`'s group.
struct IndexFollower: Service {
    let feed: AuditIndexFeed

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await feed.follow(every: .seconds(1))
            }
        } catch where Task.isCancelled || Task.isShuttingDownGracefully {
            // Stopped mid-read by the shutdown: what was stored is whole (one transaction a chunk).
        }
    }
}
