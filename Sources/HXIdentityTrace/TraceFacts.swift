import Foundation
import HXCanonical

/// Reads FACTS.jsonl: one `hx.identity.v1` value per line (blank lines skipped).
package enum TraceFacts {
    package static func parse(_ data: Data, file: String) -> (facts: [IdentityFact], errors: [TraceInputError]) {
        var facts: [IdentityFact] = []
        let errors = read(data, file: file) { facts.append($0) }
        return (facts, errors)
    }

    /// Each fact handed to `body` as it is read, in file order, so a caller
    /// indexing a million facts keeps no array of them beside the index. The
    /// errors (at most 20) come back at the end.
    package static func read(_ data: Data, file: String, _ body: (IdentityFact) -> Void) -> [TraceInputError] {
        var errors: [TraceInputError] = []
        let decoder = JSONDecoder()
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var line = 0, start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                line += 1
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<end])
                start = end + 1
                if slice.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                if let fact = FactLine.parse(slice) {
                    body(fact)
                    continue
                }
                do {
                    body(try decoder.decode(IdentityFact.self, from: Data(slice)))
                } catch {
                    // Only the line number: the line itself is patient data.
                    errors.append(TraceInputError(code: .fact, file: file, line: line, message: "not an hx.identity.v1 fact: \(Self.why(error))"))
                    if errors.count >= 20 { break }
                }
            }
        }
        return errors
    }

    /// How many lines `data` has, for reserving room before reading.
    package static func lineCount(_ data: Data) -> Int {
        data.withUnsafeBytes { raw in raw.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 } } + 1
    }

    /// The decoder's complaint without the values it quotes.
    static func why(_ error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            c.codingPath.isEmpty ? "not a JSON object" : "'\(c.codingPath.map(\.stringValue).joined(separator: "."))' is not valid"
        default: "not JSON"
        }
    }
}
