import HXAudit

/// A search of the index. Every filter set must match (AND); nil filters match
/// everything. Results are newest first (time, then topic place, descending).
package struct AuditQuery: Sendable, Equatable {
    /// Ten digits.
    package var nhsNumber: String?
    /// An ODS code (or other organisation code): matches the source organisation OR the recipient.
    package var organisation: String?
    package var agreementId: String?
    package var outcome: AuditOutcome?
    /// One reason code: matches records whose reasons include it.
    package var reason: String?
    package var kind: AuditRecordKind?
    /// RFC 3339 (any offset, or a date `YYYY-MM-DD` for its UTC midnight): records at or after.
    package var from: String?
    /// RFC 3339 or a date, as `from`: records strictly before.
    package var to: String?
    /// At most this many records (at least 1).
    package var limit: Int

    package static let defaultLimit = 1000

    package init(
        nhsNumber: String? = nil, organisation: String? = nil, agreementId: String? = nil, outcome: AuditOutcome? = nil,
        reason: String? = nil, kind: AuditRecordKind? = nil, from: String? = nil, to: String? = nil, limit: Int = defaultLimit
    ) {
        self.nhsNumber = nhsNumber
        self.organisation = organisation
        self.agreementId = agreementId
        self.outcome = outcome
        self.reason = reason
        self.kind = kind
        self.from = from
        self.to = to
        self.limit = limit
    }
}

/// A query with its times in the stored form, checked once for both backends.
struct NormalisedQuery: Sendable {
    var nhsNumber: String?
    var organisation: String?
    var agreementId: String?
    var outcome: String?
    var reason: String?
    var kind: String?
    var from: String?
    var to: String?
    var limit: Int

    init(_ q: AuditQuery) throws(AuditIndexError) {
        guard q.limit >= 1 else { throw .invalidArgument("limit \(q.limit) is below 1") }
        nhsNumber = q.nhsNumber
        organisation = q.organisation
        agreementId = q.agreementId
        outcome = q.outcome?.rawValue
        reason = q.reason
        kind = q.kind?.rawValue
        from = try q.from.map { (t) throws(AuditIndexError) in try IndexTime.stored(t, name: "from") }
        to = try q.to.map { (t) throws(AuditIndexError) in try IndexTime.stored(t, name: "to") }
        limit = q.limit
    }
}
