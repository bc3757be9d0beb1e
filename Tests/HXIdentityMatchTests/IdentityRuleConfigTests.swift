import Foundation
import HXConfigFile
import HXIdentityMatch
import HXPlace
import Testing

@Suite struct IdentityRuleConfigTests {
    static func parse(_ text: String) -> (rule: LinkRule?, issues: [ConfigIssue]) {
        IdentityRuleLoader.parse(file: "config/identity.yaml", text: text)
    }

    @Test func readsTheThreeNumbers() {
        let r = Self.parse("threshold: 32\nmargin: 6.5\nreviewThreshold: 16\n")
        #expect(r.issues.isEmpty)
        #expect(r.rule == LinkRule(threshold: 32, margin: 6.5, reviewThreshold: 16))
    }

    @Test(arguments: [
        ("threshold: 45\nmargin: 6\nreviewThreshold: 16\n", 1, "above the highest score"),
        ("threshold: 14\nmargin: 6\nreviewThreshold: 10\n", 1, "one field alone"),
        ("threshold: high\nmargin: 6\nreviewThreshold: 16\n", 1, "must be a number"),
        ("threshold: .inf\nmargin: 6\nreviewThreshold: 16\n", 1, "must be a number"),
        ("threshold: 32\nmargin: 0\nreviewThreshold: 16\n", 2, "margin must be more than 0"),
        ("threshold: 32\nmargin: -2\nreviewThreshold: 16\n", 2, "margin must be more than 0"),
        ("threshold: 32\nmargin: 6\nreviewThreshold: 32\n", 3, "must be below threshold"),
        ("threshold: 32\nmargin: 6\nreviewThreshold: -1\n", 3, "0 or more"),
        ("threshold: 32\nmargin: 6\nreviewThreshold: 16\nlink: yes\n", 4, "unknown key 'link'"),
    ])
    func badValuesNameLineAndProblem(text: String, line: Int, problem: String) {
        let r = Self.parse(text)
        #expect(r.rule == nil)
        let issue = r.issues.first { $0.severity == .error }
        #expect(issue?.file == "config/identity.yaml")
        #expect(issue?.line == line)
        #expect(issue?.message.contains(problem) == true, "\(String(describing: issue))")
    }

    @Test func missingNumbersAreEachNamed() {
        let r = Self.parse("threshold: 32\n")
        #expect(r.rule == nil)
        #expect(r.issues.map(\.message).filter { $0.contains("'margin' is required") || $0.contains("'reviewThreshold' is required") }.count == 2)
    }

    /// `hx config check` loads it with the rest: the Halton file is valid, in the digest, and a
    /// bad one fails the whole configuration with its file and line.
    @Test func theConfigurationLoadsItAndItMovesTheDigest() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = root.appendingPathComponent("config")
        let place = try PlaceConfiguration.load(directory: config)
        #expect(place.identityRule == LinkRule(threshold: 32, margin: 6, reviewThreshold: 16))
        let without = PlaceConfiguration(organisations: place.organisations, groups: place.groups, agreements: place.agreements)
        #expect(without.configurationDigest != place.configurationDigest)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hx-identity-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: config, to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "threshold: 32\nmargin: 0\nreviewThreshold: 16\n".write(to: dir.appendingPathComponent("identity.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try PlaceConfiguration.load(directory: dir)
        } throws: { error in
            let issues = (error as? ConfigErrors)?.issues ?? []
            return issues.contains { $0.file.hasSuffix("identity.yaml") && $0.line == 2 && $0.message.contains("margin") }
        }
        // Without the file: the exact look-up, and the digest the configuration had before identity.yaml.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("identity.yaml"))
        let exact = try PlaceConfiguration.load(directory: dir)
        #expect(exact.identityRule == nil)
        #expect(exact.configurationDigest == without.configurationDigest)
    }
}
