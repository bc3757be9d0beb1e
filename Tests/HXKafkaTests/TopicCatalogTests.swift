import HXCanonical
import Foundation
import HXConfigFile
import HXTopics
import Testing

@Suite("The topic catalogue (config/topics.yaml)")
struct TopicCatalogTests {
    @Test("the repository's catalogue declares every topic of the design")
    func repositoryCatalogue() throws {
        let catalog = try TopicCatalog.load(configDirectory: repositoryRoot.appendingPathComponent("config"))
        let names = Set(catalog.topics.map(\.name))
        #expect(names == [
            "hx.canonical.discharge-summary.v1", "hx.canonical.social-care-notification.v1", "hx.canonical.referral.v1",
            "hx.audit.ig.v1", "hx.consent.v1", "hx.identity.v1", "hx.review.v1", "hx.review-resolution.v1", "hx.dlq.v1", "hx.delivery.v1",
            "hx.heartbeat.v1",
        ])
        let audit = try #require(catalog.topics.first { $0.name == "hx.audit.ig.v1" })
        #expect(audit.kafkaConfigs == ["cleanup.policy": "delete", "retention.ms": "-1"], "the audit log is never compacted or expired")
        for compacted in ["hx.consent.v1", "hx.identity.v1", "hx.heartbeat.v1"] {
            #expect(catalog.topics.first { $0.name == compacted }?.cleanup == .compact, "\(compacted)")
        }
        #expect(catalog.deliveryTopics(forOrganisations: ["RWW"]).map(\.name) == ["hx.deliver.rww"])
    }

    @Test("every problem is reported at once with its line")
    func errorsWithLines() throws {
        let text = """
        topics:
          - name: hx.ok.v1
            partitions: 3
            retention: 7d
          - name: "bad name!"
            partitions: 0
            retention: 7d
          - name: hx.ok.v1
            partitions: 3
            retention: 2w
          - name: hx.compacted.v1
            partitions: 1
            cleanup: compact
            retention: 1d
            colour: blue
        """
        let errors = try #require(throws: ConfigErrors.self) { try TopicCatalog.parse(text: text, file: "topics.yaml") }
        let found = errors.issues.map { "\($0.line ?? 0): \($0.message)" }
        #expect(errors.issues.allSatisfy { $0.file == "topics.yaml" && $0.severity == .error })
        #expect(found.contains { $0.hasPrefix("5: topic name 'bad name!'") })
        #expect(found.contains { $0.hasPrefix("6: topic 'bad name!' partitions must be between 1") })
        #expect(found.contains { $0.hasPrefix("10: topic 'hx.ok.v1' retention must be like 30d") })
        #expect(found.contains { $0.hasPrefix("14: topic 'hx.compacted.v1': a compacted topic") })
        #expect(found.contains { $0.hasPrefix("15: topic: unknown key 'colour'") })
        #expect(found.contains { $0.hasPrefix("8: topic 'hx.ok.v1' is declared twice") })
    }

    @Test("a YAML syntax error names its line")
    func syntaxError() throws {
        let errors = try #require(throws: ConfigErrors.self) {
            try TopicCatalog.parse(text: "topics:\n  - name: [unclosed\n", file: "topics.yaml")
        }
        #expect(errors.issues.count == 1)
        #expect(errors.issues[0].line != nil)
        #expect(errors.description.hasPrefix("topics.yaml:"))
    }
}
