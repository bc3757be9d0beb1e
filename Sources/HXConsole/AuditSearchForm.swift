import HXAudit
import HXAuditIndex
import HXCanonical

/// The audit page's search form → an `AuditQuery`, checked as `hx audit search` checks its options.
struct AuditSearchForm: Decodable {
    var nhsNumber, organisation, agreement, outcome, reason, kind, from, to: String?
    /// `page` or `csv`: which button was pressed.
    var format: String?

    /// The console shows at most this many records; the CSV export gives the same.
    static let limit = 500

    func query() throws -> AuditQuery {
        func value(_ field: String?) -> String? {
            let v = (field ?? "").trimmingCharacters(in: .whitespaces)
            return v.isEmpty ? nil : v
        }
        var nhsNumber: String?
        if let text = value(self.nhsNumber) {
            guard let n = try? NHSNumber(text) else { throw ConsoleInputError(message: "The NHS number must be ten digits with a valid check digit.") }
            nhsNumber = n.digits
        }
        let outcome = try value(self.outcome).map { text in
            guard let o = AuditOutcome(rawValue: text) else { throw ConsoleInputError(message: "Unknown outcome \(text).") }
            return o
        }
        let kind = try value(self.kind).map { text in
            guard let k = AuditRecordKind(rawValue: text) else { throw ConsoleInputError(message: "Unknown kind \(text).") }
            return k
        }
        let query = AuditQuery(
            nhsNumber: nhsNumber, organisation: value(organisation), agreementId: value(agreement), outcome: outcome,
            reason: value(reason), kind: kind, from: value(from), to: value(to), limit: Self.limit)
        guard nhsNumber != nil || query.organisation != nil || query.agreementId != nil || outcome != nil || query.reason != nil
            || kind != nil || query.from != nil || query.to != nil else {
            throw ConsoleInputError(message: "Give at least one filter: an NHS number, an organisation, a date range, ...")
        }
        return query
    }

    /// What was asked, for the access record (the NHS number has its own field there).
    static func describe(_ q: AuditQuery) -> String {
        ([("organisation", q.organisation), ("agreement", q.agreementId), ("outcome", q.outcome?.rawValue), ("reason", q.reason),
          ("kind", q.kind?.rawValue), ("from", q.from), ("to", q.to)]
            .compactMap { name, value in value.map { "\(name)=\($0)" } } + ["limit=\(q.limit)", "via=console"]).joined(separator: " ")
    }

    static func csv(_ found: [IndexedAuditRecord]) -> String { AuditSearchExport.csv(found.map(\.record)) + "\n" }
}
