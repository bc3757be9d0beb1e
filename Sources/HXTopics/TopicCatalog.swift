import HXCanonical
import Foundation
import HXConfigFile
import HXKafka
import Yams

/// The topics the product needs, as `config/topics.yaml` declares them.
package struct TopicCatalog: Sendable, Equatable {
    package struct Topic: Sendable, Equatable {
        package var name: String
        package var partitions: Int
        /// nil: the broker's default replication factor.
        package var replicationFactor: Int?
        package var cleanup: Cleanup
        /// nil: kept for ever.
        package var retentionHours: Int?
        package var purpose: String?

        package enum Cleanup: String, Sendable { case delete, compact }

        package init(name: String, partitions: Int, replicationFactor: Int?, cleanup: Cleanup, retentionHours: Int?, purpose: String?) {
            self.name = name
            self.partitions = partitions
            self.replicationFactor = replicationFactor
            self.cleanup = cleanup
            self.retentionHours = retentionHours
            self.purpose = purpose
        }

        /// The topic-level settings Kafka takes at creation.
        package var kafkaConfigs: [String: String] {
            var configs = ["cleanup.policy": cleanup.rawValue]
            if cleanup == .delete {
                configs["retention.ms"] = retentionHours.map { String(Int64($0) * 3_600_000) } ?? "-1"
            }
            return configs
        }

        package var spec: KafkaTopicSpec {
            KafkaTopicSpec(name: name, partitions: Int32(partitions), replicationFactor: Int32(replicationFactor ?? -1), configs: kafkaConfigs)
        }
    }

    package var topics: [Topic]
    /// Settings for each `hx.deliver.<recipient>` topic.
    package var delivery: Topic

    package static let fileName = "topics.yaml"

    /// The delivery topic of a receiving organisation (docs/design.md: code in lower case).
    package static func deliveryTopic(forOrganisation code: String) -> String {
        HXTopic.delivery(code)
    }

    package func deliveryTopics(forOrganisations codes: [String]) -> [Topic] {
        codes.map { code in
            var topic = delivery
            topic.name = Self.deliveryTopic(forOrganisation: code)
            return topic
        }
    }

    /// Loads `DIR/topics.yaml`, reporting every problem with its line.
    package static func load(configDirectory: URL) throws(ConfigErrors) -> TopicCatalog {
        let url = configDirectory.appendingPathComponent(fileName)
        let reader = YAMLReader(file: url.relativePath)
        guard let root = reader.load(contentsOf: url) else { throw ConfigErrors(reader.issues) }
        let catalog = parse(root, reader: reader)
        if reader.hasErrors { throw ConfigErrors(reader.issues) }
        return catalog!
    }

    package static func parse(text: String, file: String) throws(ConfigErrors) -> TopicCatalog {
        let reader = YAMLReader(file: file)
        guard let root = reader.load(text: text) else { throw ConfigErrors(reader.issues) }
        let catalog = parse(root, reader: reader)
        if reader.hasErrors { throw ConfigErrors(reader.issues) }
        return catalog!
    }

    private static func parse(_ root: Node, reader: YAMLReader) -> TopicCatalog? {
        let top = reader.mapping(root, what: "topics file", allowed: ["topics", "deliveryTopics"])
        var topics: [Topic] = []
        var seen: [String: Node] = [:]
        if let list = reader.required(top, "topics", what: "topics file", at: root) {
            for node in reader.sequence(list, what: "topics") {
                guard let topic = parseTopic(node, reader: reader, named: true) else { continue }
                if seen[topic.name] != nil {
                    reader.error("topic '\(topic.name)' is declared twice", at: node)
                } else {
                    seen[topic.name] = node
                    topics.append(topic)
                }
            }
        }
        var delivery = Topic(name: "hx.deliver.*", partitions: 3, replicationFactor: nil, cleanup: .delete, retentionHours: 30 * 24, purpose: nil)
        if let node = top["deliveryTopics"], let parsed = parseTopic(node, reader: reader, named: false) {
            delivery = parsed
        }
        return reader.hasErrors ? nil : TopicCatalog(topics: topics, delivery: delivery)
    }

    private static func parseTopic(_ node: Node, reader: YAMLReader, named: Bool) -> Topic? {
        let what = named ? "topic" : "deliveryTopics"
        var allowed: Set<String> = ["partitions", "replicationFactor", "retention", "cleanup", "purpose"]
        if named { allowed.insert("name") }
        let entries = reader.mapping(node, what: what, allowed: allowed)
        var name = "hx.deliver.*"
        if named {
            guard let nameNode = reader.required(entries, "name", what: what, at: node),
                  let text = reader.string(nameNode, what: "topic name") else { return nil }
            if !isValidTopicName(text) {
                reader.error("topic name '\(text)' is not a valid Kafka topic name (letters, digits, '.', '_', '-'; at most 249)", at: nameNode)
            }
            name = text
        }
        let label = named ? "topic '\(name)'" : what
        let partitions = reader.required(entries, "partitions", what: label, at: node).flatMap {
            reader.int($0, what: "\(label) partitions", range: 1...10_000)
        }
        let replication = reader.int(entries["replicationFactor"], what: "\(label) replicationFactor", range: 1...16)
        var cleanup = Topic.Cleanup.delete
        if let cleanupNode = entries["cleanup"], let text = reader.string(cleanupNode, what: "\(label) cleanup") {
            if let value = Topic.Cleanup(rawValue: text) { cleanup = value } else {
                reader.error("\(label) cleanup must be 'delete' or 'compact', not '\(text)'", at: cleanupNode)
            }
        }
        var retentionHours: Int?
        if let retentionNode = entries["retention"] {
            if cleanup == .compact {
                reader.error("\(label): a compacted topic keeps the latest record per key; 'retention' does not apply", at: retentionNode)
            } else if let text = reader.string(retentionNode, what: "\(label) retention") {
                if text != "forever" {
                    retentionHours = parseRetention(text)
                    if retentionHours == nil {
                        reader.error("\(label) retention must be like 30d, 12h or 'forever', not '\(text)'", at: retentionNode)
                    }
                }
            }
        } else if cleanup == .delete {
            reader.error("\(label): 'retention' is required for a topic that is not compacted (use 'forever' to keep everything)", at: node)
        }
        let purpose = entries["purpose"].flatMap { reader.string($0, what: "\(label) purpose") }
        guard let partitions else { return nil }
        return Topic(name: name, partitions: partitions, replicationFactor: replication, cleanup: cleanup, retentionHours: retentionHours, purpose: purpose)
    }

    static func parseRetention(_ text: String) -> Int? {
        guard let unit = text.last, let number = Int(text.dropLast()), number > 0 else { return nil }
        switch unit {
        case "d": return number * 24
        case "h": return number
        default: return nil
        }
    }

    static func isValidTopicName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 249 && name != "." && name != ".."
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }
}
