import Foundation
import HXCanonical
import HXIdentityMatch

/// One row of a trace request file (docs/design.md "Batch tracing").
package struct TraceRequest: Sendable, Equatable {
    package var line: Int
    package var reference: String
    package var demographics: Demographics
}

/// A problem in one of the trace's input files, with where it is.
package struct TraceInputError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Code: String, Sendable {
        case header = "trace-csv-header"
        case row = "trace-csv-row"
        case birthDate = "trace-csv-birth-date"
        case sex = "trace-csv-sex"
        case fact = "trace-fact-invalid"
    }

    package var code: Code
    package var file: String
    package var line: Int
    package var message: String

    package var description: String { "\(file):\(line): error: \(message) [\(code.rawValue)]" }
}

/// Reads REQUESTS.csv: a header naming exactly the design's columns (in any
/// order), then one request per row. Every malformed row is reported, so a
/// file can be mended in one go.
package enum TraceRequests {
    package static let columns = ["reference", "family", "given", "sex", "birthDate", "postcode", "address"]

    package static func parse(_ text: String, file: String) -> (requests: [TraceRequest], errors: [TraceInputError]) {
        let (records, malformed) = CSVRecords.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        var errors = malformed.map { TraceInputError(code: .row, file: file, line: $0.line, message: $0.message) }
        guard let header = records.first else {
            errors.append(TraceInputError(code: .header, file: file, line: 1, message: "no header: expected \(columns.joined(separator: ","))"))
            return ([], errors)
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard Set(names) == Set(columns), names.count == columns.count else {
            errors.append(TraceInputError(code: .header, file: file, line: header.line,
                                          message: "the header must name the columns \(columns.joined(separator: ",")), not \(names.joined(separator: ","))"))
            return ([], errors)
        }
        let at = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        var requests: [TraceRequest] = []
        for record in records.dropFirst() {
            guard record.fields.count == columns.count else {
                errors.append(TraceInputError(code: .row, file: file, line: record.line,
                                              message: "\(record.fields.count) field(s), expected \(columns.count) (\(columns.joined(separator: ",")))"))
                continue
            }
            func value(_ name: String) -> String? {
                let v = record.fields[at[name]!].trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            var birthDate: CalendarDate?
            if let text = value("birthDate") {
                birthDate = CalendarDate(text)
                if birthDate == nil {
                    errors.append(TraceInputError(code: .birthDate, file: file, line: record.line, message: "birthDate must be a date YYYY-MM-DD"))
                    continue
                }
            }
            var sex: Gender?
            if let text = value("sex") {
                sex = Gender(rawValue: text.lowercased())
                if sex == nil {
                    errors.append(TraceInputError(code: .sex, file: file, line: record.line, message: "sex must be male, female, other or unknown"))
                    continue
                }
            }
            let demographics = Demographics(
                family: value("family"), given: value("given").map { [$0] } ?? [], sex: sex, birthDate: birthDate,
                postcode: value("postcode"), address: value("address").map { [$0] } ?? [])
            requests.append(TraceRequest(line: record.line, reference: value("reference") ?? "", demographics: demographics))
        }
        return (requests, errors)
    }
}
