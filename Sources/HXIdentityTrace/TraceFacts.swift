import Foundation
import HXCanonical

/// Reads FACTS.jsonl: one `hx.identity.v1` value per line (blank lines skipped).
package enum TraceFacts {
    package static func parse(_ data: Data, file: String) -> (facts: [IdentityFact], errors: [TraceInputError]) {
        var facts: [IdentityFact] = [], errors: [TraceInputError] = []
        let decoder = JSONDecoder()
        var line = 0
        for slice in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            line += 1
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            if let fact = slice.withUnsafeBytes({ FactLine.parse($0.bindMemory(to: UInt8.self)) }) {
                facts.append(fact)
                continue
            }
            do {
                facts.append(try decoder.decode(IdentityFact.self, from: Data(slice)))
            } catch {
                // Only the line number: the line itself is patient data.
                errors.append(TraceInputError(code: .fact, file: file, line: line, message: "not an hx.identity.v1 fact: \(Self.why(error))"))
                if errors.count >= 20 { break }
            }
        }
        return (facts, errors)
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
