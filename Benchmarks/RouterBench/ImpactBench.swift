// `router-bench --impact`: the impact report's work (`hx config impact` without Kafka): each input
// decoded and decided under two configurations, the differences added up. Against, in the same run
// and interleaved: one decision per input (decode + PolicyEngine.route under one configuration) and
// the router's whole decision step (RouterStep.route, as `--decisions-only`). One thread.
import Foundation
import HXCanonical
import HXImpact
import HXPlace
import HXPolicy
import HXRouter
import HXWorkload
import Synchronization

enum ImpactBench {
    /// The proposals measured. One message type: the acute discharge agreement suspended
    /// (flows stop) and social care's discharge agreement minimising one more field (flows
    /// change form); other messages are decided once, since the proposal cannot change them.
    /// Every type: an agreement of each type suspended, so every input is decided twice.
    static func proposals(_ place: PlaceConfiguration) -> [(name: String, configuration: PlaceConfiguration)] {
        func changing(_ change: (inout SharingAgreement) -> Void) -> PlaceConfiguration {
            var agreements = place.agreements
            for i in agreements.indices { change(&agreements[i]) }
            return PlaceConfiguration(organisations: place.organisations, groups: place.groups, agreements: agreements)
        }
        let oneType = changing { a in
            if a.id == "DSA-HALTON-DISCHARGE-001" { a.status = .suspended }
            if a.id == "DSA-HALTON-DISCHARGE-SOCIALCARE-001" { a.excludedFields.append("payload.medications") }
        }
        let everyType = changing { a in
            if ["DSA-HALTON-DISCHARGE-001", "DSA-HALTON-SOCIALCARE-NOTIFY-001", "DSA-HALTON-REFERRAL-COMMUNITY-001"].contains(a.id) { a.status = .suspended }
        }
        return [("one type", oneType), ("every type", everyType)]
    }

    static func timeline(_ workload: SyntheticHalton, before time: Int64) -> ReferenceTimeline {
        var timeline = ReferenceTimeline()
        for d in workload.directives { timeline.add(.consent(d), at: time - 1) }
        for f in workload.identityFacts { timeline.add(.identity(f), at: time - 1) }
        return timeline
    }

    /// The inputs of each input partition, in order: `hx config impact` reads and decides partition by partition.
    static func partitions(_ inputs: [RouterInput]) -> [[ImpactInput]] {
        var order: [String] = []
        var byPartition: [String: [ImpactInput]] = [:]
        for input in inputs {
            let key = "\(input.topic):\(input.partition)"
            if byPartition[key] == nil { order.append(key) }
            byPartition[key, default: []].append(ImpactInput(topic: input.topic, timestampMilliseconds: input.timestampMilliseconds, value: input.value))
        }
        return order.map { byPartition[$0]! }
    }

    /// As `hx config impact` decides: `workers` at once, each with its own replay and share of the
    /// partitions (round robin), the reports merged.
    static func impact(_ partitions: [[ImpactInput]], workers: Int, place: PlaceConfiguration, proposed: PlaceConfiguration,
                       timeline: ReferenceTimeline) -> (DecisionsOnly.Rate, ImpactReport) {
        let parts = Mutex<[ImpactReport]>([])
        let count = partitions.reduce(0) { $0 + $1.count }
        let rate = DecisionsOnly.timed(count) {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var replay = ImpactReplay(current: place, proposed: proposed, timeline: timeline)
                for p in partitions.indices where p % workers == w {
                    replay.beginPartition()
                    for input in partitions[p] { replay.add(input) }
                }
                let report = replay.report
                parts.withLock { $0.append(report) }
            }
        }
        var report = ImpactReport()
        for part in parts.withLock({ $0 }) { report.merge(part) }
        precondition(report.decided > 0)
        return (rate, report)
    }

    /// One decision per input: what the report does, once.
    static func single(_ inputs: [ImpactInput], context: RouterContext) -> DecisionsOnly.Rate {
        var deliveries = 0
        let rate = DecisionsOnly.timed(inputs.count) {
            for input in inputs {
                guard let time = input.timestampMilliseconds, let message = try? CanonicalJSON.decode(input.value) else { continue }
                let result = PolicyEngine.route(message, configuration: context.configuration, consent: context.consent,
                                                identities: context.identities, at: Instant(millisecondsSinceEpoch: time))
                deliveries += result.decisions.count { $0.outcome == .deliver || $0.outcome == .deliverRedacted }
            }
        }
        precondition(deliveries > 0)
        return rate
    }

    static func run(records: Int, rounds: Int, place: PlaceConfiguration) {
        var workload = SyntheticHalton()
        let routerInputs = DecisionsOnly.inputs(workload: &workload, count: records)
        let partitions = partitions(routerInputs)
        let inputs = partitions.flatMap { $0 }
        let context = DecisionsOnly.context(place, workload)
        let proposals = proposals(place)
        var timeline = timeline(workload, before: inputs[0].timestampMilliseconds!)
        timeline.advance(to: Int64.min)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        // One thread (the cost per input, comparable with one decision and RouterStep), then one per core as the command runs.
        let runs: [(name: String, proposal: Int, workers: Int)] = proposals.indices.flatMap { p in
            [(proposals[p].name + ", 1 thread", p, 1), (proposals[p].name + ", \(cores) threads", p, cores)]
        }
        note("\(records) synthetic inputs in \(partitions.count) partitions; warming up")
        for r in runs { _ = impact(partitions.map { Array($0.prefix(200)) }, workers: r.workers, place: place, proposed: proposals[r.proposal].configuration, timeline: timeline) }
        _ = single(Array(inputs.prefix(2_000)), context: context)
        _ = DecisionsOnly.decide(Array(routerInputs.prefix(2_000)), context: context)
        var impacts: [[DecisionsOnly.Rate]] = runs.map { _ in [] }
        var singles: [DecisionsOnly.Rate] = [], steps: [DecisionsOnly.Rate] = []
        var reports: [ImpactReport] = proposals.map { _ in ImpactReport() }
        for round in 1...rounds {
            // Interleaved, so that another process's load falls on all alike.
            for (n, r) in runs.enumerated() {
                let (rate, report) = impact(partitions, workers: r.workers, place: place, proposed: proposals[r.proposal].configuration, timeline: timeline)
                impacts[n].append(rate)
                if r.workers == 1 { reports[r.proposal] = report } else { precondition(report == reports[r.proposal], "the threads' merged report differs") }
            }
            let s = single(inputs, context: context)
            let d = DecisionsOnly.decide(routerInputs, context: context)
            singles.append(s)
            steps.append(d)
            note(String(format: "round %d: ", round) + runs.indices.map { "impact (\(runs[$0].name)) " + String(format: "%.0f inputs/s (%.0f per CPU s)", impacts[$0][round - 1].wall, impacts[$0][round - 1].cpu) }.joined(separator: ", ")
                + String(format: ", one decision %.0f (%.0f), RouterStep %.0f (%.0f)", s.wall, s.cpu, d.wall, d.cpu))
        }
        let median = RouterBench.median
        print("")
        print("Impact report (ImpactReplay: decode, decide under the configuration and a proposal, compare; no Kafka): "
            + "\(records) synthetic inputs in \(partitions.count) partitions, \(rounds) rounds interleaved, medians; \(cores) cores.")
        print("Proposals: one type = DSA-HALTON-DISCHARGE-001 suspended and DSA-HALTON-DISCHARGE-SOCIALCARE-001 excluding payload.medications "
            + "(discharge summaries decided twice, the rest once); every type = an agreement of each message type suspended (every input decided twice).")
        print("Against, per input on one thread: one decision (decode + PolicyEngine.route once), and the router's step (RouterStep.route: decision, audit records, HMAC).")
        print("Rates per second of wall-clock time and per CPU second; ratios of CPU rates.")
        print("")
        print("| impact report | inputs/s | per CPU s | CPU µs per input | ÷ one decision (\(String(format: "%.0f", median(singles.map(\.cpu)))) per CPU s) | ÷ RouterStep (\(String(format: "%.0f", median(steps.map(\.cpu)))) per CPU s) |")
        print("|---|---|---|---|---|---|")
        for (n, r) in runs.enumerated() {
            let cpu = median(impacts[n].map(\.cpu))
            print("| \(r.name) " + String(format: "| %.0f | %.0f | %.1f | %.2f | %.2f |", median(impacts[n].map(\.wall)), cpu, 1e6 / cpu,
                                            median(zip(impacts[n], singles).map { $0.cpu / $1.cpu }), median(zip(impacts[n], steps).map { $0.cpu / $1.cpu })))
        }
        print("")
        for (n, p) in proposals.enumerated() {
            let r = reports[n]
            print("Report (\(p.name)): \(r.decided) decided, \(r.repeats) repeats, \(r.notDecidable) not decidable; "
                + "stop \(r.total(.stop)), start \(r.total(.start)), change form \(r.total(.changeForm)) in \(r.lines.count) lines.")
        }
    }
}
