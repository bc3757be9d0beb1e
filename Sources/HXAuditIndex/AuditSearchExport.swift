import HXAudit

/// A search's records as the columns an auditor reads them by: `hx audit
/// search --format csv` and the console's CSV export write the same file.
package enum AuditSearchExport {
    package static let header = ["time", "kind", "outcome", "nhsNumber", "source", "recipient", "agreement", "reasons", "removedFields", "decisionId"]

    package static func row(_ r: AuditRecord) -> [String] {
        [r.time, r.kind.rawValue, r.outcome?.rawValue ?? "", r.nhsNumber ?? "", r.source?.organisation ?? "", r.recipient ?? "",
         r.agreementId.map { id in r.agreementVersion.map { "\(id) v\($0)" } ?? id } ?? "",
         r.reasons.joined(separator: " "), r.removedFields.joined(separator: " "), r.decisionId]
    }

    /// RFC 4180: fields with a comma, quote or line break are quoted.
    package static func csv(_ records: [AuditRecord]) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([header] + records.map(row)).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n")
    }
}
