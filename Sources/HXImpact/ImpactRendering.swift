import HXPlace

/// The report as people and tools read it. Only counts, organisation codes,
/// agreement ids, reason codes and field paths: never a patient identifier or
/// a message id, so the report can be shared with the IG group as it is.
package struct ImpactRendering: Sendable {
    /// What was compared, and over which window (RFC 3339 times).
    package struct Heading: Sendable {
        package var current: String
        package var currentDigest: String
        package var proposed: String
        package var proposedDigest: String
        package var from: String
        package var to: String

        package init(current: String, currentDigest: String, proposed: String, proposedDigest: String, from: String, to: String) {
            self.current = current
            self.currentDigest = currentDigest
            self.proposed = proposed
            self.proposedDigest = proposedDigest
            self.from = from
            self.to = to
        }
    }

    package var heading: Heading
    package var report: ImpactReport

    package init(heading: Heading, report: ImpactReport) {
        self.heading = heading
        self.report = report
    }

    /// The readable form: a summary, then one line per change, widest columns aligned.
    package var table: String {
        let r = report, h = heading
        var out = "Impact of \(h.proposed) (digest \(h.proposedDigest.prefix(12))) against \(h.current) (digest \(h.currentDigest.prefix(12)))\n"
        out += "Inputs \(h.from) to \(h.to): \(r.inputs) read, \(r.decided) decided under both, \(r.repeats) repeats, \(r.notDecidable) not decidable\n"
        out += "Deliveries: \(r.flowsCurrent) today, \(r.flowsProposed) under the proposal; \(r.changedInputs) inputs affected\n"
        out += "Flows that would stop \(r.total(.stop)), start \(r.total(.start)), change form \(r.total(.changeForm))\n"
        let lines = r.sortedLines
        guard !lines.isEmpty else { return out + "\nNo flow would start, stop or change form.\n" }
        let header = ["CHANGE", "AGREEMENT", "RECIPIENT", "REASON", "MESSAGES"]
        let rows = lines.map { [$0.key.change.rawValue, $0.key.agreement ?? "-", $0.key.recipient, $0.key.reason, String($0.count.messages)] }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func row(_ cells: [String]) -> String {
            cells.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - cells[c].count)
                return c == cells.count - 1 ? pad + cells[c] : cells[c] + pad
            }.joined(separator: "  ")
        }
        out += "\n" + row(header) + "\n"
        for (cells, line) in zip(rows, lines) {
            out += row(cells) + "\n"
            for (label, fields) in [("removes", line.count.fieldsRemoved), ("restores", line.count.fieldsRestored)] where !fields.isEmpty {
                out += "    \(label): " + fields.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ") + "\n"
            }
        }
        return out
    }

    /// For tools: one JSON object, keys in a fixed order.
    package var json: JSONText {
        let r = report, h = heading
        func fields(_ counts: [String: Int]) -> JSONText { .object(counts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }) }
        return .object([
            ("current", .object([("config", .string(h.current)), ("digest", .string(h.currentDigest))])),
            ("proposed", .object([("config", .string(h.proposed)), ("digest", .string(h.proposedDigest))])),
            ("window", .object([("from", .string(h.from)), ("to", .string(h.to))])),
            ("inputs", .object([
                ("read", .int(r.inputs)), ("decided", .int(r.decided)), ("repeats", .int(r.repeats)),
                ("notDecidable", .int(r.notDecidable)), ("affected", .int(r.changedInputs)),
            ])),
            ("deliveries", .object([("current", .int(r.flowsCurrent)), ("proposed", .int(r.flowsProposed))])),
            ("totals", .object(ImpactChange.allCases.map { ($0.rawValue, .int(r.total($0))) })),
            ("changes", .array(r.sortedLines.map { line in
                .object([
                    ("change", .string(line.key.change.rawValue)),
                    ("agreement", line.key.agreement.map(JSONText.string) ?? .null),
                    ("recipient", .string(line.key.recipient)),
                    ("reason", .string(line.key.reason)),
                    ("messages", .int(line.count.messages)),
                    ("fieldsRemoved", fields(line.count.fieldsRemoved)),
                    ("fieldsRestored", fields(line.count.fieldsRestored)),
                ])
            })),
        ])
    }
}
