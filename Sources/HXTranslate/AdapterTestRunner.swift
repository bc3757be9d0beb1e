import Foundation
import HXCanonical
import HXConfigFile
import Yams

/// One failed expectation (or unreadable test file), with where it is written.
package struct AdapterTestFailure: Sendable, Equatable, CustomStringConvertible {
    package var file: String
    package var line: Int?
    package var testCase: String
    package var message: String

    package var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(testCase.isEmpty ? "" : "[\(testCase)] ")\(message)"
    }
}

package struct AdapterTestReport: Sendable, Equatable {
    package var cases: Int = 0
    package var failures: [AdapterTestFailure] = []
    package var passed: Bool { failures.isEmpty && cases > 0 }
}

/// Runs an adapter's declarative test cases (`tests.yaml`):
///
/// ```yaml
/// cases:
///   - name: discharge home with a mental health diagnosis
///     input: samples/a03-discharge-home.hl7
///     count: 1                       # optional: how many outcomes the input gives
///     index: 0                       # optional: which outcome (default the first)
///     expect:                        # canonical fields by path
///       subject.nhsNumber: "9990100004"
///       payload.diagnoses[0].code: F32.1
///       sensitivity: [mental-health]
///       payload.narrative: null      # absent or null
///   - name: bad NHS number is rejected
///     input: samples/bad-nhs-number.hl7
///     error: {code: nhs-number-invalid, location: PID-3.1}
/// ```
///
/// Pure: inputs are handed in by `readInput`, so CI and `hx test` share it.
package enum AdapterTestRunner {
    package static func run(
        testsYAML text: String, file: String, configuration: AdapterConfiguration, readInput: (String) -> Data?
    ) -> AdapterTestReport {
        var report = AdapterTestReport()
        let reader = YAMLReader(file: file)
        func fail(_ node: Node?, _ name: String, _ message: String) {
            report.failures.append(AdapterTestFailure(file: file, line: node?.mark?.line, testCase: name, message: message))
        }
        guard let root = reader.load(text: text) else {
            report.failures = reader.issues.map { AdapterTestFailure(file: $0.file, line: $0.line, testCase: "", message: $0.message) }
            return report
        }
        let top = reader.mapping(root, what: "tests", allowed: ["cases"])
        let cases = top["cases"].map { reader.sequence($0, what: "cases") } ?? []
        if cases.isEmpty { fail(root, "", "no test cases ('cases:' is missing or empty)") }
        for caseNode in cases {
            let c = reader.mapping(caseNode, what: "test case", allowed: ["name", "input", "count", "index", "expect", "error"])
            let name = reader.string(c["name"], what: "name") ?? "case at line \(caseNode.mark?.line ?? 0)"
            report.cases += 1
            guard let inputNode = c["input"], let input = reader.string(inputNode, what: "input") else {
                fail(caseNode, name, "'input' (the sample file to translate) is required")
                continue
            }
            guard let data = readInput(input) else {
                fail(inputNode, name, "cannot read input file \(input)")
                continue
            }
            let outcomes = Translator.translate(configuration: configuration, input: data)
            if let countNode = c["count"], let count = reader.int(countNode, what: "count"), count != outcomes.count {
                fail(countNode, name, "expected \(count) outcome(s), the input gave \(outcomes.count)")
            }
            let index = reader.int(c["index"], what: "index") ?? 0
            guard index < outcomes.count else {
                fail(c["index"] ?? caseNode, name, "outcome \(index) does not exist (the input gave \(outcomes.count))")
                continue
            }
            let outcome = outcomes[index]
            if c["expect"] == nil && c["error"] == nil { fail(caseNode, name, "a case needs 'expect' or 'error'") }
            if let errorNode = c["error"] {
                let e = reader.mapping(errorNode, what: "error", allowed: ["code", "location"])
                guard let actual = outcome.error else {
                    fail(errorNode, name, "expected an error, but the input was translated")
                    continue
                }
                if let code = reader.string(e["code"], what: "error.code"), code != actual.code {
                    fail(e["code"], name, "error code: expected \(code), got \(actual.code) (\(actual.message) at \(actual.location))")
                }
                if let location = reader.string(e["location"], what: "error.location"), location != actual.location {
                    fail(e["location"], name, "error location: expected \(location), got \(actual.location)")
                }
            }
            if let expectNode = c["expect"] {
                if let e = outcome.error {
                    fail(expectNode, name, "expected a translation, got error \(e.code) at \(e.location): \(e.message)")
                    continue
                }
                guard case let .mapping(expectations) = expectNode else {
                    fail(expectNode, name, "'expect' must map field paths to values")
                    continue
                }
                let json = document(outcome)
                for (keyNode, valueNode) in expectations {
                    guard let path = keyNode.string else { continue }
                    let actual = path == "kind" ? (outcome.message != nil ? "message" : "identity") as Any : lookup(json, path)
                    if let problem = compare(expected: valueNode, actual: actual) {
                        fail(keyNode, name, "\(path): \(problem)")
                    }
                }
            }
        }
        report.failures += reader.issues.filter { $0.severity == .error }.map {
            AdapterTestFailure(file: $0.file, line: $0.line, testCase: "", message: $0.message)
        }
        return report
    }

    /// Loads `DIR/adapter.yaml` and runs `DIR/tests.yaml`, reading inputs relative to DIR.
    package static func run(directory: URL, sensitivityCodes: URL? = nil) -> AdapterTestReport {
        let testsFile = directory.appendingPathComponent("tests.yaml")
        let configuration: AdapterConfiguration
        switch AdapterConfiguration.load(directory: directory, sensitivityCodes: sensitivityCodes) {
        case .success(let c): configuration = c
        case .failure(let e):
            return AdapterTestReport(cases: 0, failures: e.issues.map { AdapterTestFailure(file: $0.file, line: $0.line, testCase: "", message: $0.message) })
        }
        guard let text = try? String(contentsOf: testsFile, encoding: .utf8) else {
            return AdapterTestReport(cases: 0, failures: [AdapterTestFailure(file: testsFile.path, line: nil, testCase: "", message: "cannot read tests.yaml")])
        }
        return run(testsYAML: text, file: testsFile.path, configuration: configuration) { path in
            try? Data(contentsOf: directory.appendingPathComponent(path))
        }
    }

    // MARK: Paths

    static func document(_ outcome: TranslationOutcome) -> Any {
        let data: Data
        switch outcome {
        case .message(let m): data = CanonicalJSON.encode(m)
        case .identity(let f): data = f.jsonData
        case .failure: return [String: Any]()
        }
        return (try? JSONSerialization.jsonObject(with: data)) ?? [String: Any]()
    }

    /// A marker for a path that leads nowhere (different from JSON null).
    struct Absent {}

    /// `payload.diagnoses[0].code` in a decoded JSON document.
    static func lookup(_ root: Any, _ path: String) -> Any {
        var current: Any = root
        for part in path.split(separator: ".") {
            var name = Substring(part)
            var indexes: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]"), let i = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                indexes.insert(i, at: 0)
                name = name[..<open]
            }
            if !name.isEmpty {
                guard let dict = current as? [String: Any], let next = dict[String(name)] else { return Absent() }
                current = next
            }
            for i in indexes {
                guard let array = current as? [Any], i >= 0, i < array.count else { return Absent() }
                current = array[i]
            }
        }
        return current
    }

    static func text(_ value: Any) -> String? {
        switch value {
        case let s as String: return s
        case let n as NSNumber:
            if String(describing: type(of: n)).contains("Boolean") { return n.boolValue ? "true" : "false" }
            return n.stringValue
        default: return nil
        }
    }

    static func describe(_ value: Any) -> String {
        if value is Absent { return "(absent)" }
        if value is NSNull { return "null" }
        if let t = text(value) { return t.debugDescription }
        if let a = value as? [Any] { return "[" + a.map(describe).joined(separator: ", ") + "]" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) { return String(decoding: data, as: UTF8.self) }
        return "\(value)"
    }

    /// nil when equal; else what differs.
    static func compare(expected: Node, actual: Any) -> String? {
        switch expected {
        case .scalar(let s):
            let isNull = s.style == .plain && (s.string == "null" || s.string == "~" || s.string.isEmpty)
            if isNull { return actual is Absent || actual is NSNull ? nil : "expected null, got \(describe(actual))" }
            return text(actual) == s.string ? nil : "expected \(s.string.debugDescription), got \(describe(actual))"
        case .sequence(let seq):
            guard let array = actual as? [Any] else { return "expected a list, got \(describe(actual))" }
            let want = Array(seq)
            guard want.count == array.count else { return "expected \(want.count) item(s), got \(describe(actual))" }
            for (w, a) in zip(want, array) where compare(expected: w, actual: a) != nil {
                return "expected \(want.map { $0.string ?? "?" }), got \(describe(actual))"
            }
            return nil
        case .mapping:
            return "expected values are scalars or lists; compare nested fields by path (a.b.c)"
        case .alias:
            return "YAML aliases are not supported here"
        }
    }
}
