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
        let proposals = proposals(place)
        let timeline = timeline(workload, before: inputs[0].timestampMilliseconds!)
        note("\(records) synthetic inputs; warming up")
        for p in proposals { _ = impact(Array(inputs.prefix(2_000)), place: place, proposed: p.configuration, timeline: timeline) }
        _ = single(Array(inputs.prefix(2_000)), context: context)
        _ = DecisionsOnly.decide(Array(routerInputs.prefix(2_000)), context: context)
        var impacts: [[DecisionsOnly.Rate]] = proposals.map { _ in [] }
        var singles: [DecisionsOnly.Rate] = [], steps: [DecisionsOnly.Rate] = []
        var reports: [ImpactReport] = proposals.map { _ in ImpactReport() }
        for round in 1...rounds {
            // Interleaved, so that another process's load falls on all alike.
            for (n, p) in proposals.enumerated() {
                let (rate, report) = impact(inputs, place: place, proposed: p.configuration, timeline: timeline)
                impacts[n].append(rate)
                reports[n] = report
            }
            let s = single(inputs, context: context)
            let d = DecisionsOnly.decide(routerInputs, context: context)
            singles.append(s)
            steps.append(d)
            note(String(format: "round %d: ", round) + proposals.indices.map { "impact (\(proposals[$0].name)) " + String(format: "%.0f inputs/s (%.0f per CPU s)", impacts[$0][round - 1].wall, impacts[$0][round - 1].cpu) }.joined(separator: ", ")
                + String(format: ", one decision %.0f (%.0f), RouterStep %.0f (%.0f)", s.wall, s.cpu, d.wall, d.cpu))
        }
        let median = RouterBench.median
        print("")
        print("Impact report (ImpactReplay: decode, decide under the configuration and a proposal, compare; one thread, no Kafka): "
            + "\(records) synthetic inputs, \(rounds) rounds interleaved, medians; \(ProcessInfo.processInfo.activeProcessorCount) cores.")
        print("Proposals: one type = DSA-HALTON-DISCHARGE-001 suspended and DSA-HALTON-DISCHARGE-SOCIALCARE-001 excluding payload.medications "
            + "(discharge summaries decided twice, the rest once); every type = an agreement of each message type suspended (every input decided twice).")
        print("Against, per input: one decision (decode + PolicyEngine.route once), and the router's step (RouterStep.route: decision, audit records, HMAC).")
        print("Rates per second of wall-clock time and per CPU second; ratios of CPU rates.")
        print("")
        print("| proposal | impact inputs/s | per CPU s | CPU µs per input | ÷ one decision (\(String(format: "%.0f", median(singles.map(\.cpu)))) per CPU s) | ÷ RouterStep (\(String(format: "%.0f", median(steps.map(\.cpu)))) per CPU s) |")
        print("|---|---|---|---|---|---|")
        for (n, p) in proposals.enumerated() {
            let cpu = median(impacts[n].map(\.cpu))
            print("| \(p.name) " + String(format: "| %.0f | %.0f | %.1f | %.2f | %.2f |", median(impacts[n].map(\.wall)), cpu, 1e6 / cpu,
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
