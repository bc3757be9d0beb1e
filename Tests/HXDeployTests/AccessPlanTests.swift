import Foundation
import HXAccess
import HXCanonical
import HXConfigFile
import HXPlace
import Testing

/// What an operator relies on in `hx acl plan`, checked on the real Halton configuration.
@Suite("hx acl plan on the Halton configuration")
struct AccessPlanTests {
    static let config = repositoryRoot.appendingPathComponent("config", isDirectory: true)
    static let adapters = repositoryRoot.appendingPathComponent("adapters", isDirectory: true)

    static func plan() throws -> AccessPlan {
        try AccessPlan.load(configDirectory: config, adaptersDirectory: adapters)
    }

    static func topics(_ plan: AccessPlan, _ principal: String, _ operation: KafkaACL.Operation) -> Set<String> {
        Set(plan.acls.filter { $0.principal == principal && $0.resourceType == .topic && $0.operation == operation }.map(\.resourceName))
    }

    @Test("each adapter writes only its own canonical topic, plus dead letters, heartbeats and (HL7 v2 only) identity facts; it reads nothing")
    func adapters() throws {
        let plan = try Self.plan()
        let expected: [String: Set<String>] = [
            "whh-pas-discharge": ["hx.canonical.discharge-summary.v1", "hx.identity.v1"],
            "mersey-care-discharge": ["hx.canonical.discharge-summary.v1", "hx.identity.v1"],
            "sthk-edischarge": ["hx.canonical.discharge-summary.v1"],
            "bridgewater-referrals": ["hx.canonical.referral.v1"],
            "social-prescribing-referrals": ["hx.canonical.referral.v1"],
            "hbc-adult-social-care": ["hx.canonical.social-care-notification.v1"],
            "hbc-care-act-notices": ["hx.canonical.social-care-notification.v1"],
        ]
        let adapterPrincipals = plan.principals.filter { $0.role == .adapter }.map(\.name)
        #expect(Set(adapterPrincipals) == Set(expected.keys.map(AccessPlan.adapterPrincipal)))
        for (adapter, own) in expected {
            let principal = AccessPlan.adapterPrincipal(adapter)
            #expect(Self.topics(plan, principal, .write) == own.union(["hx.dlq.v1", "hx.heartbeat.v1"]), "\(adapter)")
            // Nothing else: no reads, no groups, no transactional ids, no prefixed grants.
            let grants = plan.acls.filter { $0.principal == principal }
            #expect(grants.allSatisfy { $0.operation == .write && $0.resourceType == .topic && $0.patternType == .literal }, "\(adapter)")
        }
    }

    @Test("a recipient reads only its own delivery topic, in its own consumer group, and writes nothing")
    func recipients() throws {
        let plan = try Self.plan()
        let recipients = plan.principals.filter { $0.role == .recipient }
        #expect(recipients.count == 29)  // every organisation of organisations.yaml may receive
        for recipient in recipients {
            let code = String(recipient.name.dropFirst("hx-recipient-".count))
            #expect(recipient.acls == [
                KafkaACL(principal: recipient.name, .topic, "hx.deliver.\(code)", .literal, .read),
                KafkaACL(principal: recipient.name, .group, "hx-recipient-\(code)", .literal, .read),
            ].sorted())
        }
        // One recipient cannot read another's deliveries, even through a prefix.
        let appleton = AccessPlan.recipientPrincipal("N81035")
        #expect(plan.principals(allowed: .read, onTopic: "hx.deliver.n81035").contains(appleton))
        #expect(!plan.principals(allowed: .read, onTopic: "hx.deliver.rww").contains(appleton))
    }

    @Test("only the router writes delivery topics (and the console's replay of a failed delivery); the router, delivery workers and auditors' tools write the audit topic")
    func writers() throws {
        let plan = try Self.plan()
        let place = try PlaceConfiguration.load(directory: repositoryRoot.appendingPathComponent("config"))
        let deliveries = plan.principals.filter { $0.role == .recipient }.map { "hx.deliver." + $0.name.dropFirst("hx-recipient-".count) }
        for topic in deliveries {
            let delivered = place.organisations.contains { $0.deliveryTopic == topic && $0.delivery != nil }
            #expect(plan.principals(allowed: .write, onTopic: topic) == (delivered ? [AccessPlan.router, AccessPlan.console] : [AccessPlan.router]), "\(topic)")
            #expect(plan.principals(allowed: .read, onTopic: topic).contains(AccessPlan.deliverer) == delivered, "\(topic)")
        }
        #expect(plan.principals(allowed: .write, onTopic: "hx.deliver.someone-new").isEmpty)
        #expect(plan.principals(allowed: .write, onTopic: HXTopic.audit) == [AccessPlan.router, AccessPlan.deliverer, AccessPlan.auditor, AccessPlan.console])
        #expect(plan.principals(allowed: .write, onTopic: HXTopic.deliveryStatus) == [AccessPlan.deliverer])
        #expect(plan.principals(allowed: .write, onTopic: HXTopic.review) == [AccessPlan.router])
        // Auditors write only through their own transactional ids, never the router's (which would fence it).
        let routerTransactions = plan.acls.filter { $0.covers(.transactionalID, "hx-router-a") }.map(\.principal)
        #expect(routerTransactions == [AccessPlan.router])
        let auditorTransactions = Set(plan.acls.filter { $0.covers(.transactionalID, "hx-auditor-jsmith") }.map(\.principal))
        #expect(auditorTransactions == [AccessPlan.auditor, AccessPlan.console])
    }

    @Test("only auditors' tools (and the router and delivery workers, which continue their chains) read the audit topic")
    func auditReaders() throws {
        let plan = try Self.plan()
        #expect(plan.principals(allowed: .read, onTopic: HXTopic.audit)
                == [AccessPlan.router, AccessPlan.deliverer, AccessPlan.indexer, AccessPlan.auditor, AccessPlan.console])
        // The console reads what the impact report reads, for the admin's Impact page.
        #expect(plan.principals(allowed: .read, onTopic: HXTopic.consent) == [AccessPlan.router, AccessPlan.consent, AccessPlan.igChange, AccessPlan.console])
        for topic in HXTopic.canonicalTopics {
            #expect(plan.principals(allowed: .read, onTopic: topic) == [AccessPlan.router, AccessPlan.igChange, AccessPlan.console], "\(topic)")
        }
        // The impact report writes nothing at all.
        #expect(!plan.acls.contains { $0.principal == AccessPlan.igChange && $0.operation != .read })
    }

    @Test("the output is the same on every run, sorted by principal, and both formats name the same principals")
    func deterministic() throws {
        let first = try Self.plan(), second = try Self.plan()
        #expect(first.kafkaACLsScript() == second.kafkaACLsScript())
        #expect(first.strimziKafkaUsers(cluster: "hx", namespace: nil, authentication: .scramSHA512)
                == second.strimziKafkaUsers(cluster: "hx", namespace: nil, authentication: .scramSHA512))
        let names = first.principals.map(\.name)
        #expect(names == names.sorted())
        let commands = first.kafkaACLsScript().split(separator: "\n").filter { $0.hasPrefix("\"$KAFKA_ACLS\"") }
        #expect(commands.count == first.acls.count)
        let principalsInScript = commands.map { line in
            line.split(separator: " ").first { $0.hasPrefix("User:") }.map { String($0.dropFirst(5)) } ?? ""
        }
        #expect(principalsInScript == first.acls.map(\.principal))
        let users = first.strimziKafkaUsers(cluster: "hx", namespace: nil, authentication: .scramSHA512)
        let userNames = users.split(separator: "\n").filter { $0.hasPrefix("  name: ") }.map { String($0.dropFirst(8)) }
        #expect(userNames == names)
    }

    @Test("the committed Strimzi KafkaUsers are what hx acl plan prints for this configuration")
    func committedUsersAreCurrent() throws {
        let committed = try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/kubernetes/kafka/users.yaml"), encoding: .utf8)
        let plan = try Self.plan()
        #expect(committed == plan.strimziKafkaUsers(cluster: "hx", namespace: nil, authentication: .scramSHA512),
                "regenerate: hx acl plan --format strimzi > deploy/kubernetes/kafka/users.yaml")
    }
}

@Suite("hx acl plan, the command")
struct AclCommandTests {
    @Test("prints kafka-acls.sh commands by default and KafkaUser documents with --format strimzi")
    func formats() async throws {
        let script = try await hx(["acl", "plan"])
        #expect(script.status == 0, "\(script.error)")
        #expect(script.output.contains("--add --allow-principal User:hx-router --operation Write --topic hx.audit.ig.v1"))
        #expect(script.output.contains("--allow-principal User:hx-router --operation Write --transactional-id hx-router- --resource-pattern-type prefixed"))
        let strimzi = try await hx(["acl", "plan", "--format", "strimzi", "--namespace", "hx"])
        #expect(strimzi.status == 0)
        #expect(strimzi.output.components(separatedBy: "kind: KafkaUser").count - 1 == 7 + 8 + 29)
        #expect(strimzi.output.contains("  namespace: hx\n"))
    }

    @Test("a configuration error exits 78 naming the file and line; nothing is printed on standard output")
    func configurationError() async throws {
        let directory = try temporaryDirectory("hx-acl-config")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config"), adapters = directory.appendingPathComponent("adapters")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("config"), to: config)
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("adapters"), to: adapters)
        // An organisation of an unknown kind on line 3.
        try "organisations:\n  - code: RWW\n    kind: hospital-ish\n    name: x\n".write(to: config.appendingPathComponent("organisations.yaml"), atomically: true, encoding: .utf8)
        let bad = try await hx(["acl", "plan", "--config", config.path, "--adapters", adapters.path])
        #expect(bad.status == 78)
        #expect(bad.output.isEmpty)
        #expect(bad.error.contains("organisations.yaml:3:"), "\(bad.error)")

        // An adapter whose organisation the place does not know.
        try FileManager.default.removeItem(at: config)
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("config"), to: config)
        let yaml = adapters.appendingPathComponent("whh-pas-discharge/adapter.yaml")
        let text = try String(contentsOf: yaml, encoding: .utf8).replacingOccurrences(of: "organisation: RWW", with: "organisation: RXX")
        try text.write(to: yaml, atomically: true, encoding: .utf8)
        let unknown = try await hx(["acl", "plan", "--config", config.path, "--adapters", adapters.path])
        #expect(unknown.status == 78)
        #expect(unknown.error.contains("whh-pas-discharge/adapter.yaml"))
        #expect(unknown.error.contains("'RXX' is not in organisations.yaml"))
    }
}
