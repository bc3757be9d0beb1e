// The Swift side of `bash Benchmarks/hl7-run.sh`: HL7 v2 throughput of HL7v2
// and HXTranslate, to compare with Benchmarks/hl7/python_hl7_bench.py on the
// same corpus in the same run.
//
//   hl7-bench [--rounds R] [--min-seconds S] [--only parse|translate]
//             [--adapter DIR] CORPUS
//   hl7-bench --dump CORPUS          the values the parse measurement reads, one line per message
//
// CORPUS: one message per line, segments separated by CR, messages by LF
// (Benchmarks/hl7/make_corpus.py writes it). Messages are split out and held
// in memory before any timing; file reading is never timed.
//
// Measurements, each R times (default 1), each line `NAME COUNT msgs SECONDS s RATE msg/s`:
//   swift-parse      HL7Message(bytes) for each message, then read MSH-10, the ID of
//                    every PID-3 repetition, PID-5 family and given name, PV1-45 and
//                    DG1-3 of every DG1 (decoded, as python_hl7_bench.py reads them).
//   swift-translate  Translator.translate(configuration:input:) for each message with
//                    the adapter configuration (default adapters/whh-pas-discharge):
//                    bytes → canonical message; ` failed N` follows, N must be 0.
// A measurement repeats the whole corpus until at least --min-seconds (default 1)
// have passed, so COUNT may be a multiple of the corpus size. Before the first
// measurement, 1,000 messages go through each path untimed (warm-up).
import Foundation
import HL7v2
import HXCanonical
import HXTranslate

@main
struct HL7Bench {
    struct Options {
        var rounds = 1
        var minSeconds = 1.0
        var only: String?
        var adapter = "adapters/whh-pas-discharge"
        var dump = false
        var corpus = ""
    }

    static func main() {
        let o = options()
        let messages = loadCorpus(o.corpus)
        if o.dump {
            dump(messages)
            return
        }
        let config: AdapterConfiguration
        switch AdapterConfiguration.load(directory: URL(fileURLWithPath: o.adapter)) {
        case .success(let c): config = c
        case .failure(let e): fail("cannot load the adapter configuration \(o.adapter): \(e)")
        }
        let inputs = messages.map { Data($0) }

        // Warm-up: page in the code and the allocator's free lists; not timed.
        var sink = 0
        for m in messages.prefix(1000) { sink &+= parseAndRead(m) }
        for d in inputs.prefix(1000) { sink &+= Translator.translate(configuration: config, input: d).count }

        for _ in 0..<o.rounds {
            if o.only == nil || o.only == "parse" {
                let (count, seconds, s) = repeatCorpus(minSeconds: o.minSeconds) {
                    var acc = 0
                    for m in messages { acc &+= parseAndRead(m) }
                    return (messages.count, acc)
                }
                sink &+= s
                report("swift-parse", count: count, seconds: seconds)
            }
            if o.only == nil || o.only == "translate" {
                var failed = 0
                var firstFailure: TranslationError?
                let (count, seconds, s) = repeatCorpus(minSeconds: o.minSeconds) {
                    var ok = 0
                    for d in inputs {
                        for outcome in Translator.translate(configuration: config, input: d) {
                            if outcome.message != nil {
                                ok += 1
                            } else {
                                failed += 1
                                if firstFailure == nil { firstFailure = outcome.error }
                            }
                        }
                    }
                    return (inputs.count, ok)
                }
                sink &+= s
                report("swift-translate", count: count, seconds: seconds, suffix: " failed \(failed)")
                if let e = firstFailure {
                    FileHandle.standardError.write(Data("hl7-bench: first failure: \(e.code) at \(e.location): \(e.message)\n".utf8))
                }
            }
        }
        // Keeps the optimiser from dropping the work whose results are otherwise unused.
        if sink == 42 { FileHandle.standardError.write(Data(" \n".utf8)) }
    }

    // MARK: The measured work

    /// Parses one message and reads the benchmark's fields; returns their total
    /// UTF-8 length (cheap for native strings) so that nothing is optimised away.
    @inline(never)
    static func parseAndRead(_ bytes: [UInt8]) -> Int {
        guard let msg = try? HL7Message(bytes) else { return -1 }
        var n = 0
        for v in values(msg) { n &+= v.utf8.count }
        return n
    }

    /// MSH-10, every PID-3 ID, PID-5.1, PID-5.2, PV1-45, DG1-3 of every DG1 (in that order).
    static func values(_ msg: HL7Message) -> [String] {
        var out: [String] = []
        out.reserveCapacity(12)
        out.append(msg["MSH-10"] ?? "")
        if let ids = msg.field("PID-3") {
            for rep in ids.repetitions { out.append(rep.first?.first ?? "") }
        }
        out.append(msg["PID-5.1"] ?? "")
        out.append(msg["PID-5.2"] ?? "")
        out.append(msg["PV1-45"] ?? "")
        for dg1 in msg.segments(named: "DG1") { out.append(dg1.value(field: 3) ?? "") }
        return out
    }

    // MARK: Plumbing

    static func repeatCorpus(minSeconds: Double, _ pass: () -> (Int, Int)) -> (count: Int, seconds: Double, sink: Int) {
        var count = 0, sink = 0
        let start = ContinuousClock.now
        var elapsed = 0.0
        repeat {
            let (c, s) = pass()
            count += c
            sink &+= s
            elapsed = seconds(since: start)
        } while elapsed < minSeconds
        return (count, elapsed, sink)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func report(_ name: String, count: Int, seconds: Double, suffix: String = "") {
        print(String(format: "%@ %d msgs %.3f s %.0f msg/s", name, count, seconds, Double(count) / seconds) + suffix)
        fflush(nil)  // all streams: the result line leaves now, not at exit
    }

    /// One line per message: MSH-10 TAB PID-3 IDs (joined by US, 0x1F) TAB PID-5.1 TAB PID-5.2
    /// TAB PV1-45 TAB DG1-3 codes (joined by US). The same as `python_hl7_bench.py --dump`.
    static func dump(_ messages: [[UInt8]]) {
        var out = ""
        for (i, m) in messages.enumerated() {
            guard let msg = try? HL7Message(m) else { fail("message \(i + 1) does not parse") }
            let pid3 = msg.field("PID-3")?.repetitions.map { $0.first?.first ?? "" } ?? []
            let dg1 = msg.segments(named: "DG1").map { $0.value(field: 3) ?? "" }
            let fields = [msg["MSH-10"] ?? "", pid3.joined(separator: "\u{1F}"), msg["PID-5.1"] ?? "",
                          msg["PID-5.2"] ?? "", msg["PV1-45"] ?? "", dg1.joined(separator: "\u{1F}")]
            out += fields.joined(separator: "\t") + "\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// Messages of the corpus (LF-separated lines; empty lines skipped).
    static func loadCorpus(_ path: String) -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
        let messages = [UInt8](data).split(separator: 0x0A).map { Array($0) }
        guard !messages.isEmpty else { fail("\(path) holds no messages") }
        return messages
    }

    static func options() -> Options {
        var o = Options()
        var args = CommandLine.arguments.dropFirst()
        func value(_ flag: String) -> String {
            guard let v = args.popFirst() else { fail("\(flag) needs a value") }
            return v
        }
        while let a = args.popFirst() {
            switch a {
            case "--rounds": o.rounds = Int(value(a)) ?? 0
            case "--min-seconds": o.minSeconds = Double(value(a)) ?? -1
            case "--only": o.only = value(a)
            case "--adapter": o.adapter = value(a)
            case "--dump": o.dump = true
            case "-h", "--help": usage(0)
            default:
                if a.hasPrefix("-") || !o.corpus.isEmpty { usage(2) }
                o.corpus = a
            }
        }
        if o.corpus.isEmpty || o.rounds < 1 || o.minSeconds < 0 || !(o.only == nil || o.only == "parse" || o.only == "translate") {
            usage(2)
        }
        return o
    }

    static func usage(_ status: Int32) -> Never {
        let text = "usage: hl7-bench [--rounds R] [--min-seconds S] [--only parse|translate] [--adapter DIR] CORPUS\n"
            + "       hl7-bench --dump CORPUS\n"
        FileHandle.standardError.write(Data(text.utf8))
        exit(status)
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("hl7-bench: \(message)\n".utf8))
        exit(1)
    }
}
