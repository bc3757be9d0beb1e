/// The plan as an operator applies it: a kafka-acls.sh script, or Strimzi KafkaUser resources.
/// Both are in the plan's order (principal, then resource, then operation), so a re-run diffs clean.
extension AccessPlan {
    /// One `kafka-acls.sh --add` per ACL. The bootstrap server and the admin client's
    /// properties come from the environment, so the script holds no secret.
    package func kafkaACLsScript() -> String {
        var lines = [
            "#!/bin/sh",
            "# Least-privilege ACLs for One Halton Exchange, derived by `hx acl plan --format kafka-acls`",
            "# from config/ and adapters/. Safe to re-run: adding an existing ACL changes nothing.",
            "# Needs KAFKA_BOOTSTRAP (host:port) and KAFKA_ADMIN_CONFIG (an admin client's properties file).",
            "set -eu",
            ": \"${KAFKA_BOOTSTRAP:?set KAFKA_BOOTSTRAP to a broker host:port}\"",
            ": \"${KAFKA_ADMIN_CONFIG:?set KAFKA_ADMIN_CONFIG to the admin client properties file}\"",
            "KAFKA_ACLS=\"${KAFKA_ACLS:-kafka-acls.sh}\"",
        ]
        for principal in principals {
            lines.append("# \(principal.name): \(principal.purpose)")
            for acl in principal.acls {
                var line = "\"$KAFKA_ACLS\" --bootstrap-server \"$KAFKA_BOOTSTRAP\" --command-config \"$KAFKA_ADMIN_CONFIG\""
                line += " --add --allow-principal User:\(acl.principal) --operation \(acl.operation.rawValue)"
                switch acl.resourceType {
                case .topic: line += " --topic \(acl.resourceName)"
                case .group: line += " --group \(acl.resourceName)"
                case .transactionalID: line += " --transactional-id \(acl.resourceName)"
                case .cluster: line += " --cluster"
                }
                if acl.patternType == .prefixed { line += " --resource-pattern-type prefixed" }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    package enum StrimziAuthentication: String, Sendable, CaseIterable {
        case scramSHA512 = "scram-sha-512", tls
    }

    /// One `KafkaUser` (kafka.strimzi.io/v1beta2) per principal, `simple` authorization,
    /// labelled for the Kafka cluster `cluster` in `namespace`.
    package func strimziKafkaUsers(cluster: String, namespace: String?, authentication: StrimziAuthentication) -> String {
        var documents: [String] = []
        for principal in principals {
            var lines = [
                "# \(principal.name): \(principal.purpose)",
                "apiVersion: kafka.strimzi.io/v1beta2",
                "kind: KafkaUser",
                "metadata:",
                "  name: \(principal.name)",
            ]
            if let namespace { lines.append("  namespace: \(namespace)") }
            lines += [
                "  labels:",
                "    strimzi.io/cluster: \(cluster)",
                "    app.kubernetes.io/part-of: one-halton-exchange",
                "    hx.halton/role: \(principal.role.rawValue)",
                "spec:",
                "  authentication:",
                "    type: \(authentication.rawValue)",
                "  authorization:",
                "    type: simple",
                "    acls:",
            ]
            // Strimzi takes several operations per resource: group them, keeping the plan's order.
            var groups: [(KafkaACL, [KafkaACL.Operation])] = []
            for acl in principal.acls {
                if let i = groups.firstIndex(where: { $0.0.resourceType == acl.resourceType && $0.0.resourceName == acl.resourceName && $0.0.patternType == acl.patternType }) {
                    groups[i].1.append(acl.operation)
                } else {
                    groups.append((acl, [acl.operation]))
                }
            }
            for (acl, operations) in groups {
                lines.append("      - resource:")
                lines.append("          type: \(acl.resourceType.strimziName)")
                if acl.resourceType != .cluster {
                    lines.append("          name: \(acl.resourceName)")
                    // Strimzi spells the prefixed pattern `prefix`.
                    lines.append("          patternType: \(acl.patternType == .prefixed ? "prefix" : "literal")")
                }
                lines.append("        operations: [\(operations.map(\.rawValue).joined(separator: ", "))]")
                lines.append("        host: \"*\"")
            }
            documents.append(lines.joined(separator: "\n"))
        }
        return documents.map { "---\n" + $0 + "\n" }.joined()
    }
}
