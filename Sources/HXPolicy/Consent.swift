import Foundation
import HXCanonical
import HXPlace

/// One line of `hx.consent.v1` / the `--consent` JSON-lines file (docs/design.md "Place configuration").
package struct ConsentDirective: Sendable, Equatable, Codable {
    package enum Kind: String, Sendable, Codable, CaseIterable {
        case objection
        case withdrawObjection = "withdraw-objection"
        case nationalDataOptOut = "national-data-opt-out"
    }

    /// The recipient organisations an objection (or its withdrawal) is about.
    package enum Scope: Sendable, Equatable {
        case all
        case organisations([String])

        package func covers(_ recipient: String) -> Bool {
            switch self {
            case .all: true
            case .organisations(let codes): codes.contains(recipient)
            }
        }
    }

    package var nhsNumber: NHSNumber
    package var directive: Kind
    /// Required for objections and withdrawals; none for a national data opt-out.
    package var scope: Scope?
    package var recordedAt: RFC3339Timestamp
    package var recordedBy: String?

    package init(nhsNumber: NHSNumber, directive: Kind, scope: Scope? = nil, recordedAt: RFC3339Timestamp, recordedBy: String? = nil) {
        self.nhsNumber = nhsNumber
        self.directive = directive
        self.scope = scope
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
    }

    enum CodingKeys: String, CodingKey { case nhsNumber, directive, scope, recordedAt, recordedBy }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nhsNumber = try c.decode(NHSNumber.self, forKey: .nhsNumber)
        directive = try c.decode(Kind.self, forKey: .directive)
        recordedAt = try c.decode(RFC3339Timestamp.self, forKey: .recordedAt)
        recordedBy = try c.decodeIfPresent(String.self, forKey: .recordedBy)
        if directive == .nationalDataOptOut {
            // The national opt-out is about purposes, never about recipients.
            if c.contains(.scope) {
                throw DecodingError.dataCorruptedError(forKey: .scope, in: c, debugDescription: "a national-data-opt-out has no scope")
            }
            scope = nil
            return
        }
        if let text = try? c.decode(String.self, forKey: .scope) {
            guard text == "all" else {
                throw DecodingError.dataCorruptedError(forKey: .scope, in: c, debugDescription: "scope must be \"all\" or a list of organisation codes, not \(text.debugDescription)")
            }
            scope = .all
        } else {
            let codes = try c.decode([String].self, forKey: .scope)
            guard !codes.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: .scope, in: c, debugDescription: "scope lists no organisation")
            }
            scope = .organisations(codes)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nhsNumber, forKey: .nhsNumber)
        try c.encode(directive, forKey: .directive)
        switch scope {
        case .all: try c.encode("all", forKey: .scope)
        case .organisations(let codes): try c.encode(codes, forKey: .scope)
        case nil: break
        }
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encodeIfPresent(recordedBy, forKey: .recordedBy)
    }
}

package struct ConsentParseError: Error, Sendable, Equatable, CustomStringConvertible {
    package var line: Int
    package var message: String
    package var description: String { "line \(line): \(message)" }
}

/// Every directive known for each person, answering "does this person object
/// to sharing with this recipient, as things stood at this instant?".
///
/// Rules (docs/design.md: latest per NHS number and scope wins), made exact:
/// - For a recipient R, only objections and withdrawals whose scope covers R
///   (`all`, or a list naming R) count, and the one with the latest
///   `recordedAt` decides. So an objection to all followed by a withdrawal
///   for RWW leaves every recipient but RWW objected to, and a withdrawal for
///   all clears every earlier objection.
/// - At equal `recordedAt`, an objection beats a withdrawal (fail closed).
/// - Directives recorded after the decision time are not yet known, so a
///   replayed message is decided as it was when it arrived.
/// - A national data opt-out, once recorded, stands (withdrawing it is done
///   through the national service, which would stop sending it).
package struct ConsentState: Sendable, Equatable {
    private var byPerson: [NHSNumber: [ConsentDirective]]

    package init(directives: [ConsentDirective] = []) {
        var map: [NHSNumber: [ConsentDirective]] = [:]
        for d in directives { map[d.nhsNumber, default: []].append(d) }
        byPerson = map
    }

    /// Adds a directive as read from `hx.consent.v1`; earlier ones stay, as
    /// a decision is judged on the directives known at its own time.
    package mutating func add(_ directive: ConsentDirective) {
        byPerson[directive.nhsNumber, default: []].append(directive)
    }

    /// How many people have any directive.
    package var people: Int { byPerson.count }

    package static let empty = ConsentState()

    /// Reads JSON lines; blank lines are skipped; the first bad line is reported with its number.
    package static func parseJSONLines(_ text: String) throws(ConsentParseError) -> [ConsentDirective] {
        var out: [ConsentDirective] = []
        let decoder = JSONDecoder()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            do {
                out.append(try decoder.decode(ConsentDirective.self, from: Data(trimmed.utf8)))
            } catch {
                throw ConsentParseError(line: i + 1, message: "not a consent directive: \(Self.describe(error))")
            }
        }
        return out
    }

    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return String(describing: error) }
        switch e {
        case .keyNotFound(let key, _): return "'\(key.stringValue)' is missing"
        case .dataCorrupted(let c): return (c.codingPath.last.map { "\($0.stringValue): " } ?? "") + c.debugDescription
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            return (c.codingPath.last.map { "\($0.stringValue): " } ?? "") + c.debugDescription
        @unknown default: return String(describing: e)
        }
    }

    /// The objection or withdrawal that decides for `recipient`, if any.
    package func decidingDirective(for person: NHSNumber, recipient: String, at: Instant) -> ConsentDirective? {
        var best: (ConsentDirective, Instant)?
        for d in byPerson[person] ?? [] where d.directive != .nationalDataOptOut {
            let when = Instant(d.recordedAt)
            guard when <= at, d.scope?.covers(recipient) == true else { continue }
            if let (b, bWhen) = best {
                if when < bWhen { continue }
                if when == bWhen && !(d.directive == .objection && b.directive != .objection) { continue }
            }
            best = (d, when)
        }
        return best?.0
    }

    package func objects(_ person: NHSNumber, to recipient: String, at: Instant) -> Bool {
        decidingDirective(for: person, recipient: recipient, at: at)?.directive == .objection
    }

    package func hasNationalDataOptOut(_ person: NHSNumber, at: Instant) -> Bool {
        (byPerson[person] ?? []).contains { $0.directive == .nationalDataOptOut && Instant($0.recordedAt) <= at }
    }
}
