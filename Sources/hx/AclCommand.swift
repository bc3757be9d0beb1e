import ArgumentParser
import Foundation
import HXAccess
import HXConfigFile

struct AclCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acl",
        abstract: "Kafka access control for the exchange's components and recipients.",
        subcommands: [Plan.self]
    )

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print least-privilege Kafka ACLs derived from the configuration, as kafka-acls.sh commands or Strimzi KafkaUser resources.",
            discussion: """
            Reads organisations.yaml, topics.yaml and the agreements under --config, and every adapters/*/adapter.yaml. \
            Principals: hx-adapter-<adapter> writes only its canonical topic, hx.dlq.v1 and hx.heartbeat.v1 (and \
            hx.identity.v1 for an HL7 v2 feed); hx-router reads the canonical, review-resolution, consent, identity and audit topics and is \
            the only writer of hx.deliver.*; hx-indexer reads the audit topic; hx-auditor and hx-console read it and \
            write auditors' access records (transactional ids hx-auditor-*), and hx-console also replays dead letters onto the canonical topics (transactional ids hx-operator-*) and writes identity reviewers' resolutions to hx.review-resolution.v1 (transactional ids hx-reviewer-*); hx-consent owns hx.consent.v1; hx-topics \
            creates topics; hx-recipient-<code> reads only hx.deliver.<code> in its own group. The output is the same \
            for the same configuration. A configuration error exits 78 naming file and line. See docs/operations.md.
            """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case kafkaACLs = "kafka-acls", strimzi
        }

        @OptionGroup var config: ConfigDirectoryOption

        @Option(help: "The adapters folder, one folder per adapter with its adapter.yaml (env HX_ADAPTERS).")
        var adapters: String = ProcessInfo.processInfo.environment["HX_ADAPTERS"] ?? "adapters"

        @Option(help: "kafka-acls (a shell script of kafka-acls.sh --add commands) or strimzi (KafkaUser YAML).")
        var format: Format = .kafkaACLs

        @Option(help: "strimzi: the Kafka cluster's name (the strimzi.io/cluster label).")
        var cluster: String = "hx"

        @Option(help: "strimzi: the namespace of the KafkaUser resources (omitted when not given).")
        var namespace: String?

        @Option(help: "strimzi: how users authenticate, scram-sha-512 or tls.")
        var authentication: String = AccessPlan.StrimziAuthentication.scramSHA512.rawValue

        func run() throws {
            guard let auth = AccessPlan.StrimziAuthentication(rawValue: authentication) else {
                throw ValidationError("--authentication must be scram-sha-512 or tls, not '\(authentication)'")
            }
            let plan: AccessPlan
            do {
                plan = try AccessPlan.load(configDirectory: config.url, adaptersDirectory: URL(fileURLWithPath: adapters, isDirectory: true))
            } catch {
                report(error.issues)
                throw ExitCode(78)
            }
            switch format {
            case .kafkaACLs: print(plan.kafkaACLsScript(), terminator: "")
            case .strimzi: print(plan.strimziKafkaUsers(cluster: cluster, namespace: namespace, authentication: auth), terminator: "")
            }
        }
    }
}
