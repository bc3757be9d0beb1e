// `router-bench --decisions-only`: the router's decision step (RouterStep.route) alone, on one
// thread, no broker, against a baseline measured in the same run, so a change to the step's
// CPU cost shows as a ratio that does not depend on how busy the machine is.
import Crypto
import Foundation
import HXAudit
import HXCanonical
import HXPlace
import HXPolicy
import HXRouter
import HXWorkload

enum DecisionsOnly {
    /// Inputs as the router would read them, without Kafka: the synthetic records spread over
    /// the canonical topics' six partitions by key (a stable hash, not Kafka's murmur2: only
    /// the spread matters), offsets counted per partition, one fixed timestamp (agreements in force).
    static func inputs(workload: inout SyntheticHalton, count: Int) -> [RouterInput] {
        let timestamp: Int64 = 1_795_687_200_000  // 2026-11-20T10:00:00Z
        var offsets: [String: Int] = [:]
        return (0..<count).map { i in
            let r = workload.next(index: i)
            var hash: UInt32 = 2_166_136_261
            for b in r.key.utf8 { hash = (hash ^ UInt32(b)) &* 16_777_619 }
            let partition = Int(hash % 6)
            let place = "\(r.topic):\(partition)"
            let offset = offsets[place, default: 0]
            offsets[place] = offset + 1
            return RouterInput(topic: r.topic, partition: partition, offset: offset, timestampMilliseconds: timestamp, value: r.value)
        }
    }

    /// What every benchmark decides under: the place, the workload's consent and identities.
    static func context(_ place: PlaceConfiguration, _ workload: SyntheticHalton) -> RouterContext {
        RouterContext(
            configuration: place, consent: ConsentState(directives: workload.directives),
            identities: IdentityIndex(facts: workload.identityFacts), auditPartitions: 6, instance: "bench")
    }

    /// RouterStep with chains that start empty, one per input partition, as on a fresh log.
    struct FreshChains {
        var chains: [String: RouterChainState] = [:]

        mutating func route(_ input: RouterInput, context: RouterContext, into writes: inout RouterWrites) {
            let id = AuditChain.routerChainId(topic: input.topic, partition: input.partition)
            RouterStep.route(input, chain: &chains[id, default: RouterChainState(chain: AuditChain(id: id), lastDigest: nil)], context: context, into: &writes)
        }
    }

    /// Inputs per second of wall-clock time and per second of the process's CPU time. On a
    /// shared machine the CPU figure is the steadier: waiting for a core does not count.
    struct Rate {
        var wall: Double
        var cpu: Double
    }

    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func timed(_ count: Int, _ work: () -> Void) -> Rate {
        let cpu = cpuSeconds()
        let start = ContinuousClock.now
        work()
        let wall = seconds(ContinuousClock.now - start)
        return Rate(wall: Double(count) / wall, cpu: Double(count) / (cpuSeconds() - cpu))
    }

    /// Every input through RouterStep with fresh chains.
    static func decide(_ inputs: [RouterInput], context: RouterContext) -> Rate {
        var chains = FreshChains()
        var outputs = 0
        let rate = timed(inputs.count) {
            for input in inputs {
                var writes = RouterWrites()
                chains.route(input, context: context, into: &writes)
                outputs += writes.outputs.count + writes.audit.count
            }
        }
        precondition(outputs > 0)
        return rate
    }

    /// The baseline: Foundation's JSONDecoder and JSONEncoder (the canonical options) over the
    /// same records, decode then encode each canonical message once. Written out here rather
    /// than through CanonicalJSON so that it stays the same whatever CanonicalJSON becomes.
    static func foundationRoundTrip(_ inputs: [RouterInput]) -> Rate {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = 0
        let rate = timed(inputs.count) {
            for input in inputs {
                guard let message = try? JSONDecoder().decode(CanonicalMessage.self, from: Data(input.value)) else { continue }
                bytes += (try? encoder.encode(message).count) ?? 0
            }
        }
        precondition(bytes > 0)
        return rate
    }

    /// A fingerprint (SHA-1) of everything RouterStep writes for `inputs`, in order: topic,
    /// partition, key, value, headers and timestamp of each output and audit record. Two builds
    /// that print the same fingerprint wrote the same bytes.
    static func fingerprint(_ inputs: [RouterInput], context: RouterContext) -> (digest: String, outputs: Int, audit: Int) {
        var chains = FreshChains()
        var sha = Insecure.SHA1()
        var outputs = 0, audit = 0
        func field(_ bytes: [UInt8]) {
            var n = UInt32(bytes.count).bigEndian
            withUnsafeBytes(of: &n) { sha.update(bufferPointer: $0) }
            sha.update(data: bytes)
        }
        for input in inputs {
            var writes = RouterWrites()
            chains.route(input, context: context, into: &writes)
            outputs += writes.outputs.count
            audit += writes.audit.count
            for m in writes.outputs + writes.audit {
                field(Array(m.topic.utf8))
                field(Array((m.partition.map { String($0) } ?? "-").utf8))
                field(m.key ?? [])
                field(m.value)
                for h in m.headers {
                    field(Array(h.name.utf8))
                    field(h.value ?? [])
                }
                field(Array((m.timestampMilliseconds.map { String($0) } ?? "-").utf8))
            }
        }
        return (Hex.string(sha.finalize()), outputs, audit)
    }

    static func run(records: Int, rounds: Int, place: PlaceConfiguration) {
        var workload = SyntheticHalton()
        let inputs = inputs(workload: &workload, count: records)
        let context = context(place, workload)
        let average = Double(inputs.reduce(0) { $0 + $1.value.count }) / Double(inputs.count)
        let print0 = fingerprint(inputs, context: context)
        note(String(format: "%d synthetic inputs, %.0f B average value; warming up", records, average))
        _ = decide(Array(inputs.prefix(2_000)), context: context)
        _ = foundationRoundTrip(Array(inputs.prefix(2_000)))
        var decided: [Rate] = [], baseline: [Rate] = []
        for round in 1...rounds {
            // Interleaved, so that another process's load falls on both alike.
            let d = decide(inputs, context: context)
            let b = foundationRoundTrip(inputs)
            decided.append(d)
            baseline.append(b)
            note(String(format: "round %d: decisions %.0f msg/s (%.0f per CPU second), Foundation decode+encode %.0f msg/s (%.0f per CPU second), ratio %.2f",
                        round, d.wall, d.cpu, b.wall, b.cpu, d.cpu / b.cpu))
        }
        let median = RouterBench.median
        let dm = median(decided.map(\.cpu)), bm = median(baseline.map(\.cpu))
        print("")
        print("Decisions alone (RouterStep.route, one thread, no Kafka): \(records) synthetic inputs "
            + String(format: "(%.0f B average value), %d rounds interleaved with the baseline, medians; ", average, rounds)
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores.")
        print("Baseline: Foundation JSONDecoder + JSONEncoder (sorted keys) of each canonical message once.")
        print("Rates per second of wall-clock time, and per second of the process's CPU time (the steadier on a shared machine); the ratio is of CPU rates.")
        print("")
        print("| round | decisions msg/s | per CPU s | CPU µs per input | baseline msg/s | per CPU s | decisions / baseline |")
        print("|---|---|---|---|---|---|---|")
        for (i, (d, b)) in zip(decided, baseline).enumerated() {
            print(String(format: "| %d | %.0f | %.0f | %.1f | %.0f | %.0f | %.2f |", i + 1, d.wall, d.cpu, 1e6 / d.cpu, b.wall, b.cpu, d.cpu / b.cpu))
        }
        print(String(format: "| median | %.0f | %.0f | %.1f | %.0f | %.0f | %.2f |", median(decided.map(\.wall)), dm, 1e6 / dm,
                     median(baseline.map(\.wall)), bm, median(zip(decided, baseline).map { $0.cpu / $1.cpu })))
        print("")
        print("Output fingerprint: \(print0.outputs) outputs and \(print0.audit) audit records, SHA-1 \(print0.digest)")
    }
}
