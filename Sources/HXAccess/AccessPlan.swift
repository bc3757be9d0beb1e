import Foundation
import HXCanonical
import HXConfigFile
import HXPlace
import HXTopics
import HXTranslate

/// One Kafka ACL: allow `principal` to do `operation` on a resource.
package struct KafkaACL: Sendable, Hashable, Comparable {
    /// In the order operators read them: topics, then groups, then transactional ids, then the cluster.
    package enum ResourceType: Int, Sendable, Hashable, Comparable {
        case topic, group, transactionalID, cluster
        package static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

        /// Strimzi's `spec.authorization.acls[].resource.type`.
        package var strimziName: String {
            switch self {
            case .topic: "topic"
            case .group: "group"
            case .transactionalID: "transactionalId"
            case .cluster: "cluster"
            }
        }
    }

    package enum PatternType: String, Sendable, Hashable, Comparable {
        case literal, prefixed
        package static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    /// Kafka's operation names, as kafka-acls.sh and Strimzi spell them.
    package enum Operation: String, Sendable, Hashable, Comparable, CaseIterable {
        case read = "Read", write = "Write", create = "Create", describe = "Describe", describeConfigs = "DescribeConfigs"
        package static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    package var principal: String
    package var resourceType: ResourceType
    /// `kafka-cluster` for the cluster resource.
    package var resourceName: String
    package var patternType: PatternType
    package var operation: Operation

    /// A literal resource name.
    package init(principal: String, _ resourceType: ResourceType, _ resourceName: String, _ operation: Operation) {
        self.init(principal: principal, resourceType, resourceName, .literal, operation)
    }

    package init(principal: String, _ resourceType: ResourceType, _ resourceName: String, _ patternType: PatternType, _ operation: Operation) {
        self.principal = principal
        self.resourceType = resourceType
        self.resourceName = resourceName
        self.patternType = patternType
        self.operation = operation
    }

    package static func < (a: KafkaACL, b: KafkaACL) -> Bool {
        (a.principal, a.resourceType, a.resourceName, a.patternType, a.operation)
            < (b.principal, b.resourceType, b.resourceName, b.patternType, b.operation)
    }

    /// Whether this ACL covers `name` of `type` (a prefixed ACL covers every name it begins).
    package func covers(_ type: ResourceType, _ name: String) -> Bool {
        guard type == resourceType else { return false }
        switch patternType {
        case .literal: return name == resourceName
        case .prefixed: return name.hasPrefix(resourceName)
        }
    }
}

/// Who a principal is, for the reader of the plan.
package struct PrincipalGrant: Sendable, Equatable {
    package enum Role: String, Sendable {
        case adapter, router, deliverer, indexer, console, auditor, consent, igChange = "ig-change", topicAdmin = "topic-admin", recipient
    }

    package var name: String
    package var role: Role
    /// One line saying what it is for (a YAML/shell comment in the output).
    package var purpose: String
    package var acls: [KafkaACL]
}

/// Least-privilege Kafka ACLs for every component and recipient, derived from
/// the place's configuration. Pure: no Kafka, no clock.
///
/// Principal names (stable: operators create users and certificates with them):
/// `hx-adapter-<adapter>`, `hx-router`, `hx-deliver`, `hx-indexer`, `hx-console`, `hx-auditor`,
/// `hx-consent`, `hx-ig-change`, `hx-topics`, `hx-recipient-<organisation code in lower case>`.
package struct AccessPlan: Sendable, Equatable {
    package var principals: [PrincipalGrant]

    /// Consumer groups and transactional ids the code uses (HXRouter, HXAuditIndexing, hx).
    package enum Names {
        package static let routerGroup = HXGroup.router
        /// The router's chain recovery and consent/identity readers (`groupID + "-recovery"` and `"-reference"`).
        package static let routerHelperGroups = [HXGroup.routerRecovery(HXGroup.router), HXGroup.routerReference(HXGroup.router)]
        /// `RouterSettings.transactionalID` is `hx-router-<instance>`.
        package static let routerTransactionalPrefix = HXTransactionalID.routerPrefix
        package static let indexerGroup = HXGroup.auditIndex
        /// `hx-staff-audit`: where `StaffAuditWriter` reads a person's chain head from.
        package static let auditorGroups = [HXGroup.auditVerify, HXGroup.staffAudit]
        /// `AuditAccessRecorder`: one transactional id per auditor, `hx-auditor-<actor>`.
        package static let auditorTransactionalPrefix = HXTransactionalID.auditorPrefix
        /// `DeadLetterReplayer`: one transactional id per operator, `hx-operator-<actor>`.
        package static let operatorTransactionalPrefix = HXTransactionalID.operatorPrefix
        /// `ImpactRunRecorder`: one transactional id per admin, `hx-admin-<actor>`.
        package static let adminTransactionalPrefix = HXTransactionalID.adminPrefix
        package static let consentGroup = HXGroup.consentShow
        package static let consoleGroupPrefix = HXGroup.consolePrefix
        package static func recipientGroup(_ code: String) -> String { HXGroup.recipient(code) }
        /// `hx deliver run`: groups `hx-deliver-<code>` and its chain reader `hx-deliver-recovery`.
        package static let delivererGroupPrefix = HXGroup.deliver("")
        /// One transactional id per recipient, `hx-deliver-<code>`.
        package static let delivererTransactionalPrefix = HXTransactionalID.deliverPrefix
    }

    package static func adapterPrincipal(_ adapter: String) -> String { "hx-adapter-\(adapter)" }
    package static func recipientPrincipal(_ code: String) -> String { "hx-recipient-\(code.lowercased())" }
    package static let router = "hx-router", deliverer = "hx-deliver", indexer = "hx-indexer", console = "hx-console", auditor = "hx-auditor"
    package static let consent = "hx-consent", igChange = "hx-ig-change", topicAdmin = "hx-topics"

    /// The plan for a place: its organisations, its topics and its adapters.
    package static func derive(place: PlaceConfiguration, topics: TopicCatalog, adapters: [AdapterConfiguration]) -> AccessPlan {
        let canonical = HXTopic.canonicalTopics
        let deliveries = place.organisations.map(\.deliveryTopic).sorted()
        var grants: [PrincipalGrant] = []

        func grant(_ name: String, _ role: PrincipalGrant.Role, _ purpose: String, _ build: (String) -> [KafkaACL]) {
            grants.append(PrincipalGrant(name: name, role: role, purpose: purpose, acls: Array(Set(build(name))).sorted()))
        }

        for adapter in adapters.sorted(by: { $0.name < $1.name }) {
            grant(adapterPrincipal(adapter.name), .adapter, "adapter \(adapter.name) (\(adapter.organisation)): its canonical topic, dead letters, heartbeats") { p in
                var acls = [
                    KafkaACL(principal: p, .topic, adapter.topic, .write),
                    KafkaACL(principal: p, .topic, HXTopic.deadLetter, .write),
                    KafkaACL(principal: p, .topic, HXTopic.heartbeat, .write),
                ]
                // Only HL7 v2 feeds carry identity facts (A01/A08/A28 → hx.identity.v1).
                if adapter.format == .hl7v2 { acls.append(KafkaACL(principal: p, .topic, HXTopic.identity, .write)) }
                return acls
            }
        }

        grant(router, .router, "hx router: canonical, consent and identity in; deliveries, review, dead letters and the audit trail out, transactionally") { p in
            var acls: [KafkaACL] = []
            // Reviewers' resolutions are inputs too: a held message decided again, once.
            for topic in canonical + [HXTopic.reviewResolution, HXTopic.consent, HXTopic.identity] { acls.append(KafkaACL(principal: p, .topic, topic, .read)) }
            // Read: a restarted router continues each chain from its last record on the audit topic.
            acls.append(KafkaACL(principal: p, .topic, HXTopic.audit, .read))
            for topic in deliveries + [HXTopic.audit, HXTopic.review, HXTopic.deadLetter] { acls.append(KafkaACL(principal: p, .topic, topic, .write)) }
            for group in [Names.routerGroup] + Names.routerHelperGroups { acls.append(KafkaACL(principal: p, .group, group, .read)) }
            acls.append(KafkaACL(principal: p, .transactionalID, Names.routerTransactionalPrefix, .prefixed, .write))
            return acls
        }

        // Only recipients with a delivery block have a worker; one without reads its topic itself.
        let delivered = place.organisations.filter { $0.delivery != nil }.map(\.deliveryTopic).sorted()
        grant(deliverer, .deliverer, "hx deliver run: recipients' delivery topics in; statuses, dead letters and the recipients' audit chains out, transactionally") { p in
            var acls: [KafkaACL] = []
            for topic in delivered { acls.append(KafkaACL(principal: p, .topic, topic, .read)) }
            // Read: a restarted worker continues its chain from its last records on the audit topic.
            acls.append(KafkaACL(principal: p, .topic, HXTopic.audit, .read))
            for topic in [HXTopic.deliveryStatus, HXTopic.audit, HXTopic.deadLetter] { acls.append(KafkaACL(principal: p, .topic, topic, .write)) }
            acls.append(KafkaACL(principal: p, .group, Names.delivererGroupPrefix, .prefixed, .read))
            acls.append(KafkaACL(principal: p, .transactionalID, Names.delivererTransactionalPrefix, .prefixed, .write))
            return acls
        }

        grant(indexer, .indexer, "hx audit index --follow: reads the audit topic into the audit index") { p in
            [KafkaACL(principal: p, .topic, HXTopic.audit, .read), KafkaACL(principal: p, .group, Names.indexerGroup, .read)]
        }

        // Auditors read the log and record their own access on it first (AuditAccessRecorder).
        func auditorACLs(_ p: String) -> [KafkaACL] {
            var acls = [
                KafkaACL(principal: p, .topic, HXTopic.audit, .read),
                KafkaACL(principal: p, .topic, HXTopic.audit, .write),
                KafkaACL(principal: p, .transactionalID, Names.auditorTransactionalPrefix, .prefixed, .write),
                KafkaACL(principal: p, .group, Names.indexerGroup, .read),
            ]
            for group in Names.auditorGroups { acls.append(KafkaACL(principal: p, .group, group, .read)) }
            return acls
        }
        grant(auditor, .auditor, "hx audit verify|index|search|report run by an auditor: reads the audit topic, records each access on it") { p in
            auditorACLs(p)
        }
        grant(console, .console, "hx console: operations views (topics, lag, dead letters and replay, heartbeats) and auditors' views") { p in
            var acls = auditorACLs(p)
            // Topic list, partition counts, watermarks and consumer lag.
            acls.append(KafkaACL(principal: p, .topic, "hx.", .prefixed, .describe))
            acls.append(KafkaACL(principal: p, .group, "hx-", .prefixed, .describe))
            for topic in [HXTopic.deadLetter, HXTopic.heartbeat, HXTopic.review, HXTopic.deliveryStatus] { acls.append(KafkaACL(principal: p, .topic, topic, .read)) }
            // Dead-letter replay writes what the adapter would have (canonical messages, identity facts)
            // and its audit record in one transaction, under the operator's own transactional id.
            for topic in canonical + [HXTopic.identity] { acls.append(KafkaACL(principal: p, .topic, topic, .write)) }
            // A delivery's dead letter is replayed onto the recipient's delivery topic, as the router wrote it.
            for topic in delivered { acls.append(KafkaACL(principal: p, .topic, topic, .write)) }
            acls.append(KafkaACL(principal: p, .transactionalID, Names.operatorTransactionalPrefix, .prefixed, .write))
            // Identity review: the held messages, the candidates' facts and the resolutions in; a resolution
            // out with its record in the reviewer's chain, under the reviewer's own transactional id.
            for topic in [HXTopic.identity, HXTopic.reviewResolution] { acls.append(KafkaACL(principal: p, .topic, topic, .read)) }
            acls.append(KafkaACL(principal: p, .topic, HXTopic.reviewResolution, .write))
            acls.append(KafkaACL(principal: p, .transactionalID, HXTransactionalID.reviewerPrefix, .prefixed, .write))
            acls.append(KafkaACL(principal: p, .group, Names.consoleGroupPrefix, .prefixed, .read))
            // The impact page reads what `hx config impact` reads, and records each run under the admin's own id.
            for topic in canonical + [HXTopic.consent, HXTopic.identity] { acls.append(KafkaACL(principal: p, .topic, topic, .read)) }
            acls.append(KafkaACL(principal: p, .group, HXGroup.configImpact, .read))
            acls.append(KafkaACL(principal: p, .transactionalID, Names.adminTransactionalPrefix, .prefixed, .write))
            return acls
        }

        grant(consent, .consent, "hx consent record|withdraw|show, run by the IG team") { p in
            [KafkaACL(principal: p, .topic, HXTopic.consent, .read), KafkaACL(principal: p, .topic, HXTopic.consent, .write),
             KafkaACL(principal: p, .group, Names.consentGroup, .read)]
        }

        // Reads only: the report decides the recent inputs again under a proposal and writes nothing.
        grant(igChange, .igChange, "hx config impact, run by the IG lead: reads the canonical, consent and identity topics, writes nothing") { p in
            var acls: [KafkaACL] = []
            for topic in canonical + [HXTopic.consent, HXTopic.identity] { acls.append(KafkaACL(principal: p, .topic, topic, .read)) }
            acls.append(KafkaACL(principal: p, .group, HXGroup.configImpact, .read))
            return acls
        }

        grant(topicAdmin, .topicAdmin, "hx topics apply|list: creates the declared topics (not needed where Strimzi's topic operator does it)") { p in
            var acls: [KafkaACL] = []
            for op in [KafkaACL.Operation.create, .describe, .describeConfigs] { acls.append(KafkaACL(principal: p, .topic, "hx.", .prefixed, op)) }
            return acls
        }

        for organisation in place.organisations.sorted(by: { $0.code < $1.code }) {
            grant(recipientPrincipal(organisation.code), .recipient, "recipient \(organisation.code) (\(organisation.name)): its own delivery topic only") { p in
                [KafkaACL(principal: p, .topic, organisation.deliveryTopic, .read),
                 KafkaACL(principal: p, .group, Names.recipientGroup(organisation.code), .read)]
            }
        }
        return AccessPlan(principals: grants.sorted { $0.name < $1.name })
    }

    package var acls: [KafkaACL] { principals.flatMap(\.acls) }

    /// Every principal allowed `operation` on `topic`.
    package func principals(allowed operation: KafkaACL.Operation, onTopic topic: String) -> Set<String> {
        Set(acls.filter { $0.operation == operation && $0.covers(.topic, topic) }.map(\.principal))
    }

    /// Loads the configuration folder and the adapters folder, collecting every
    /// problem (file, line, message) before failing.
    package static func load(configDirectory: URL, adaptersDirectory: URL) throws(ConfigErrors) -> AccessPlan {
        var issues: [ConfigIssue] = []
        var place: PlaceConfiguration?
        var catalog: TopicCatalog?
        do { place = try PlaceConfiguration.load(directory: configDirectory) } catch { issues += error.issues }
        do { catalog = try TopicCatalog.load(configDirectory: configDirectory) } catch { issues += error.issues }
        var adapters: [AdapterConfiguration] = []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: adaptersDirectory.path)) ?? []).sorted()
        let folders = names.filter { FileManager.default.fileExists(atPath: adaptersDirectory.appendingPathComponent($0).appendingPathComponent("adapter.yaml").path) }
        if folders.isEmpty {
            issues.append(ConfigIssue(file: adaptersDirectory.relativePath, line: nil, column: nil, message: "no adapter folders (each with adapter.yaml) found"))
        }
        let codes = configDirectory.appendingPathComponent("sensitivity-codes.yaml")
        for folder in folders {
            let directory = adaptersDirectory.appendingPathComponent(folder, isDirectory: true)
            switch AdapterConfiguration.load(directory: directory, sensitivityCodes: codes) {
            case .success(let adapter): adapters.append(adapter)
            case .failure(let errors): issues += errors.issues
            }
        }
        if let place, let catalog {
            let declared = Set(catalog.topics.map(\.name))
            for adapter in adapters {
                let file = adaptersDirectory.appendingPathComponent(adapter.name).appendingPathComponent("adapter.yaml").relativePath
                if place.organisation(adapter.organisation) == nil {
                    issues.append(ConfigIssue(file: file, line: nil, column: nil, message: "organisation '\(adapter.organisation)' is not in organisations.yaml"))
                }
                if !HXTopic.canonicalTopics.contains(adapter.topic) || !declared.contains(adapter.topic) {
                    issues.append(ConfigIssue(file: file, line: nil, column: nil, message: "topic '\(adapter.topic)' is not a canonical topic declared in topics.yaml"))
                }
            }
        }
        if !issues.isEmpty { throw ConfigErrors(issues) }
        return derive(place: place!, topics: catalog!, adapters: adapters)
    }
}
