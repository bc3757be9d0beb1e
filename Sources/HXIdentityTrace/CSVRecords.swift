import Foundation
/// RFC 4180 CSV: fields separated by commas, optionally in double quotes
/// (a quote inside doubled), records ended by CRLF or LF. Each record keeps
/// the line it starts on, for error messages.
enum CSVRecords {
    struct Record {
        var line: Int
        var fields: [String]
    }

    struct Malformed: Error {
        var line: Int
        var message: String
    }

    static func parse(_ text: String) -> (records: [Record], errors: [Malformed]) {
        var records: [Record] = [], errors: [Malformed] = []
        var fields: [String] = [], field: [UInt8] = []
        var line = 1, start = 1
        var quoted = false, wasQuoted = false, afterQuote = false, bad: String?
        let bytes = Array(text.utf8)
        var i = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field = []
            wasQuoted = false
            afterQuote = false
        }
        func endRecord() {
            endField()
            if let bad { errors.append(Malformed(line: start, message: bad)) } else if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(Record(line: start, fields: fields))
            }
            fields = []
            bad = nil
        }
        while i < bytes.count {
            let b = bytes[i]
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(b)
                        i += 1
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
            } else if b == UInt8(ascii: ",") {
                endField()
            } else if b == 0x0A || b == 0x0D {
                if b == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
                endRecord()
                line += 1
                start = line
            } else if b == UInt8(ascii: "\"") && field.isEmpty && !wasQuoted && !afterQuote {
                quoted = true
                wasQuoted = true
            } else if afterQuote {
                bad = bad ?? "text after a closing quote in field \(fields.count + 1)"
            } else if b == UInt8(ascii: "\"") {
                bad = bad ?? "a quote inside an unquoted field \(fields.count + 1) (quote the whole field and double the quote)"
                field.append(b)
            } else {
                field.append(b)
            }
            i += 1
        }
        if quoted { bad = bad ?? "a quoted field is not closed before the end of the file" }
        if !field.isEmpty || !fields.isEmpty || wasQuoted || bad != nil { endRecord() }
        return (records, errors)
    }

    /// A field as written to CSV: quoted when it holds a comma, quote or line break.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
