import Foundation
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

    /// The same lines as `run`, the requests shared among `workers` child tasks (one per core by default).
    package static func runConcurrently(
        _ requests: [TraceRequest], index: CandidateIndex, rule: LinkRule, workers: Int = defaultWorkers, progress: (Int) -> Void = { _ in }
    ) async -> [String] {
        let results = await resolve(requests.map(\.demographics), index: index, rule: rule, workers: workers, progress: progress)
        return [header] + zip(requests, results).map { line($0, $1) }
    }

    package static var defaultWorkers: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Every subject resolved, in order. The subjects are cut into chunks of
    /// about a thousand, handed to `workers` child tasks at a time; the index is
    /// a value, read by all of them. `progress` runs here, as chunks finish.
    package static func resolve(
        _ subjects: [Demographics], index: CandidateIndex, rule: LinkRule, workers: Int = defaultWorkers, progress: (Int) -> Void = { _ in }
    ) async -> [MatchResult] {
        let chunk = 1000
        let starts = Array(stride(from: 0, to: subjects.count, by: chunk))
        var results = [[MatchResult]](repeating: [], count: starts.count)
        await withTaskGroup(of: (Int, [MatchResult]).self) { group in
            var next = 0, done = 0
            func add() {
                guard next < starts.count else { return }
                let n = next, range = starts[n]..<min(starts[n] + chunk, subjects.count)
                group.addTask { (n, subjects[range].map { IdentityMatcher.resolve($0, in: index, rule: rule) }) }
                next += 1
            }
            for _ in 0..<max(1, workers) { add() }
            for await (n, chunkResults) in group {
                results[n] = chunkResults
                done += chunkResults.count
                progress(done)
                add()
            }
        }
        return results.flatMap { $0 }
    }

    static func line(_ request: TraceRequest, _ result: MatchResult) -> String {
        let score = result.candidates.first.map { MatchScore.text($0.total) } ?? ""
        return [
            CSVRecords.field(request.reference), result.outcome.rawValue, result.linked?.nhsNumber.digits ?? "", score,
            result.candidates.map(\.nhsNumber.digits).joined(separator: ";"),
        ].joined(separator: ",")
    }
}
