import HXAudit
import HXCanonical
import HXPlace
import HXPolicy

/// A subject access report: every recorded decision about one person's
/// information, in words the person can follow, as a self-contained HTML page
/// that prints cleanly. Pure: the records and the place's configuration in,
/// the page out; fetching the records is the caller's.
package struct SubjectAccessReport: Sendable {
    package var nhsNumber: String
    /// The person's decision records, any order; other kinds and other people's records are ignored.
    package var records: [AuditRecord]
    /// Names organisations and agreements; codes are shown as they are when unknown.
    package var place: PlaceConfiguration
    /// When the report was made (RFC 3339), printed on it.
    package var generatedAt: String

    package init(nhsNumber: String, records: [AuditRecord], place: PlaceConfiguration, generatedAt: String) {
        self.nhsNumber = nhsNumber
        self.records = records
        self.place = place
        self.generatedAt = generatedAt
    }

    /// The person's decisions, oldest first (a life story reads forwards).
    package var decisions: [AuditRecord] {
        records.filter { $0.kind == .decision && $0.nhsNumber == nhsNumber }
            .sorted { ($0.time, $0.decisionId) < ($1.time, $1.decisionId) }
    }

    package func html() -> String {
        let rows = decisions
        let shared = rows.filter { $0.outcome == .deliver }.count
        let partly = rows.filter { $0.outcome == .deliverRedacted }.count
        let withheld = rows.filter { $0.outcome == .deny }.count
        let review = rows.filter { $0.outcome == .review }.count
        var out = """
        <!DOCTYPE html>
        <html lang="en-GB">
        <head>
        <meta charset="utf-8">
        <title>Your information shared through One Halton Exchange</title>
        <style>
        body { font-family: Arial, Helvetica, sans-serif; margin: 2em; color: #212b32; line-height: 1.4; }
        h1 { font-size: 1.6em; } table { border-collapse: collapse; width: 100%; font-size: 0.95em; }
        th, td { border: 1px solid #aeb7bd; padding: 0.4em; text-align: left; vertical-align: top; }
        th { background: #e8edee; } .outcome { font-weight: bold; }
        @media print { body { margin: 0; } tr { page-break-inside: avoid; } }
        </style>
        </head>
        <body>
        <h1>Your information shared through One Halton Exchange</h1>
        <p>NHS number: <strong>\(escape(formatted(nhsNumber)))</strong>. Report made \(escape(day(generatedAt))) from the exchange's audit log.</p>
        <p>Each row is one time a health or care organisation in Halton sent information about you through the exchange, \
        and what the exchange decided for one organisation that could receive it: whether it was passed on, passed on with parts \
        removed, not passed on, or held for a person to check. Each decision was taken under the data sharing agreement named.</p>
        <p>In all: \(shared) passed on, \(partly) passed on with parts removed, \(withheld) not passed on, \(review) held for checking.</p>

        """
        if rows.isEmpty {
            out += "<p>The audit log holds no record of information about you passing through the exchange.</p>\n"
        } else {
            out += "<table>\n<thead><tr><th>When</th><th>From</th><th>To</th><th>What</th><th>Decision</th><th>Agreement</th><th>Why</th><th>Reached them</th></tr></thead>\n<tbody>\n"
            for r in rows {
                let cells = [
                    escape(when(r.time)),
                    escape(organisation(r.source?.organisation)),
                    escape(r.recipient == "review" ? "Held for checking by the information governance team" : organisation(r.recipient)),
                    escape(kindOfMessage(r.messageType)),
                    "<span class=\"outcome\">\(escape(outcome(r.outcome)))</span>",
                    escape(agreement(r.agreementId, r.agreementVersion)),
                    why(r),
                    escape(reached(r)),
                ]
                out += "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        out += """
        <p>If anything here is wrong, or you want to object to your information being shared, contact the data protection officer \
        of the organisation that sent it.</p>
        </body>
        </html>

        """
        return out
    }

    /// What the recipient's system said about each decision passed on, by decision id:
    /// the delivery worker's records (`delivery-status`) name the decision they close.
    private var deliveries: [String: [AuditRecord]] {
        Dictionary(grouping: records.filter { $0.kind == .deliveryStatus && $0.nhsNumber == nhsNumber }) { $0.details["decision"] ?? "" }
    }

    // MARK: Words

    /// When a decision that passed information on reached the organisation's own system.
    private func reached(_ r: AuditRecord) -> String {
        guard r.outcome == .deliver || r.outcome == .deliverRedacted else { return "—" }
        let events = (deliveries[r.decisionId] ?? []).sorted { $0.time < $1.time }
        if let received = events.first(where: { ["sent", "infrastructure-acknowledged", "business-acknowledged"].contains($0.details["status"]) }) {
            return "Received by their system " + when(received.time)
        }
        if let failed = events.last(where: { $0.details["status"] == "failed" }) {
            return "Their system did not accept it (" + when(failed.time) + ")"
        }
        if place.organisation(r.recipient ?? "")?.delivery == nil { return "Made available for them to collect" }
        return events.isEmpty ? "Not yet recorded" : "Being sent: their system has not taken it yet"
    }

    private func why(_ r: AuditRecord) -> String {
        var parts = r.reasons.map { escape(Self.explain($0)) }
        if !r.removedFields.isEmpty {
            parts.append("Parts removed before it was passed on: " + escape(r.removedFields.joined(separator: ", ")) + ".")
        }
        if parts.isEmpty, r.outcome == .deliver { parts.append("The agreement covers this sharing.") }
        return parts.joined(separator: "<br>")
    }

    /// Plain English for a reason code; an unknown code is shown as it is.
    static func explain(_ code: String) -> String {
        switch code {
        case ReasonCode.identityUnresolved: return "The message did not say clearly enough who it was about, so a person checked it."
        case ReasonCode.identityMatched: return "The message had no NHS number; it was matched to you by your details."
        case ReasonCode.identityResolved: return "The message had no NHS number; a member of staff checked the details and found it was about you."
        case ReasonCode.identityRejected: return "The message did not say clearly enough who it was about, and was not passed on."
        case ReasonCode.noAgreement: return "No data sharing agreement allows this organisation to receive it."
        case ReasonCode.agreementExpired: return "The agreement that allowed this sharing had ended."
        case ReasonCode.agreementNotActive: return "The agreement that would allow this sharing was not in force (draft or suspended)."
        case ReasonCode.agreementNotYetValid: return "The agreement that would allow this sharing had not started yet."
        case ReasonCode.objection: return "You objected to this sharing."
        case ReasonCode.nationalDataOptOut: return "You have registered a national data opt-out, which covers this use."
        default: break
        }
        let parts = code.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            switch parts[0] {
            case "objection-overridden": return "You objected, but it was shared to keep you or someone else safe (\(parts[1]))."
            case "sensitivity-denied": return "It included sensitive information (\(parts[1])) that this organisation may not receive."
            case "sensitivity-redacted": return "Sensitive information (\(parts[1])) was removed before it was passed on."
            default: break
            }
        }
        return code
    }

    private func outcome(_ o: AuditOutcome?) -> String {
        switch o {
        case .deliver: "Passed on"
        case .deliverRedacted: "Passed on with parts removed"
        case .deny: "Not passed on"
        case .review: "Held for checking"
        case .rejected: "Not passed on: the person could not be identified"
        case nil: "—"
        }
    }

    private func kindOfMessage(_ type: String?) -> String {
        guard let type else { return "—" }
        let words = type.replacingOccurrences(of: "-", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    private func organisation(_ code: String?) -> String {
        guard let code else { return "—" }
        return place.organisation(code).map { "\($0.name) (\(code))" } ?? code
    }

    private func agreement(_ id: String?, _ version: Int?) -> String {
        guard let id else { return "None" }
        let title = place.agreement(id: id)?.title ?? id
        return version.map { "\(title) (\(id), version \($0))" } ?? title
    }

    private func formatted(_ n: String) -> String {
        guard n.count == 10 else { return n }
        let d = Array(n)
        return String(d[0..<3]) + " " + String(d[3..<6]) + " " + String(d[6..<10])
    }

    /// `2026-11-24T09:30:00.000Z` as `24 Nov 2026 09:30 UTC`.
    private func when(_ time: String) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let c = Array(time)
        guard c.count >= 16, let m = Int(String(c[5..<7])), (1...12).contains(m), let d = Int(String(c[8..<10])) else { return time }
        return "\(d) \(months[m - 1]) \(String(c[0..<4])) \(String(c[11..<16])) UTC"
    }

    private func day(_ time: String) -> String { when(time).split(separator: " ").prefix(3).joined(separator: " ") }

    private func escape(_ s: String) -> String { HTMLText.escape(s) }
}
