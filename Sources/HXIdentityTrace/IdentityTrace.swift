import HXCanonical
import HXIdentityMatch

/// `hx identity trace` without its files: requests in, the output CSV out
/// (docs/design.md "Batch tracing"). Pure.
package enum IdentityTrace {
    package static let header = "reference,outcome,nhsNumber,score,candidates"

    /// One output line per request, in request order, after the header.
    /// `progress` is told how many are done now and then (the caller decides where it shows).
    package static func run(
        _ requests: [TraceRequest], index: CandidateIndex, rule: LinkRule, progress: (Int) -> Void = { _ in }
    ) -> [String] {
        var lines = [header]
        lines.reserveCapacity(requests.count + 1)
        for (i, request) in requests.enumerated() {
            lines.append(line(request, IdentityMatcher.resolve(request.demographics, in: index, rule: rule)))
            if (i + 1) % 100 == 0 { progress(i + 1) }
        }
        progress(requests.count)
        return lines
    }

    static func line(_ request: TraceRequest, _ result: MatchResult) -> String {
        let score = result.candidates.first.map { MatchScore.text($0.total) } ?? ""
        return [
            CSVRecords.field(request.reference), result.outcome.rawValue, result.linked?.nhsNumber.digits ?? "", score,
            result.candidates.map(\.nhsNumber.digits).joined(separator: ";"),
        ].joined(separator: ",")
    }
}
