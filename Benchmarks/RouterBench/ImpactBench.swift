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

enum ImpactBench {
    /// The proposal measured: the acute discharge agreement suspended (flows stop), and the
    /// planning agreement minimising one more field (flows change form).
    static func proposal(_ place: PlaceConfiguration) -> PlaceConfiguration {
        var agreements = place.agreements
        for i in agreements.indices {
            if agreements[i].id == "DSA-HALTON-DISCHARGE-001" { agreements[i].status = .suspended }
            if agreements[i].id == "DSA-HALTON-DISCHARGE-SOCIALCARE-001" { agreements[i].excludedFields.append("payload.medications") }
        }
        return PlaceConfiguration(organisations: place.organisations, groups: place.groups, agreements: agreements)
    }

    static func timeline(_ workload: SyntheticHalton, before time: Int64) -> ReferenceTimeline {
        var timeline = ReferenceTimeline()
        for d in workload.directives { timeline.add(.consent(d), at: time - 1) }
        for f in workload.identityFacts { if let e = IdentityEntry(f) { timeline.add(.identity(e), at: time - 1) } }
        return timeline
    }

    static func impact(_ inputs: [ImpactInput], place: PlaceConfiguration, proposed: PlaceConfiguration, timeline: ReferenceTimeline) -> (DecisionsOnly.Rate, ImpactReport) {
        var replay = ImpactReplay(current: place, proposed: proposed, timeline: timeline)
        let rate = DecisionsOnly.timed(inputs.count) {
            for input in inputs { replay.add(input) }
        }
        precondition(replay.report.decided > 0)
        return (rate, replay.report)
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
        let inputs = routerInputs.map { ImpactInput(topic: $0.topic, timestampMilliseconds: $0.timestampMilliseconds, value: $0.value) }
        let context = DecisionsOnly.context(place, workload)
        let proposed = proposal(place)
        let timeline = timeline(workload, before: inputs[0].timestampMilliseconds!)
        note("\(records) synthetic inputs; warming up")
        _ = impact(Array(inputs.prefix(2_000)), place: place, proposed: proposed, timeline: timeline)
        _ = single(Array(inputs.prefix(2_000)), context: context)
        _ = DecisionsOnly.decide(Array(routerInputs.prefix(2_000)), context: context)
        var impacts: [DecisionsOnly.Rate] = [], singles: [DecisionsOnly.Rate] = [], steps: [DecisionsOnly.Rate] = []
        var report = ImpactReport()
        for round in 1...rounds {
            let (i, r) = impact(inputs, place: place, proposed: proposed, timeline: timeline)
            let s = single(inputs, context: context)
            let d = DecisionsOnly.decide(routerInputs, context: context)
            impacts.append(i)
            singles.append(s)
            steps.append(d)
            report = r
            note(String(format: "round %d: impact %.0f inputs/s (%.0f per CPU s), one decision %.0f (%.0f), RouterStep %.0f (%.0f)",
                        round, i.wall, i.cpu, s.wall, s.cpu, d.wall, d.cpu))
        }
        let median = RouterBench.median
        print("")
        print("Impact report (ImpactReplay: decode, decide under the configuration and a proposal, compare; one thread, no Kafka): "
            + "\(records) synthetic inputs, \(rounds) rounds interleaved, medians; \(ProcessInfo.processInfo.activeProcessorCount) cores.")
        print("Proposal: DSA-HALTON-DISCHARGE-001 suspended, DSA-HALTON-DISCHARGE-SOCIALCARE-001 also excluding payload.medications.")
        print("Against: one decision per input (decode + PolicyEngine.route once), and the router's step (RouterStep.route: decision, audit records, HMAC).")
        print("")
        print("| round | impact inputs/s | per CPU s | CPU µs per input | one decision inputs/s | per CPU s | RouterStep inputs/s | per CPU s | impact / one decision | impact / RouterStep |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for (n, ((i, s), d)) in zip(zip(impacts, singles), steps).enumerated() {
            print(String(format: "| %d | %.0f | %.0f | %.1f | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f |",
                         n + 1, i.wall, i.cpu, 1e6 / i.cpu, s.wall, s.cpu, d.wall, d.cpu, i.cpu / s.cpu, i.cpu / d.cpu))
        }
        print(String(format: "| median | %.0f | %.0f | %.1f | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f |",
                     median(impacts.map(\.wall)), median(impacts.map(\.cpu)), 1e6 / median(impacts.map(\.cpu)),
                     median(singles.map(\.wall)), median(singles.map(\.cpu)), median(steps.map(\.wall)), median(steps.map(\.cpu)),
                     median(zip(impacts, singles).map { $0.cpu / $1.cpu }), median(zip(impacts, steps).map { $0.cpu / $1.cpu })))
        print("")
        print("Report: \(report.decided) decided, \(report.repeats) repeats, \(report.notDecidable) not decidable; "
            + "stop \(report.total(.stop)), start \(report.total(.start)), change form \(report.total(.changeForm)) in \(report.lines.count) lines.")
    }
}
