import Foundation
import HXAuditIndex
import HXAuditIndexing
import HXConsole
import HXDevBroker
import HXKafka
import HXOperations
import HXPlace
import Logging
import ServiceLifecycle

/// What `hx run` adds so a newcomer can look around: the audit indexer on a
/// SQLite file and the console, with three demonstration users whose passwords
/// are made afresh each run and printed once.
package enum DemoConsole {
    /// The console's and the indexer's services, and what closes their clients once the group has stopped.
    /// A port in use is a `DevStackProblem`.
    package static func services(
        client: KafkaClientConfiguration, place: PlaceConfiguration, config: URL, adapters: URL, port: Int, directory: URL, logger: Logger
    ) async throws -> ([ServiceGroupConfiguration.ServiceConfiguration], @Sendable () async -> Void) {
        if DevBroker.canConnect(port: port) {
            throw DevStackProblem("something already listens on 127.0.0.1:\(port); choose another --console-port, or 0 for no console")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // The broker of `hx run` keeps nothing between runs: nor does its index.
        let indexFile = directory.appendingPathComponent("audit-index.sqlite")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: indexFile.path + suffix) }
        let store = try await AuditIndex.open(.sqlite(path: indexFile.path))
        try await store.prepare()

        var staff = StaffDirectory(members: [])
        let passwords = (operator: Self.password(), auditor: Self.password(), reviewer: Self.password())
        staff.set(name: "operator", role: .operator_, password: passwords.operator, cost: 10)
        staff.set(name: "auditor", role: .auditor, password: passwords.auditor, cost: 10)
        staff.set(name: "reviewer", role: .identityReviewer, password: passwords.reviewer, cost: 10)
        try staff.save(to: directory.appendingPathComponent("console-users.yaml"))

        var quiet = logger
        quiet.logLevel = .warning
        let console = try LiveConsole(
            client: client, place: place,
            adapters: AdapterCatalogue(directory: adapters, sensitivityCodes: config.appendingPathComponent("sensitivity-codes.yaml")),
            index: store, staff: staff, key: nil, sampleInterval: .seconds(5), host: "127.0.0.1", port: port, logger: quiet)
        print("console:    http://localhost:\(port)  sign in as operator / \(passwords.operator) or auditor / \(passwords.auditor) or reviewer / \(passwords.reviewer) (made for this run)")
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
