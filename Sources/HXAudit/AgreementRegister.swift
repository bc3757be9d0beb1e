import HXCanonical
import HXPlace

/// The agreement register an IG lead keeps (docs/design.md "IG change
/// control"): every data sharing agreement with its status, purpose, parties,
/// dates and version, what it decided recently, and what needs attention.
/// Pure: the configuration, today's date and the audit index's counts go in.
package struct AgreementRegister: Sendable, Equatable {
    package struct Entry: Sendable, Equatable {
        package var id: String
        package var title: String
        package var version: Int
        package var status: AgreementStatus
        package var purpose: String
        package var sources: [String]
        package var recipients: [String]
        package var validFrom: CalendarDate
        package var validTo: CalendarDate
        /// Decisions in the last 30 days by outcome; nil without an audit index.
        package var recent: [AuditOutcome: Int]?
        package var flags: [Flag]
    }

    package enum Flag: String, Sendable, Equatable {
        /// In force, and its end date is within 90 days: renew it or plan its end.
        case endingSoon = "ending-within-90-days"
        /// Ended, but still marked active: its flows have stopped (`agreement-expired`).
        case expiredButActive = "expired-but-active"
        /// Active and in force, yet it decided nothing in 90 days: is it still needed?
        case quiet = "no-decisions-in-90-days"
    }

    package static let horizonDays = 90
    package static let recentDays = 30

    package var entries: [Entry]

    /// `recent` and `quarter`: decisions per agreement over the last 30 and 90
    /// days (`AuditIndexStore.agreementOutcomeCounts`), or nil without an index.
    package init(_ configuration: PlaceConfiguration, today: CalendarDate,
                 recent: [String: [AuditOutcome: Int]]?, quarter: [String: [AuditOutcome: Int]]?) {
        entries = configuration.agreements.sorted { $0.id < $1.id }.map { a in
            var flags: [Flag] = []
            let inForce = a.validFrom.dayNumber <= today.dayNumber && today.dayNumber <= a.validTo.dayNumber
            if a.status == .active {
                if inForce && a.validTo.dayNumber - today.dayNumber < Self.horizonDays { flags.append(.endingSoon) }
                if a.validTo.dayNumber < today.dayNumber { flags.append(.expiredButActive) }
                if inForce, let quarter, (quarter[a.id] ?? [:]).values.reduce(0, +) == 0 { flags.append(.quiet) }
            }
            return Entry(
                id: a.id, title: a.title, version: a.version, status: a.status, purpose: a.purpose.rawValue,
                sources: a.sources, recipients: a.recipients, validFrom: a.validFrom, validTo: a.validTo,
                recent: recent.map { $0[a.id] ?? [:] }, flags: flags)
        }
    }

    /// The start of a window of `days` ending at the start of tomorrow, as the
    /// index compares times (RFC 3339 UTC).
    package static func since(days: Int, today: CalendarDate) -> String {
        let (y, m, d) = UKTime.civilFromDays(today.dayNumber + 1 - days)
        return CalendarDate(year: y, month: m, day: d)!.description + "T00:00:00.000Z"
    }
}
