import HXConfigFile
import HXIdentityMatch
import Yams

/// Reads `config/identity.yaml` (docs/design.md "Identity matching and
/// review"): the link threshold, the margin over the runner-up and the
/// review threshold, each a score in MatchWeights' units, with file, line
/// and problem for every bad value. The design fixes no default: a place
/// without the file keeps the exact look-up of "Consent and identity".
package enum IdentityRuleLoader {
    package static let fileName = "identity.yaml"
    static let keys: Set<String> = ["threshold", "margin", "reviewThreshold"]

    package static func parse(file: String, text: String) -> (rule: LinkRule?, issues: [ConfigIssue]) {
        let reader = YAMLReader(file: file)
        guard let root = reader.load(text: text) else { return (nil, reader.issues) }
        let e = reader.mapping(root, what: "identity matching", allowed: keys)
        let highest = MatchWeights.maximum
        let threshold = number(reader.required(e, "threshold", what: "identity matching", at: root), "threshold", reader)
        let margin = number(reader.required(e, "margin", what: "identity matching", at: root), "margin", reader)
        let review = number(reader.required(e, "reviewThreshold", what: "identity matching", at: root), "reviewThreshold", reader)
        if let t = threshold {
            if t > highest {
                reader.error("threshold \(MatchScore.text(t)) is above the highest score a candidate can reach (\(MatchScore.text(highest))): nobody would ever be linked", at: e["threshold"])
            } else if t <= MatchWeights.strongestField {
                reader.error("threshold \(MatchScore.text(t)) can be reached by one field alone (a birth date scores \(MatchScore.text(MatchWeights.strongestField))): set it above that", at: e["threshold"])
            }
        }
        if let m = margin {
            if m <= 0 {
                reader.error("margin must be more than 0, not \(MatchScore.text(m)): with none, one of two people scoring the same could be linked", at: e["margin"])
            } else if m > highest {
                reader.error("margin \(MatchScore.text(m)) is above the highest score a candidate can reach (\(MatchScore.text(highest)))", at: e["margin"])
            }
        }
        if let r = review {
            if r < 0 {
                reader.error("reviewThreshold must be 0 or more, not \(MatchScore.text(r)): below 0 the evidence is against the candidate", at: e["reviewThreshold"])
            } else if let t = threshold, r >= t {
                reader.error("reviewThreshold \(MatchScore.text(r)) must be below threshold \(MatchScore.text(t))", at: e["reviewThreshold"])
            }
        }
        guard !reader.hasErrors, let threshold, let margin, let review else { return (nil, reader.issues) }
        return (LinkRule(threshold: threshold, margin: margin, reviewThreshold: review), reader.issues)
    }

    /// A plain decimal number ("30", "30.5"): YAML's other spellings (".inf", "0x1e") are refused.
    static func number(_ node: Node?, _ what: String, _ reader: YAMLReader) -> Double? {
        guard let node else { return nil }
        guard case let .scalar(scalar) = node, let value = Double(scalar.string), value.isFinite,
              scalar.string.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" })
        else {
            reader.error("\(what) must be a number, e.g. 30 or 30.5", at: node)
            return nil
        }
        return value
    }
}
