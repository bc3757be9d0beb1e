import Foundation
import HXCanonical
import HXConfigFile
import HXPlace
import HXPolicy
import Yams

/// One expected decision of an agreement test case.
package struct ExpectedDecision: Sendable, Equatable {
    package var recipient: String
    package var outcome: Decision.Outcome
    /// Checked only when given.
    package var agreement: String?
    /// Exact, in order (the deciding reason first); empty when not written.
    package var reasons: [String]
    /// Exact, in order; empty when not written.
    package var removedFields: [String]
    package var line: Int?
}

/// An agreement test case (`hx test`): a message, what is known about the
/// person, a time, and the complete set of decisions expected.
package struct PolicyTestCase: Sendable, Equatable {
    package var name: String
    package var file: String
    package var line: Int?
    package var message: CanonicalMessage
    package var at: Instant
    package var consent: [ConsentDirective]
    package var identities: [IdentityFact]
    /// present | matched | unresolved | ambiguous; checked only when given.
    package var expectedIdentity: String?
    package var expected: [ExpectedDecision]
}

package struct PolicyTestCaseResult: Sendable, Equatable {
    package var name: String
    package var file: String
    package var line: Int?
    package var failures: [String]
    package var passed: Bool { failures.isEmpty }
    package var location: String { line.map { "\(file):\($0)" } ?? file }
}

package struct PolicyTestReport: Sendable, Equatable, CustomStringConvertible {
    package var results: [PolicyTestCaseResult]
    package var passedCount: Int { results.filter(\.passed).count }
    package var failedCount: Int { results.count - passedCount }
    package var allPassed: Bool { failedCount == 0 }

    /// The plain closing line CI logs read: "N passed, N failed".
    package var summary: String { "\(passedCount) passed, \(failedCount) failed" }

    /// One line per case, failures indented under `file:line:`, then the summary.
    package var description: String {
        var lines: [String] = []
        for r in results {
            if r.passed {
                lines.append("PASS \(r.name)")
            } else {
                lines.append("\(r.location): FAIL \(r.name)")
                lines += r.failures.map { "    \($0)" }
            }
        }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }
}

/// Loads `config/tests/*.yaml` and runs each case through the decision engine.
/// Loading reads files; running is pure.
package enum PolicyTestRunner {
    package static func run(directory: URL, configuration: PlaceConfiguration) throws(ConfigErrors) -> PolicyTestReport {
        run(try load(directory: directory), configuration: configuration)
    }

    package static func run(_ cases: [PolicyTestCase], configuration: PlaceConfiguration) -> PolicyTestReport {
        PolicyTestReport(results: cases.map { run($0, configuration: configuration) })
    }

    package static func run(_ c: PolicyTestCase, configuration: PlaceConfiguration) -> PolicyTestCaseResult {
        let result = PolicyEngine.route(
            c.message, configuration: configuration, consent: ConsentState(directives: c.consent),
            identities: IdentityIndex(facts: c.identities), at: c.at)
        var failures: [String] = []
        if let expected = c.expectedIdentity {
            let actual = switch result.identity {
            case .present: "present"
            case .matched: "matched"
            case .unresolved: "unresolved"
            case .ambiguous: "ambiguous"
            }
            if actual != expected { failures.append("identity: expected \(expected), got \(actual)") }
        }
        for e in c.expected {
            let at = e.line.map { "line \($0): " } ?? ""
            guard let d = result.decision(for: e.recipient) else {
                failures.append("\(at)\(e.recipient): expected \(e.outcome.rawValue), but it is not a candidate (no decision)")
                continue
            }
            let got = "\(d.outcome.rawValue) reasons [\(d.reasons.joined(separator: ", "))] removed [\(d.removedFields.joined(separator: ", "))]"
            if d.outcome != e.outcome { failures.append("\(at)\(e.recipient): expected outcome \(e.outcome.rawValue), got \(got)") }
            if d.reasons != e.reasons {
                failures.append("\(at)\(e.recipient): expected reasons [\(e.reasons.joined(separator: ", "))], got \(got)")
            }
            if d.removedFields != e.removedFields {
                failures.append("\(at)\(e.recipient): expected removedFields [\(e.removedFields.joined(separator: ", "))], got \(got)")
            }
            if let agreement = e.agreement, d.agreement?.id != agreement {
                failures.append("\(at)\(e.recipient): expected agreement \(agreement), got \(d.agreement?.description ?? "none")")
            }
        }
        // The expected list is complete: an unexpected recipient is a failure too,
        // since sharing nobody asked for is exactly what these tests guard against.
        for d in result.decisions where !c.expected.contains(where: { $0.recipient == d.recipient }) {
            failures.append("unexpected decision for \(d.recipient): \(d.outcome.rawValue) reasons [\(d.reasons.joined(separator: ", "))]")
        }
        return PolicyTestCaseResult(name: c.name, file: c.file, line: c.line, failures: failures)
    }

    // MARK: Loading

    /// Every `*.yaml` directly in `directory` (message files live in subfolders).
    package static func load(directory: URL) throws(ConfigErrors) -> [PolicyTestCase] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var cases: [PolicyTestCase] = []
        var issues: [ConfigIssue] = []
        for name in names {
            let url = directory.appendingPathComponent(name)
            let reader = YAMLReader(file: url.path)
            if let root = reader.load(contentsOf: url) {
                cases += parse(root, reader: reader, baseDirectory: directory)
            }
            issues += reader.issues
        }
        if issues.contains(where: { $0.severity == .error }) { throw ConfigErrors(issues) }
        return cases
    }

    /// Parses one test file's text; message paths are relative to `baseDirectory`.
    package static func parse(text: String, file: String, baseDirectory: URL) throws(ConfigErrors) -> [PolicyTestCase] {
        let reader = YAMLReader(file: file)
        guard let root = reader.load(text: text) else { throw ConfigErrors(reader.issues) }
        let cases = parse(root, reader: reader, baseDirectory: baseDirectory)
        if reader.hasErrors { throw ConfigErrors(reader.issues) }
        return cases
    }

    static let caseKeys: Set<String> = ["name", "message", "at", "consent", "identities", "identity", "expect"]
    static let decisionKeys: Set<String> = ["recipient", "outcome", "agreement", "reasons", "removedFields"]

    static func parse(_ root: Node, reader: YAMLReader, baseDirectory: URL) -> [PolicyTestCase] {
        let top = reader.mapping(root, what: "test file", allowed: ["cases"])
        guard let list = reader.required(top, "cases", what: "test file", at: root) else { return [] }
        var out: [PolicyTestCase] = []
        var names: Set<String> = []
        for node in reader.sequence(list, what: "cases") {
            let e = reader.mapping(node, what: "test case", allowed: caseKeys)
            let name = reader.string(reader.required(e, "name", what: "test case", at: node), what: "name")
            if let name {
                if names.contains(name) { reader.error("test case name '\(name)' is used twice in this file", at: e["name"]) }
                names.insert(name)
            }
            let message = readMessage(reader.required(e, "message", what: "test case", at: node), reader: reader, base: baseDirectory)
            var at: Instant?
            if let atNode = reader.required(e, "at", what: "test case", at: node), let text = reader.string(atNode, what: "at") {
                at = Instant(rfc3339: text)
                if at == nil { reader.error("at must be an RFC 3339 time with an offset, e.g. 2026-03-02T10:00:00Z", at: atNode) }
            }
            let consent = (e["consent"].map { reader.sequence($0, what: "consent") } ?? []).compactMap { readDirective($0, reader: reader) }
            let identities = (e["identities"].map { reader.sequence($0, what: "identities") } ?? []).compactMap { readIdentity($0, reader: reader) }
            var identity: String?
            if let n = e["identity"], let text = reader.string(n, what: "identity") {
                if ["present", "matched", "unresolved", "ambiguous"].contains(text) { identity = text } else {
                    reader.error("identity must be present, matched, unresolved or ambiguous, not '\(text)'", at: n)
                }
            }
            var expected: [ExpectedDecision] = []
            if let expectNode = reader.required(e, "expect", what: "test case", at: node) {
                for d in reader.sequence(expectNode, what: "expect") {
                    guard let x = readExpected(d, reader: reader) else { continue }
                    if expected.contains(where: { $0.recipient == x.recipient }) {
                        reader.error("recipient '\(x.recipient)' is expected twice", at: d)
                    } else {
                        expected.append(x)
                    }
                }
            }
            guard let name, let message, let at else { continue }
            out.append(PolicyTestCase(
                name: name, file: reader.file, line: node.mark?.line, message: message, at: at, consent: consent,
                identities: identities, expectedIdentity: identity, expected: expected))
        }
        return out
    }

    /// `message: FILE.json` (relative to the test directory) or an inline mapping in canonical form.
    static func readMessage(_ node: Node?, reader: YAMLReader, base: URL) -> CanonicalMessage? {
        guard let node else { return nil }
        let data: Data
        switch node {
        case .scalar(let s):
            let url = base.appendingPathComponent(s.string)
            guard let d = try? Data(contentsOf: url) else {
                reader.error("cannot read message file '\(s.string)' (paths are relative to \(base.path))", at: node)
                return nil
            }
            data = d
        case .mapping:
            do {
                data = try JSONSerialization.data(withJSONObject: jsonObject(node), options: [.sortedKeys])
            } catch {
                reader.error("inline message cannot be turned into JSON: \(error)", at: node)
                return nil
            }
        default:
            reader.error("message must be a file name or a canonical message written inline", at: node)
            return nil
        }
        do {
            return try CanonicalJSON.decode(data)
        } catch {
            reader.error("message is not a valid canonical message: \(error.description)", at: node)
            return nil
        }
    }

    /// YAML → JSON object, keeping YAML's own typing of plain scalars
    /// (quote a value such as an NHS number to keep it text).
    static func jsonObject(_ node: Node) -> Any {
        switch node {
        case .scalar(let s):
            guard s.style == .plain else { return s.string }
            if node.null != nil { return NSNull() }
            if let b = node.bool { return b }
            if let i = node.int { return i }
            return s.string
        case .mapping(let m):
            var out: [String: Any] = [:]
            for (k, v) in m { out[k.string ?? ""] = jsonObject(v) }
            return out
        case .sequence(let seq):
            return seq.map(jsonObject)
        case .alias:
            return NSNull()
        }
    }

    static func readDirective(_ node: Node, reader: YAMLReader) -> ConsentDirective? {
        let e = reader.mapping(node, what: "consent directive", allowed: ["nhsNumber", "directive", "scope", "recordedAt", "recordedBy"])
        let what = "consent directive"
        guard let numberText = reader.string(reader.required(e, "nhsNumber", what: what, at: node), what: "nhsNumber"),
              let kindText = reader.string(reader.required(e, "directive", what: what, at: node), what: "directive"),
              let recordedText = reader.string(reader.required(e, "recordedAt", what: what, at: node), what: "recordedAt")
        else { return nil }
        let number: NHSNumber
        do { number = try NHSNumber(numberText) } catch {
            reader.error(error.description, at: e["nhsNumber"])
            return nil
        }
        guard let kind = ConsentDirective.Kind(rawValue: kindText) else {
            reader.error("unknown directive '\(kindText)' (expected one of: \(ConsentDirective.Kind.allCases.map(\.rawValue).joined(separator: ", ")))", at: e["directive"])
            return nil
        }
        guard let recordedAt = RFC3339Timestamp(recordedText) else {
            reader.error("recordedAt must be an RFC 3339 time with an offset", at: e["recordedAt"])
            return nil
        }
        var scope: ConsentDirective.Scope?
        if let s = e["scope"] {
            if kind == .nationalDataOptOut {
                reader.error("a national-data-opt-out has no scope", at: s)
                return nil
            }
            if case .scalar(let text) = s {
                guard text.string == "all" else {
                    reader.error("scope must be all or a list of organisation codes", at: s)
                    return nil
                }
                scope = .all
            } else {
                scope = .organisations(reader.sequence(s, what: "scope").compactMap { reader.string($0, what: "scope entry") })
            }
        } else if kind != .nationalDataOptOut {
            reader.error("consent directive: 'scope' is required for \(kind.rawValue)", at: node)
            return nil
        }
        return ConsentDirective(nhsNumber: number, directive: kind, scope: scope, recordedAt: recordedAt,
                                recordedBy: reader.string(e["recordedBy"], what: "recordedBy"))
    }

    static let identityKeys: Set<String> = [
        "nhsNumber", "family", "given", "sex", "birthDate", "postcode", "address", "earlierFamilies", "earlierPostcodes",
    ]

    /// An `hx.identity.v1` fact as a case writes it: the NHS number and what is known.
    static func readIdentity(_ node: Node, reader: YAMLReader) -> IdentityFact? {
        let e = reader.mapping(node, what: "identity fact", allowed: identityKeys)
        let what = "identity fact"
        guard let numberText = reader.string(reader.required(e, "nhsNumber", what: what, at: node), what: "nhsNumber") else { return nil }
        guard let number = try? NHSNumber(numberText) else {
            reader.error("nhsNumber '\(numberText)' is not a valid NHS number", at: e["nhsNumber"])
            return nil
        }
        var birth: CalendarDate?
        if let birthText = reader.string(e["birthDate"], what: "birthDate") {
            birth = CalendarDate(birthText)
            if birth == nil {
                reader.error("birthDate must be YYYY-MM-DD", at: e["birthDate"])
                return nil
            }
        }
        var sex: Gender?
        if let sexText = reader.string(e["sex"], what: "sex") {
            sex = Gender(rawValue: sexText)
            if sex == nil {
                reader.error("sex must be one of: \(Gender.allCases.map(\.rawValue).joined(separator: ", "))", at: e["sex"])
                return nil
            }
        }
        func list(_ key: String) -> [String]? {
            e[key].map { reader.sequence($0, what: key).compactMap { reader.string($0, what: "\(key) entry") } }
        }
        return IdentityFact(
            nhsNumber: number, family: reader.string(e["family"], what: "family"), given: list("given"), sex: sex, birthDate: birth,
            postcode: reader.string(e["postcode"], what: "postcode"), address: list("address"), earlierFamilies: list("earlierFamilies"),
            earlierPostcodes: list("earlierPostcodes"),
            source: Source(organisation: "hx-test", system: "hx-test", adapter: "hx-test", messageId: "case"),
            recordedAt: RFC3339Timestamp("2026-01-01T00:00:00Z")!)
    }

    static func readExpected(_ node: Node, reader: YAMLReader) -> ExpectedDecision? {
        let e = reader.mapping(node, what: "expected decision", allowed: decisionKeys)
        let what = "expected decision"
        guard let recipient = reader.string(reader.required(e, "recipient", what: what, at: node), what: "recipient"),
              let outcomeNode = reader.required(e, "outcome", what: what, at: node),
              let outcomeText = reader.string(outcomeNode, what: "outcome")
        else { return nil }
        guard let outcome = Decision.Outcome(rawValue: outcomeText) else {
            reader.error("unknown outcome '\(outcomeText)' (expected one of: \(Decision.Outcome.allCases.map(\.rawValue).joined(separator: ", ")))", at: outcomeNode)
            return nil
        }
        func list(_ key: String) -> [String] {
            guard let n = e[key] else { return [] }
            return reader.sequence(n, what: key).compactMap { reader.string($0, what: "\(key) entry") }
        }
        return ExpectedDecision(
            recipient: recipient, outcome: outcome, agreement: reader.string(e["agreement"], what: "agreement"),
            reasons: list("reasons"), removedFields: list("removedFields"), line: node.mark?.line)
    }
}
