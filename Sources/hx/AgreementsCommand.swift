import ArgumentParser
import Foundation
import HXAudit
import HXAuditIndex
import HXCanonical
import HXPlace

struct AgreementsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreements",
        abstract: "The data sharing agreements and what they decide.",
        subcommands: [List.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The agreement register: every agreement with its status, purpose, parties, dates, version and recent decisions.",
            discussion: """
            Decisions of the last 30 days come from the audit index (--index or --index-url), by outcome; without an \
            index they are not shown. Flags: ending-within-90-days (active, in force, ends within 90 days), \
            expired-but-active (ended but still marked active: its flows have stopped), no-decisions-in-90-days \
            (active and in force, yet it decided nothing; needs an index). No patient data is shown.
            """
        )

        @Option(help: "The place's configuration folder.")
        var config: String = "config"

        @OptionGroup var index: AuditIndexOptions

        @Option(help: "table (default) or json.")
        var format: OutputFormat = .table

        @Option(help: "The day to judge dates at, YYYY-MM-DD (default: today in the UK).")
        var today: String?

        enum OutputFormat: String, ExpressibleByArgument { case table, json }

        func run() async throws {
            let place = try loadPlace(config)
            let day: CalendarDate
            if let today {
                guard let parsed = CalendarDate(today) else { throw ValidationError("--today must be a date YYYY-MM-DD, not '\(today)'") }
                day = parsed
            } else {
                day = Instant(Date()).ukDate
            }
            var recent: [String: [AuditOutcome: Int]]?, quarter: [String: [AuditOutcome: Int]]?
            // An index that is not there is not opened (that would create an empty one and flag every agreement as quiet).
            if index.url != nil || FileManager.default.fileExists(atPath: index.path) {
                try await index.withStore { store in
                    recent = try await store.agreementOutcomeCounts(since: AgreementRegister.since(days: AgreementRegister.recentDays, today: day))
                    quarter = try await store.agreementOutcomeCounts(since: AgreementRegister.since(days: AgreementRegister.horizonDays, today: day))
                }
            }
            let register = AgreementRegister(place, today: day, recent: recent, quarter: quarter)
            switch format {
            case .json: FileHandle.standardOutput.write(Data(Self.json(register).utf8))
            case .table: print(Self.table(register, day: day, indexed: recent != nil), terminator: "")
            }
        }

        static func table(_ register: AgreementRegister, day: CalendarDate, indexed: Bool) -> String {
            func list(_ codes: [String]) -> String { codes.count <= 6 ? codes.joined(separator: ", ") : codes.prefix(5).joined(separator: ", ") + ", … (\(codes.count))" }
            var out = "\(register.entries.count) agreements on \(day)" + (indexed ? "" : " (no audit index: decisions not shown)") + "\n"
            for e in register.entries {
                out += "\n\(e.id)  v\(e.version)  \(e.status.rawValue)  \(e.purpose)  \(e.validFrom) to \(e.validTo)"
                out += e.flags.isEmpty ? "\n" : "  [" + e.flags.map(\.rawValue).joined(separator: ", ") + "]\n"
                out += "  \(e.title)\n  from: \(list(e.sources))   to: \(list(e.recipients))\n"
                if let recent = e.recent {
                    let counts = AuditOutcome.allCases.compactMap { o in recent[o].map { "\(o.rawValue) \($0)" } }
                    out += "  last 30 days: " + (counts.isEmpty ? "no decisions" : counts.joined(separator: ", ")) + "\n"
                }
            }
            return out
        }

        static func json(_ register: AgreementRegister) -> String {
            let entries = register.entries.map { e -> JSONText in
                var fields: [(String, JSONText)] = [
                    ("id", .string(e.id)), ("title", .string(e.title)), ("version", .int(e.version)), ("status", .string(e.status.rawValue)),
                    ("purpose", .string(e.purpose)), ("validFrom", .string(e.validFrom.description)), ("validTo", .string(e.validTo.description)),
                    ("sources", .strings(e.sources)), ("recipients", .strings(e.recipients)),
                    ("flags", .strings(e.flags.map(\.rawValue))),
                ]
                fields.append(("last30Days", e.recent.map { counts in
                    .object(AuditOutcome.allCases.map { ($0.rawValue, .int(counts[$0] ?? 0)) })
                } ?? .null))
                return .object(fields)
            }
            return JSONText.array(entries).rendered + "\n"
        }
    }
}
