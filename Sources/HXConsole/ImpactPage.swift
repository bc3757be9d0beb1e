import Foundation
import HXImpact
import HXPlace

/// What the impact page shows for one run (pure, so it is tested without a
/// server): the report's lines, and beside them every agreement the proposal
/// touches, as it is and as proposed, with what differs marked. Agreement ids,
/// organisation codes, reason codes and field paths only: no patient data.
struct ImpactPage {
    var current: PlaceConfiguration
    var proposed: PlaceConfiguration
    var proposedName: String
    var from: String
    var to: String
    var report: ImpactReport

    /// An agreement is touched when the report names it or its definition differs.
    var touchedAgreements: [String] {
        let named = Set(report.lines.keys.compactMap(\.agreement))
        let ids = Set(current.agreements.map(\.id)).union(proposed.agreements.map(\.id))
        return ids.filter { id in
            named.contains(id) || Self.facts(current.agreement(id: id)) != Self.facts(proposed.agreement(id: id))
        }.sorted()
    }

    var context: [String: Any] {
        let lines = report.sortedLines.map { line -> [String: Any] in
            let fields = line.count.fieldsRemoved.sorted { $0.key < $1.key }.map { "−\($0.key) (\($0.value))" }
                + line.count.fieldsRestored.sorted { $0.key < $1.key }.map { "+\($0.key) (\($0.value))" }
            return [
                "change": line.key.change.rawValue, "agreement": line.key.agreement ?? "—", "recipient": line.key.recipient,
                "reason": line.key.reason, "messages": line.count.messages, "fields": fields.joined(separator: ", "),
            ]
        }
        let agreements = touchedAgreements.map { id -> [String: Any] in
            let before = Self.facts(current.agreement(id: id)), after = Self.facts(proposed.agreement(id: id))
            let rows = Self.factNames.map { name -> [String: Any] in
                let a = before[name] ?? "—", b = after[name] ?? "—"
                return ["name": name, "current": a, "proposed": b, "class": a == b ? "same" : "differs"]
            }
            let status: String =
                current.agreement(id: id) == nil ? "added by the proposal"
                : proposed.agreement(id: id) == nil ? "removed by the proposal"
                : before == after ? "unchanged (its flows change through another agreement, consent or a party)" : "changed"
            return ["id": id, "status": status, "rows": rows]
        }
        return [
            "proposedName": proposedName, "from": from, "to": to,
            "currentDigest": current.configurationDigest, "proposedDigest": proposed.configurationDigest,
            "read": report.inputs, "decided": report.decided, "flowsCurrent": report.flowsCurrent, "flowsProposed": report.flowsProposed,
            "stops": report.total(.stop), "starts": report.total(.start), "changes": report.total(.changeForm),
            "changedInputs": report.changedInputs, "lines": lines, "noChange": lines.isEmpty, "agreements": agreements,
        ]
    }

    static let factNames = ["title", "version", "status", "purpose", "valid", "from", "to", "sources", "recipients", "message types",
                            "excluded fields", "allow", "redact", "deny"]

    /// What an IG lead compares of an agreement, as text; empty when there is none.
    static func facts(_ a: SharingAgreement?) -> [String: String] {
        guard let a else { return [:] }
        func list(_ items: [String]) -> String { items.isEmpty ? "—" : items.joined(separator: ", ") }
        return [
            "title": a.title, "version": "\(a.version)", "status": a.status.rawValue, "purpose": a.purpose.rawValue,
            "valid": "\(a.validFrom) to \(a.validTo)", "from": list(a.from.map { "\($0)" }), "to": list(a.to.map { "\($0)" }),
            "sources": list(a.sources), "recipients": list(a.recipients), "message types": list(a.messageTypes.map(\.rawValue)),
            "excluded fields": list(a.excludedFields), "allow": list(a.allow.map(\.rawValue)), "redact": list(a.redact.map(\.rawValue)),
            "deny": list(a.deny.map(\.rawValue)),
        ]
    }
}
