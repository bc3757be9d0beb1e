import Foundation
import HXCanonical

/// One CSV record and the line it starts on (1-based, header = line 1).
struct CSVRecord: Sendable {
    let line: Int
    let fields: [String]
}

/// RFC 4180: comma-separated, fields optionally in double quotes, `""` for a
/// quote inside quotes, CRLF or LF line ends (quoted fields may span lines).
/// A byte order mark is removed before this is called.
enum CSV {
    static func parse(_ text: String) throws(TranslationError) -> [CSVRecord] {
        var records: [CSVRecord] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quoteLine = 1
        var wasQuoted = false
        var it = Array(text.unicodeScalars)[...]
        func endRecord() {
            fields.append(field)
            // Blank lines (one empty unquoted field) are not records.
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) { records.append(CSVRecord(line: recordLine, fields: fields)) }
            fields = []
            field = ""
            wasQuoted = false
        }
        while let c = it.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if it.first == "\"" { field.unicodeScalars.append("\""); it.removeFirst() } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty:
                inQuotes = true
                wasQuoted = true
                quoteLine = line
            case ",":
                fields.append(field)
                field = ""
            case "\r":
                if it.first == "\n" { it.removeFirst() }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes {
            throw TranslationError(.csvMalformed, "a quoted field opened on line \(quoteLine) is never closed", at: "line \(quoteLine)")
        }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        return records
    }
}

/// Named fields of one input record (a CSV row or a JSON event object).
protocol FieldRecord {
    /// Trimmed text of a canonical field, nil when unmapped, absent or blank.
    func value(_ key: String) -> String?
    /// Where that field is, for error locations.
    func location(_ key: String) -> String
    /// Where the record is.
    var place: String { get }
}

/// A CSV file whose header names the columns the configuration maps.
struct CSVTable {
    struct Row: FieldRecord {
        let record: CSVRecord
        let index: [String: Int]
        let columns: [String: String]

        func value(_ key: String) -> String? {
            guard let i = index[key], i < record.fields.count else { return nil }
            let v = record.fields[i].trimmingCharacters(in: .whitespacesAndNewlines)
            return v.isEmpty ? nil : v
        }

        func location(_ key: String) -> String { "line \(record.line), column \(columns[key] ?? key)" }
        var place: String { "line \(record.line)" }
    }

    let rows: [Row]

    /// Every mapped column must be in the header: a renamed column would
    /// otherwise silently empty a field. Header names match ignoring case and blanks.
    init(_ text: String, columns: [String: String], required: Set<String>) throws(TranslationError) {
        let records = try CSV.parse(text)
        guard let header = records.first else {
            throw TranslationError(.emptyInput, "the CSV file has no header line", at: "line 1")
        }
        func norm(_ s: String) -> String { s.trimmingCharacters(in: .whitespaces).lowercased() }
        var position: [String: Int] = [:]
        for (i, name) in header.fields.enumerated() where position[norm(name)] == nil { position[norm(name)] = i }
        for key in required.sorted() where columns[key] == nil {
            throw TranslationError(.csvColumnMissing, "the adapter's column mapping does not say which column holds '\(key)'", at: "line 1, column \(key)")
        }
        var index: [String: Int] = [:]
        for (key, column) in columns.sorted(by: { $0.key < $1.key }) {
            guard let i = position[norm(column)] else {
                throw TranslationError(.csvColumnMissing, "the header has no column \(column.debugDescription) (mapped to \(key)); it has: \(header.fields.joined(separator: ", "))", at: "line 1, column \(column)")
            }
            index[key] = i
        }
        rows = records.dropFirst().map { Row(record: $0, index: index, columns: columns) }
    }
}

/// Helpers shared by the CSV and JSON translators.
extension AdapterConfiguration {
    func subject(_ r: any FieldRecord) throws(TranslationError) -> Subject {
        var nhs: NHSNumber?
        if let raw = r.value("nhsNumber") {
            do { nhs = try NHSNumber(raw) } catch { throw TranslationError.nhsNumber(error, at: r.location("nhsNumber")) }
        }
        var name: PersonName?
        let family = r.value("family")
        let given = r.value("given").map { $0.split(separator: " ").map(String.init) } ?? []
        if family != nil || !given.isEmpty { name = PersonName(family: family, given: given) }
        var birthDate: CalendarDate?
        if let raw = r.value("birthDate") {
            guard let d = DateText.date(raw) else {
                throw TranslationError(.dateInvalid, "\(raw.debugDescription) is not a valid date (YYYY-MM-DD or DD/MM/YYYY)", at: r.location("birthDate"))
            }
            birthDate = d
        }
        let locals = r.value("localId").map { [LocalIdentifier(system: "\(organisation)-local", value: $0)] } ?? []
        return Subject(
            nhsNumber: nhs, identityStatus: nhs == nil ? .unresolved : .verified, localIdentifiers: locals, name: name,
            birthDate: birthDate, gender: r.value("gender").map(HL7Translator.gender), postcode: r.value("postcode")?.uppercased(),
            registeredPractice: r.value("registeredPractice"))
    }

    func time(_ r: any FieldRecord, _ key: String) throws(TranslationError) -> RFC3339Timestamp? {
        guard let raw = r.value(key) else { return nil }
        guard let t = DateText.timestamp(raw, timeZone: timeZone) else {
            throw TranslationError(.dateInvalid, "\(raw.debugDescription) is not a valid date or date-time (YYYY-MM-DD[Thh:mm[:ss]], DD/MM/YYYY [hh:mm])", at: r.location(key))
        }
        return t
    }

    func required(_ r: any FieldRecord, _ key: String) throws(TranslationError) -> String {
        guard let v = r.value(key) else {
            throw TranslationError(.valueMissing, "\(key) is empty", at: r.location(key))
        }
        return v
    }
}
