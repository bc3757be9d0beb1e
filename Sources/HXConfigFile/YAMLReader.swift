import Foundation
import Yams

/// Reads a YAML configuration file and walks it with positions, collecting
/// every problem (unknown keys, wrong types, missing fields) with its line.
package final class YAMLReader {
    package let file: String
    package private(set) var issues: [ConfigIssue] = []

    package init(file: String) {
        self.file = file
    }

    /// Parses the file; a syntax error becomes an issue with its line and nil is returned.
    package func load(contentsOf url: URL) -> Node? {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            issues.append(ConfigIssue(file: file, line: nil, column: nil, message: "cannot read the file: \(error.localizedDescription)"))
            return nil
        }
        return load(text: text)
    }

    package func load(text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                issues.append(ConfigIssue(file: file, line: 1, column: nil, message: "the file is empty"))
                return nil
            }
            return node
        } catch let error as YamlError {
            issues.append(syntaxIssue(error, in: text))
            return nil
        } catch {
            issues.append(ConfigIssue(file: file, line: nil, column: nil, message: "not valid YAML: \(error)"))
            return nil
        }
    }

    private func syntaxIssue(_ error: YamlError, in source: String) -> ConfigIssue {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            // At the end of a file without a final line break libyaml reports the line after
            // the last (found by fuzzing): point at the end of the last line instead.
            let end = Self.endMark(of: source)
            let (line, column) = mark.line > end.line ? (end.line, end.column) : (mark.line, mark.column)
            return ConfigIssue(file: file, line: line, column: column, message: "not valid YAML: \(text)")
        default:
            return ConfigIssue(file: file, line: nil, column: nil, message: "not valid YAML: \(error)")
        }
    }

    /// Line and column (1-based) just after the last character, counting line breaks
    /// as libyaml does: LF, CR, CR LF, NEL, LS and PS.
    static func endMark(of text: String) -> (line: Int, column: Int) {
        var line = 1, column = 1, afterCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where afterCR: break
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}": line += 1; column = 1
            default: column += 1
            }
            afterCR = scalar == "\r"
        }
        return (line, column)
    }

    // MARK: Reporting

    package func error(_ message: String, at node: Node?) {
        issues.append(ConfigIssue(file: file, line: node?.mark?.line, column: node?.mark?.column, message: message))
    }

    package func warning(_ message: String, at node: Node?) {
        issues.append(ConfigIssue(file: file, line: node?.mark?.line, column: node?.mark?.column, severity: .warning, message: message))
    }

    package var hasErrors: Bool { issues.contains { $0.severity == .error } }

    // MARK: Walking

    /// The entries of a mapping, in file order; reports keys outside `allowed`
    /// (a typo must not silently fall back to a default).
    package func mapping(_ node: Node, what: String, allowed: Set<String>) -> [String: Node] {
        guard case let .mapping(mapping) = node else {
            error("\(what) must be a mapping of keys to values", at: node)
            return [:]
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                error("\(what): keys must be text", at: keyNode)
                continue
            }
            if !allowed.contains(key) {
                error("\(what): unknown key '\(key)' (expected one of: \(allowed.sorted().joined(separator: ", ")))", at: keyNode)
            } else if result[key] != nil {
                error("\(what): '\(key)' is given twice", at: keyNode)
            } else {
                result[key] = value
            }
        }
        return result
    }

    package func sequence(_ node: Node, what: String) -> [Node] {
        guard case let .sequence(sequence) = node else {
            error("\(what) must be a list", at: node)
            return []
        }
        return Array(sequence)
    }

    package func string(_ node: Node?, what: String) -> String? {
        guard let node else { return nil }
        guard case let .scalar(scalar) = node, !scalar.string.isEmpty else {
            error("\(what) must be text", at: node)
            return nil
        }
        return scalar.string
    }

    package func int(_ node: Node?, what: String, range: ClosedRange<Int>? = nil) -> Int? {
        guard let node else { return nil }
        guard let value = node.int else {
            error("\(what) must be a whole number", at: node)
            return nil
        }
        if let range, !range.contains(value) {
            error("\(what) must be between \(range.lowerBound) and \(range.upperBound), not \(value)", at: node)
            return nil
        }
        return value
    }

    package func required(_ entries: [String: Node], _ key: String, what: String, at node: Node) -> Node? {
        if let value = entries[key] { return value }
        error("\(what): '\(key)' is required", at: node)
        return nil
    }
}
