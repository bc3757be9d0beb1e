import Foundation
import HXCanonical
import HXConfigFile
import Yams

/// The code list that labels sensitive information (`config/sensitivity-codes.yaml`).
/// Kept as configuration, not code, so an IG lead can review and extend it.
package struct SensitivityCodes: Sendable, Equatable {
    /// One ICD-10 or OPCS-4 pattern: a category range (`F10-F19`) or a code
    /// prefix (`F64`, `Z20.2`), compared without dots and case.
    struct Pattern: Sendable, Equatable {
        var low: String
        var high: String?

        init?(_ text: String) {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Self.normalise(String($0)) }
            guard parts.count == 1 || parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
            low = parts[0]
            high = parts.count == 2 ? parts[1] : nil
            if let high, high.count != low.count || high < low { return nil }
        }

        static func normalise(_ code: String) -> String {
            String(code.uppercased().filter { $0.isLetter || $0.isNumber })
        }

        func matches(_ normalised: String) -> Bool {
            if let high {
                // Ranges are over categories of the same length (F10-F19).
                guard normalised.count >= low.count else { return false }
                let head = String(normalised.prefix(low.count))
                return head >= low && head <= high
            }
            return normalised.hasPrefix(low)
        }
    }

    var icd10: [(SensitivityLabel, Pattern)] = []
    var opcs4: [(SensitivityLabel, Pattern)] = []
    var snomed: [String: [SensitivityLabel]] = [:]
    /// Organisation (ODS code) → labels every message from it carries.
    package var sources: [String: [SensitivityLabel]] = [:]
    /// Social care events that are sensitive in themselves (safeguarding).
    package var events: [SocialCareEvent: [SensitivityLabel]] = [:]

    package init() {}

    package static func == (a: SensitivityCodes, b: SensitivityCodes) -> Bool {
        a.icd10.map { "\($0.0)\($0.1)" } == b.icd10.map { "\($0.0)\($0.1)" }
            && a.opcs4.map { "\($0.0)\($0.1)" } == b.opcs4.map { "\($0.0)\($0.1)" }
            && a.snomed == b.snomed && a.sources == b.sources && a.events == b.events
    }

    /// Labels of one coded item; `system` is a canonical name (see CodeSystem).
    package func labels(code: String?, system: String?) -> [SensitivityLabel] {
        guard let code, !code.isEmpty else { return [] }
        var found = Set<SensitivityLabel>()
        switch CodeSystem.canonical(system) {
        case CodeSystem.icd10?:
            let n = Pattern.normalise(code)
            for (label, p) in icd10 where p.matches(n) { found.insert(label) }
        case CodeSystem.opcs4?:
            let n = Pattern.normalise(code)
            for (label, p) in opcs4 where p.matches(n) { found.insert(label) }
        case CodeSystem.snomed?:
            found.formUnion(snomed[code.trimmingCharacters(in: .whitespaces)] ?? [])
        default:
            break
        }
        return SensitivityLabel.allCases.filter(found.contains)
    }

    func labelled(_ entry: CodedEntry) -> CodedEntry {
        var copy = entry
        let l = labels(code: entry.code, system: entry.system)
        copy.sensitivity = l.isEmpty ? nil : l
        return copy
    }

    // MARK: Loading

    /// Reads the YAML code list; every problem is reported with its line.
    package static func load(text: String, file: String) -> Result<SensitivityCodes, ConfigErrors> {
        let reader = YAMLReader(file: file)
        guard let root = reader.load(text: text) else { return .failure(ConfigErrors(reader.issues)) }
        var codes = SensitivityCodes()
        let top = reader.mapping(root, what: "sensitivity codes", allowed: ["icd10", "opcs4", "snomed", "sources", "events"])
        func labelLists(_ node: Node?, what: String, _ each: (SensitivityLabel, String, Node) -> Void) {
            guard let node else { return }
            let labels = reader.mapping(node, what: what, allowed: Set(SensitivityLabel.allCases.map(\.rawValue)))
            for (name, list) in labels.sorted(by: { $0.key < $1.key }) {
                let label = SensitivityLabel(rawValue: name)!  // keys were checked against the labels
                for item in reader.sequence(list, what: "\(what).\(name)") {
                    if let text = reader.string(item, what: "\(what).\(name) entry") { each(label, text, item) }
                }
            }
        }
        labelLists(top["icd10"], what: "icd10") { label, text, node in
            if let p = Pattern(text) { codes.icd10.append((label, p)) } else {
                reader.error("icd10: '\(text)' is not a code or a range like F10-F19", at: node)
            }
        }
        labelLists(top["opcs4"], what: "opcs4") { label, text, node in
            if let p = Pattern(text) { codes.opcs4.append((label, p)) } else {
                reader.error("opcs4: '\(text)' is not a code or a range like Q10-Q14", at: node)
            }
        }
        labelLists(top["snomed"], what: "snomed") { label, text, node in
            guard text.allSatisfy(\.isNumber), (6...18).contains(text.count) else {
                reader.error("snomed: '\(text)' is not a SNOMED CT concept id", at: node)
                return
            }
            codes.snomed[text, default: []].append(label)
        }
        func labelList(_ node: Node, what: String) -> [SensitivityLabel] {
            reader.sequence(node, what: what).compactMap { item in
                guard let text = reader.string(item, what: what) else { return nil }
                guard let label = SensitivityLabel(rawValue: text) else {
                    reader.error("\(what): unknown label '\(text)' (expected one of: \(SensitivityLabel.allCases.map(\.rawValue).joined(separator: ", ")))", at: item)
                    return nil
                }
                return label
            }
        }
        if let sources = top["sources"], case let .mapping(m) = sources {
            for (key, value) in m {
                guard let org = key.string, !org.isEmpty else { reader.error("sources: keys must be organisation codes", at: key); continue }
                codes.sources[org] = labelList(value, what: "sources.\(org)")
            }
        } else if let sources = top["sources"] {
            reader.error("sources must be a mapping of organisation code to labels", at: sources)
        }
        if let events = top["events"] {
            let m = reader.mapping(events, what: "events", allowed: Set(SocialCareEvent.allCases.map(\.rawValue)))
            for (name, value) in m {
                codes.events[SocialCareEvent(rawValue: name)!] = labelList(value, what: "events.\(name)")
            }
        }
        return reader.hasErrors ? .failure(ConfigErrors(reader.issues)) : .success(codes)
    }

    package static func load(contentsOf url: URL) -> Result<SensitivityCodes, ConfigErrors> {
        do {
            let text = try String(contentsOf: url, encoding: .utf8)
            return load(text: text, file: url.path)
        } catch {
            return .failure(ConfigErrors([ConfigIssue(file: url.path, line: nil, column: nil, message: "cannot read the sensitivity code list: \(error.localizedDescription)")]))
        }
    }
}

extension SensitivityCodes.Pattern: CustomStringConvertible {
    var description: String { high.map { "\(low)-\($0)" } ?? low }
}
