// `make bench-identity`: our identity matcher against the exact-key matcher
// of before and against Splink, on the same made-up people
// (HXSyntheticPeople) in one run (docs/performance.md "Identity matching").
//
//   identity-bench [--facts N] [--requests M] [--seed S] [--splink-facts N] [--splink-requests M]
//                  [--no-splink] [--work DIR] [--python PATH]
//   identity-bench generate DIR [--facts N] [--requests M] [--seed S]
//   identity-bench index FACTS.jsonl     read and index only, as `hx identity trace` does: times and peak resident size
//
// The run: (1) the full size (default 1,000,000 facts, 100,000 requests):
// the facts are written as hx.identity.v1 lines and read back as
// `hx identity trace` reads them (reading and indexing timed apart), then
// every request is traced by our matcher (matching only timed, both cores)
// and by the exact-key baseline; (2) a smaller set (default 100,000 facts,
// 10,000 requests) on which all three run, Splink through
// Benchmarks/identity/splink-link.py in .venv. For each: wrong links, right
// links as a share of the requests whose person is among the facts, review
// and none; Splink at match probability 0.5 and at the lowest threshold that
// gives no more wrong links than ours.
//
// `generate` writes facts.jsonl, requests.csv (the trace's columns) and
// expected.csv (reference,nhsNumber,kind,designed) for `hx identity trace`
// and Benchmarks/identity/score-trace.py.
import Foundation
import HXCanonical
import HXIdentityMatch
import HXIdentityTrace
import HXSyntheticPeople

@main
struct IdentityBench {
    struct Options {
        var facts = 1_000_000, requests = 100_000, seed: UInt64 = 18
        var splinkFacts = 100_000, splinkRequests = 10_000, splink = true
        var work = "/tmp/hx-identity-bench"
        var python = ".venv/bin/python"
        var generate: String?
        var indexOnly: String?
    }

    static let rule = LinkRule(threshold: 32, margin: 6, reviewThreshold: 16)

    static func main() async {
        let o = options()
        if let path = o.indexOnly {
            var clock = Stopwatch()
            guard let data = FileManager.default.contents(atPath: path) else { fatal("cannot read \(path)") }
            // As `hx identity trace` does it: each fact indexed as it is read.
            var index = CandidateIndex()
            index.reserveCapacity(TraceFacts.lineCount(data))
            let errors = TraceFacts.read(data, file: path) { index.replace(with: $0) }
            let both = clock.lap()
            print("read and indexed \(index.count) people (\(errors.count) errors): \(both); resident \(Memory.residentKB() / 1024) MiB, peak \(Memory.residentKB(peak: true) / 1024) MiB")
            return
        }
        if let dir = o.generate {
            let people = SyntheticPeople(seed: o.seed, facts: o.facts, requests: o.requests)
            write(people, to: dir)
            print("wrote \(people.facts.count) facts and \(people.requests.count) requests to \(dir)")
            return
        }
        let rule = loadRule() ?? Self.rule
        print("identity-bench: link rule threshold \(rule.threshold), margin \(rule.margin), review \(rule.reviewThreshold)")
        let big = await full(o, rule: rule)
        var tables = [big]
        if o.splink {
            tables.append(await withSplink(o, rule: rule))
        }
        print("")
        for t in tables { print(t) }
    }

    // MARK: The full size

    static func full(_ o: Options, rule: LinkRule) async -> String {
        var clock = Stopwatch()
        let people = SyntheticPeople(seed: o.seed, facts: o.facts, requests: o.requests)
        print("generated \(people.facts.count) facts, \(people.requests.count) requests: \(clock.lap())")
        try? FileManager.default.createDirectory(atPath: o.work, withIntermediateDirectories: true)
        let path = o.work + "/facts.jsonl"
        let data = factLines(people.facts)
        save(path, data)
        print("wrote \(path) (\(data.count / 1_000_000) MB): \(clock.lap())")
        let before = Memory.residentKB()
        clock.reset()
        let read = TraceFacts.parse(data, file: path)
        let reading = clock.lap()
        precondition(read.errors.isEmpty, "\(read.errors)")
        let index = CandidateIndex(facts: read.facts)
        let indexing = clock.lap()
        let resident = Memory.residentKB()
        print("read \(read.facts.count) facts: \(reading); indexed \(index.count) people: \(indexing); resident \(resident / 1024) MiB (\(before / 1024) MiB before reading)")
        let subjects = people.requests.map(\.demographics)
        clock.reset()
        let ours = await IdentityTrace.resolve(subjects, index: index, rule: rule)
        let matching = clock.lap()
        let exactIndex = ExactKey(read.facts)
        clock.reset()
        let exact = subjects.map { exactIndex.resolve($0) }
        let exactTime = clock.lap()
        let oursTally = Tally(people.requests, ours.map { ($0.linked?.nhsNumber, $0.outcome) })
        let exactTally = Tally(people.requests, exact)
        print("ours: \(oursTally.summary); matching \(matching), \(rate(subjects.count, matching.wall)) requests/s")
        print("exact key: \(exactTally.summary); \(exactTime)")
        print(oursTally.byKind(label: "ours"))
        return """
            \(people.facts.count) facts (\(index.count) people), \(subjects.count) requests; reading \(reading), indexing \(indexing), resident \(String(format: "%.2f", Double(resident) / 1_048_576)) GiB
            | matcher | wrong links | right links (of linkable) | share | review | none | matching time | requests/s |
            |---|---|---|---|---|---|---|---|
            \(oursTally.row("this matcher", matching.description, rate(subjects.count, matching.wall)))
            \(exactTally.row("exact key (before)", exactTime.description, rate(subjects.count, exactTime.wall)))
            """
    }

    // MARK: All three on the smaller set

    static func withSplink(_ o: Options, rule: LinkRule) async -> String {
        var clock = Stopwatch()
        let people = SyntheticPeople(seed: o.seed, facts: o.splinkFacts, requests: o.splinkRequests)
        let index = CandidateIndex(facts: people.facts)
        let subjects = people.requests.map(\.demographics)
        clock.reset()
        let ours = await IdentityTrace.resolve(subjects, index: index, rule: rule)
        let matching = clock.lap()
        let exactIndex = ExactKey(people.facts)
        let exact = subjects.map { exactIndex.resolve($0) }
        let oursTally = Tally(people.requests, ours.map { ($0.linked?.nhsNumber, $0.outcome) })
        let exactTally = Tally(people.requests, exact)
        // Splink sees each person once, with their latest details, as our index keeps them.
        let dir = o.work + "/splink"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        writeSplinkInputs(people, index: index, to: dir)
        clock.reset()
        let run = Process()
        run.executableURL = URL(fileURLWithPath: o.python)
        run.arguments = ["Benchmarks/identity/splink-link.py", dir]
        let pipe = Pipe()
        run.standardOutput = pipe
        do { try run.run() } catch { fatal("cannot run \(o.python): \(error) (make bench-identity installs Splink into .venv)") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        let splinkTime = clock.lap()
        guard run.terminationStatus == 0 else { fatal("splink-link.py failed (exit \(run.terminationStatus))") }
        let timing = output.split(separator: "\n").last.map(String.init) ?? ""
        let best = readSplinkBest(dir + "/splink-best.csv")
        func splinkAt(_ t: Double) -> Tally {
            Tally(people.requests, people.requests.map { r in
                guard let (n, p) = best[r.reference], p >= t else { return (nil, MatchOutcome.none) }
                return (n, .linked)
            })
        }
        let atHalf = splinkAt(0.5)
        // The lowest threshold giving no more wrong links than ours: just above the wrong best pairs' probabilities.
        let wrongProbabilities = people.requests.compactMap { r -> Double? in
            guard let (n, p) = best[r.reference], n != r.person else { return nil }
            return p
        }.sorted(by: >)
        let allowed = oursTally.wrong
        let cut = wrongProbabilities.count > allowed ? wrongProbabilities[allowed].nextUp : 0
        let atOurs = splinkAt(cut)
        print("splink: \(timing) (\(splinkTime) in all, with loading); threshold for \(allowed) wrong link(s): \(cut)")
        print(oursTally.byKind(label: "ours (small)"))
        print(atHalf.byKind(label: "splink 0.5"))
        print(atOurs.byKind(label: "splink at ours"))
        return """
            \(people.facts.count) facts (\(index.count) people), \(subjects.count) requests
            | matcher | wrong links | right links (of linkable) | share | review | none | matching time | requests/s |
            |---|---|---|---|---|---|---|---|
            \(oursTally.row("this matcher", matching.description, rate(subjects.count, matching.wall)))
            \(exactTally.row("exact key (before)", "", ""))
            \(atHalf.row("Splink, probability ≥ 0.5", "\(splinkTime) (\(timing))", rate(subjects.count, splinkTime.wall)))
            \(atOurs.row("Splink, probability ≥ \(String(format: "%.9f", cut)) (\(allowed) wrong)", "", ""))
            """
    }

    static func writeSplinkInputs(_ people: SyntheticPeople, index: CandidateIndex, to dir: String) {
        func clean(_ s: String?) -> String { (s ?? "").lowercased().filter { $0 != "," && $0 != "\"" } }
        var facts = "unique_id,first_name,surname,dob,postcode,sex\n"
        var seen = Set<NHSNumber>()
        for f in people.facts.reversed() where seen.insert(f.nhsNumber).inserted {
            facts += "\(f.nhsNumber.digits),\(clean(f.given?.first)),\(clean(f.family)),\(f.birthDate?.description ?? ""),\(f.postcode ?? ""),\(f.sex?.rawValue ?? "")\n"
        }
        var requests = "unique_id,first_name,surname,dob,postcode,sex\n"
        for r in people.requests {
            let d = r.demographics
            requests += "\(r.reference),\(clean(d.given.first)),\(clean(d.family)),\(d.birthDate?.description ?? ""),\(d.postcode ?? ""),\(d.sex?.rawValue ?? "")\n"
        }
        save(dir + "/splink-facts.csv", Data(facts.utf8))
        save(dir + "/splink-requests.csv", Data(requests.utf8))
    }

    static func readSplinkBest(_ path: String) -> [String: (NHSNumber, Double)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fatal("no \(path)") }
        var out: [String: (NHSNumber, Double)] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            guard f.count == 3, let n = try? NHSNumber(String(f[1])), let p = Double(f[2]) else { continue }
            out[String(f[0])] = (n, p)
        }
        return out
    }

    // MARK: Files

    static func write(_ people: SyntheticPeople, to dir: String) {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        save(dir + "/facts.jsonl", factLines(people.facts))
        var requests = TraceRequests.columns.joined(separator: ",") + "\n"
        var expected = "reference,nhsNumber,kind,designed\n"
        for r in people.requests {
            let d = r.demographics
            requests += [r.reference, d.family ?? "", d.given.first ?? "", d.sex?.rawValue ?? "", d.birthDate?.description ?? "",
                         d.postcode ?? "", d.address.first.map { "\"\($0)\"" } ?? ""].joined(separator: ",") + "\n"
            expected += "\(r.reference),\(r.person?.digits ?? ""),\(r.kind.rawValue),\(r.kind.designed.rawValue)\n"
        }
        save(dir + "/requests.csv", Data(requests.utf8))
        save(dir + "/expected.csv", Data(expected.utf8))
    }

    /// hx.identity.v1 lines as the adapters write them (sorted keys), without JSONEncoder's cost per fact:
    /// every value made up here is plain ASCII without quotes or backslashes.
    static func factLines(_ facts: [IdentityFact]) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(facts.count * 300)
        func s(_ v: String) -> String { "\"" + v + "\"" }
        func list(_ v: [String]) -> String { "[" + v.map(s).joined(separator: ",") + "]" }
        for f in facts {
            var fields: [String] = []
            if let a = f.address { fields.append("\"address\":" + list(a)) }
            if let b = f.birthDate { fields.append("\"birthDate\":" + s(b.description)) }
            if let e = f.earlierFamilies { fields.append("\"earlierFamilies\":" + list(e)) }
            if let e = f.earlierPostcodes { fields.append("\"earlierPostcodes\":" + list(e)) }
            if let v = f.family { fields.append("\"family\":" + s(v)) }
            if let g = f.given { fields.append("\"given\":" + list(g)) }
            fields.append("\"nhsNumber\":" + s(f.nhsNumber.digits))
            if let p = f.postcode { fields.append("\"postcode\":" + s(p)) }
            fields.append("\"recordedAt\":" + s(f.recordedAt.description))
            if let x = f.sex { fields.append("\"sex\":" + s(x.rawValue)) }
            let src = f.source
            fields.append("\"source\":{\"adapter\":\(s(src.adapter)),\"messageId\":\(s(src.messageId)),\"organisation\":\(s(src.organisation)),\"system\":\(s(src.system))}")
            out += ("{" + fields.joined(separator: ",") + "}\n").utf8
        }
        return Data(out)
    }

    // MARK: Odds and ends

    static func loadRule() -> LinkRule? {
        guard let text = try? String(contentsOfFile: "config/identity.yaml", encoding: .utf8) else { return nil }
        func value(_ key: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(key + ":") }.flatMap { Double($0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)) }
        }
        guard let t = value("threshold"), let m = value("margin"), let r = value("reviewThreshold") else { return nil }
        return LinkRule(threshold: t, margin: m, reviewThreshold: r)
    }

    static func rate(_ n: Int, _ seconds: Double) -> String { String(Int((Double(n) / max(seconds, 1e-9)).rounded())) }

    static func options() -> Options {
        var o = Options()
        var args = Array(CommandLine.arguments.dropFirst())
        func value() -> String {
            guard !args.isEmpty else { fatal("an option needs a value") }
            return args.removeFirst()
        }
        if args.first == "generate" {
            args.removeFirst()
            o.generate = value()
        } else if args.first == "index" {
            args.removeFirst()
            o.indexOnly = value()
        }
        while let a = args.first {
            args.removeFirst()
            switch a {
            case "--facts": o.facts = Int(value()) ?? o.facts
            case "--requests": o.requests = Int(value()) ?? o.requests
            case "--seed": o.seed = UInt64(value()) ?? o.seed
            case "--splink-facts": o.splinkFacts = Int(value()) ?? o.splinkFacts
            case "--splink-requests": o.splinkRequests = Int(value()) ?? o.splinkRequests
            case "--no-splink": o.splink = false
            case "--work": o.work = value()
            case "--python": o.python = value()
            default: fatal("unknown argument \(a)")
            }
        }
        return o
    }

    static func save(_ path: String, _ data: Data) {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch { fatal("cannot write \(path): \(error)") }
    }

    static func fatal(_ message: String) -> Never {
        FileHandle.standardError.write(Data("identity-bench: \(message)\n".utf8))
        exit(1)
    }
}

/// Outcomes of one matcher against the right answers.
struct Tally {
    var requests = 0, linkable = 0, right = 0, wrong = 0, review = 0, none = 0
    var kinds: [SyntheticPeople.Kind: (cases: Int, right: Int, wrong: Int, review: Int)] = [:]

    init(_ requests: [SyntheticPeople.Request], _ outcomes: [(NHSNumber?, MatchOutcome)]) {
        for (r, (linked, outcome)) in zip(requests, outcomes) {
            self.requests += 1
            if r.person != nil { linkable += 1 }
            var k = kinds[r.kind] ?? (0, 0, 0, 0)
            k.cases += 1
            switch outcome {
            case .linked:
                if linked == r.person { right += 1; k.right += 1 } else { wrong += 1; k.wrong += 1 }
            case .review: review += 1; k.review += 1
            case .none: none += 1
            }
            kinds[r.kind] = k
        }
    }

    var share: String { String(format: "%.1f %%", 100 * Double(right) / Double(max(1, linkable))) }
    var summary: String { "\(wrong) wrong, \(right) right of \(linkable) linkable (\(share)), \(review) review, \(none) none" }

    func row(_ name: String, _ time: String, _ rate: String) -> String {
        "| \(name) | \(wrong) | \(right) of \(linkable) | \(share) | \(review) | \(none) | \(time) | \(rate) |"
    }

    func byKind(label: String) -> String {
        SyntheticPeople.Kind.allCases.compactMap { kind in
            kinds[kind].map { "  \(label): \(kind.rawValue) (\(kind.designed.rawValue)): \($0.cases) cases, \($0.right) right, \($0.wrong) wrong, \($0.review) review" }
        }.joined(separator: "\n")
    }
}

/// The deterministic matcher of before: exact family name (letters only),
/// birth date and postcode (without spaces); one fact linked, several review.
struct ExactKey {
    var people: [String: [NHSNumber]] = [:]

    init(_ facts: [IdentityFact]) {
        var latest: [NHSNumber: String] = [:]
        for f in facts {
            guard let family = f.family, let birth = f.birthDate, let postcode = f.postcode else { continue }
            latest[f.nhsNumber] = Self.key(family, birth, postcode)
        }
        for (n, key) in latest { people[key, default: []].append(n) }
    }

    static func key(_ family: String, _ birth: CalendarDate, _ postcode: String) -> String {
        family.uppercased().filter { $0.isLetter } + "|" + birth.description + "|" + postcode.uppercased().filter { $0.isLetter || $0.isNumber }
    }

    func resolve(_ d: Demographics) -> (NHSNumber?, MatchOutcome) {
        guard let family = d.family, let birth = d.birthDate, let postcode = d.postcode, let found = people[Self.key(family, birth, postcode)]
        else { return (nil, .none) }
        return found.count == 1 ? (found[0], .linked) : (nil, .review)
    }
}

/// Wall and CPU time since the last lap.
struct Stopwatch: CustomStringConvertible {
    var wallStart = Stopwatch.now(CLOCK_MONOTONIC), cpuStart = Stopwatch.now(CLOCK_PROCESS_CPUTIME_ID)
    var wall = 0.0, cpu = 0.0

    static func now(_ clock: clockid_t) -> Double {
        var t = timespec()
        clock_gettime(clock, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    mutating func reset() {
        wallStart = Self.now(CLOCK_MONOTONIC)
        cpuStart = Self.now(CLOCK_PROCESS_CPUTIME_ID)
    }

    /// The time since the last lap or reset, as a value to print.
    mutating func lap() -> Stopwatch {
        var out = self
        out.wall = Self.now(CLOCK_MONOTONIC) - wallStart
        out.cpu = Self.now(CLOCK_PROCESS_CPUTIME_ID) - cpuStart
        reset()
        return out
    }

    var description: String { String(format: "%.2f s (%.2f s CPU)", wall, cpu) }
}

enum Memory {
    /// This process's resident set now (or its peak), from /proc.
    static func residentKB(peak: Bool = false) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(peak ? "VmHWM:" : "VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
