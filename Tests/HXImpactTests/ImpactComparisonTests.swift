import Foundation
import HXCanonical
import HXImpact
import HXPlace
import HXPolicy
import HXWorkload
import Testing

/// The Halton configuration, variants of it, and synthetic traffic decided under two of them.
enum Halton {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let configuration: PlaceConfiguration = {
        do { return try PlaceConfiguration.load(directory: root.appendingPathComponent("config")) } catch { fatalError("config/ does not load: \(error)") }
    }()
    static let discharge = "DSA-HALTON-DISCHARGE-001"
    static let planning = "DSA-HALTON-PLANNING-001"
    /// Record times of the traffic: 2026-11-18, with every agreement used in force.
    static let base: Int64 = 1_795_000_000_000

    /// The configuration with one agreement changed.
    static func changing(_ id: String, _ change: (inout SharingAgreement) -> Void) -> PlaceConfiguration {
        var agreements = configuration.agreements
        let i = agreements.firstIndex { $0.id == id }!
        change(&agreements[i])
        return PlaceConfiguration(organisations: configuration.organisations, groups: configuration.groups, agreements: agreements)
    }

    /// The workload's consent and identities, written before any input.
    static func timeline(_ workload: SyntheticHalton) -> ReferenceTimeline {
        var timeline = ReferenceTimeline()
        for d in workload.directives { timeline.add(.consent(d), at: base - 1_000) }
        for f in workload.identityFacts { timeline.add(.identity(f), at: base - 1_000) }
        return timeline
    }

    /// `count` synthetic inputs decided under `current` and `proposed`.
    static func replay(_ count: Int, current: PlaceConfiguration = configuration, proposed: PlaceConfiguration) -> (ImpactReplay, [SyntheticHalton.Record]) {
        var workload = SyntheticHalton(seed: 11)
        var replay = ImpactReplay(current: current, proposed: proposed, timeline: timeline(workload))
        var records: [SyntheticHalton.Record] = []
        for i in 0..<count {
            let r = workload.next(index: i)
            records.append(r)
            replay.add(ImpactInput(topic: r.topic, timestampMilliseconds: base + Int64(i), value: r.value))
        }
        return (replay, records)
    }

    /// Deliveries under `configuration`, counted by (agreement, recipient), decided as the router decides them.
    static func deliveries(_ records: [SyntheticHalton.Record], under configuration: PlaceConfiguration) -> [String: Int] {
        let workload = SyntheticHalton(seed: 11)
        let consent = ConsentState(directives: workload.directives)
        let identities = IdentityIndex(facts: workload.identityFacts)
        var seen: Set<UUID> = []
        var counts: [String: Int] = [:]
        for (i, r) in records.enumerated() {
            guard let m = r.message, seen.insert(m.id).inserted else { continue }
            let result = PolicyEngine.route(m, configuration: configuration, consent: consent, identities: identities,
                                            at: Instant(millisecondsSinceEpoch: base + Int64(i)))
            for d in result.decisions where d.outcome == .deliver || d.outcome == .deliverRedacted {
                counts["\(d.agreement?.id ?? "-") \(d.recipient)", default: 0] += 1
            }
        }
        return counts
    }
}

@Suite struct ImpactComparisonTests {
    @Test func anIdenticalConfigurationChangesNothing() {
        let (replay, _) = Halton.replay(2_000, proposed: Halton.configuration)
        let r = replay.report
        #expect(r.lines.isEmpty)
        #expect(r.changedInputs == 0)
        #expect(r.flowsCurrent == r.flowsProposed)
        #expect(r.flowsCurrent > 1_000)
        #expect(r.decided + r.repeats + r.notDecidable == r.inputs)
        #expect(r.repeats > 0 && r.notDecidable > 0, "the synthetic traffic holds repeats and broken records")
    }

    @Test func aSuspensionStopsExactlyTheFlowsUnderThatAgreement() {
        let proposed = Halton.changing(Halton.discharge) { $0.status = .suspended }
        let (replay, records) = Halton.replay(2_000, proposed: proposed)
        let r = replay.report
        #expect(!r.lines.isEmpty)
        #expect(r.lines.keys.allSatisfy { $0.change == .stop && $0.agreement == Halton.discharge && $0.reason == ReasonCode.agreementNotActive })
        #expect(r.total(.start) == 0 && r.total(.changeForm) == 0)
        // Each recipient's stops are exactly the deliveries it gets today under the agreement and not under the proposal.
        let before = Halton.deliveries(records, under: Halton.configuration)
        let after = Halton.deliveries(records, under: proposed)
        for (key, count) in r.lines {
            let flow = "\(Halton.discharge) \(key.recipient)"
            #expect(count.messages == before[flow, default: 0] - after[flow, default: 0], "\(flow)")
        }
        #expect(r.total(.stop) == r.flowsCurrent - r.flowsProposed)
        // Other message types are decided once (the proposal cannot change them), and still counted.
        #expect(replay.affectedTypes == [.dischargeSummary])
        #expect(r.flowsCurrent == before.values.reduce(0, +) && r.flowsProposed == after.values.reduce(0, +))
        #expect(r.total(.stop) == before.filter { $0.key.hasPrefix(Halton.discharge + " ") }.values.reduce(0, +))
    }

    @Test func onlyMessageTypesWhoseAgreementsOrPartiesChangeAreDecidedTwice() {
        func affected(_ proposed: PlaceConfiguration) -> Set<MessageType> {
            ImpactReplay(current: Halton.configuration, proposed: proposed).affectedTypes
        }
        #expect(affected(Halton.configuration).isEmpty)
        #expect(affected(Halton.changing(Halton.planning) { $0.recipients.append("RX7") }) == [.dischargeSummary, .referral])
        var organisations = Halton.configuration.organisations
        organisations[0].hub = "HUB-WIDNES-1"
        let moved = PlaceConfiguration(organisations: organisations, groups: Halton.configuration.groups, agreements: Halton.configuration.agreements)
        #expect(affected(moved) == Set(MessageType.allCases))
    }

    @Test func excludingAFieldChangesTheFormNotTheFlow() {
        let proposed = Halton.changing(Halton.discharge) { $0.excludedFields.append("payload.medications") }
        let (replay, _) = Halton.replay(2_000, proposed: proposed)
        let r = replay.report
        #expect(r.total(.stop) == 0 && r.total(.start) == 0)
        #expect(r.total(.changeForm) > 0)
        #expect(r.flowsCurrent == r.flowsProposed)
        for (key, count) in r.lines {
            #expect(key.change == .changeForm && key.agreement == Halton.discharge && key.reason == ImpactReason.minimisationChanged)
            #expect(count.fieldsRemoved == ["payload.medications": count.messages])
            #expect(count.fieldsRestored.isEmpty)
        }
    }

    @Test func redactingALabelIsAChangeOfFormWithItsReasonAndItsFields() {
        let proposed = Halton.changing(Halton.discharge) { a in
            a.allow.removeAll { $0 == .mentalHealth }
            a.redact.append(.mentalHealth)
        }
        let (replay, _) = Halton.replay(2_000, proposed: proposed)
        let r = replay.report
        #expect(r.total(.stop) == 0 && r.total(.start) == 0 && r.total(.changeForm) > 0)
        for (key, count) in r.lines {
            #expect(key.reason == ReasonCode.sensitivityRedacted(.mentalHealth))
            #expect(count.fieldsRemoved["payload.diagnoses[]"] == count.messages)
        }
    }

    @Test func aNewRecipientStartsFlows() {
        let proposed = Halton.changing(Halton.planning) { $0.recipients.append("RX7") }
        let (replay, _) = Halton.replay(2_000, proposed: proposed)
        let r = replay.report
        #expect(r.total(.start) > 0)
        #expect(r.total(.stop) == 0 && r.total(.changeForm) == 0)
        #expect(r.lines.keys.allSatisfy { $0 == ImpactKey(change: .start, agreement: Halton.planning, recipient: "RX7", reason: ImpactReason.notCandidate) })
        #expect(r.flowsProposed - r.flowsCurrent == r.total(.start))
    }

    @Test func theReportHoldsNoPatientIdentifier() throws {
        let proposed = Halton.changing(Halton.discharge) { a in
            a.status = .suspended
        }
        let (replay, records) = Halton.replay(2_000, proposed: Halton.changing(Halton.planning) { $0.recipients.append("RX7") })
        let (suspended, _) = Halton.replay(2_000, proposed: proposed)
        let heading = ImpactRendering.Heading(current: "config", currentDigest: Halton.configuration.configurationDigest, proposed: "proposed",
                                              proposedDigest: proposed.configurationDigest, from: "2026-11-18T00:00:00Z", to: "2026-11-19T00:00:00Z")
        let workload = SyntheticHalton(seed: 11)
        for report in [replay.report, suspended.report] {
            let rendering = ImpactRendering(heading: heading, report: report)
            for text in [rendering.table, rendering.json.rendered] {
                #expect(text.contains("RX7") || text.contains("agreement-not-active"), "the report says something")
                for person in workload.people { #expect(!text.contains(person.digits), "an NHS number in the report") }
                for r in records.prefix(500) {
                    guard let m = r.message else { continue }
                    #expect(!text.contains(m.id.uuidString.lowercased()) && !text.contains(m.id.uuidString), "a message id in the report")
                    if let family = m.subject.name?.family { #expect(!text.contains(family)) }
                    if let postcode = m.subject.postcode { #expect(!text.contains(postcode)) }
                }
            }
            // The JSON is for tools: it parses.
            _ = try JSONSerialization.jsonObject(with: Data(rendering.json.rendered.utf8))
        }
    }
}

@Suite struct ReferenceTimelineTests {
    static let person = try! NHSNumber("9990000379")
    static let entry = IdentityFact(
        nhsNumber: person, family: "Testperson", birthDate: CalendarDate("1950-01-01")!, postcode: "WA8 0AA",
        source: Source(organisation: "RWW", system: "pas", adapter: "test", messageId: "fact"), recordedAt: RFC3339Timestamp("2026-01-01T00:00:00Z")!)

    @Test func stateIsAsWrittenByTheInputsTime() {
        var timeline = ReferenceTimeline()
        timeline.add(.identity(Self.entry), at: 2_000)
        timeline.add(.consent(ConsentDirective(nhsNumber: Self.person, directive: .objection, scope: .all, recordedAt: RFC3339Timestamp("2026-01-01T00:00:00Z")!)), at: 3_000)
        let at = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
        func known() -> (Bool, Bool) {
            (timeline.identities.match(family: "Testperson", birthDate: CalendarDate("1950-01-01"), postcode: "WA8 0AA") == .unique(Self.person),
             timeline.consent.objects(Self.person, to: "N81035", at: at))
        }
        timeline.advance(to: 1_999)
        #expect(known() == (false, false))
        timeline.advance(to: 2_000)
        #expect(known() == (true, false))
        timeline.advance(to: 5_000)
        #expect(known() == (true, true))
        // An input earlier than what was applied: the state goes back with it.
        timeline.advance(to: 2_500)
        #expect(known() == (true, false))
        timeline.advance(to: 0)
        #expect(known() == (false, false))
    }

    @Test func withinAPartitionTheStateDoesNotGoBackForAnEarlierRecordTime() throws {
        // A record timed before the one ahead of it (another sender's clock): the router had
        // read the fact by then, so it matched; in a new partition the state starts again.
        var workload = SyntheticHalton(seed: 3)
        var found: (SyntheticHalton.Record, IdentityFact)?
        for i in 0..<5_000 where found == nil {
            let r = workload.next(index: i)
            guard let m = r.message, m.subject.nhsNumber == nil, m.type == .dischargeSummary, m.source.organisation != "RW4", m.sensitivity.isEmpty,
                  let fact = workload.identityFacts.first(where: {
                      $0.family == m.subject.name?.family && $0.birthDate == m.subject.birthDate && $0.postcode == m.subject.postcode
                  }) else { continue }
            found = (r, fact)
        }
        let (record, fact) = try #require(found)
        let proposed = Halton.changing(Halton.discharge) { $0.status = .suspended }
        var timeline = ReferenceTimeline()
        timeline.add(.identity(fact), at: Halton.base)
        var replay = ImpactReplay(current: Halton.configuration, proposed: proposed, timeline: timeline)
        let other = workload.next(index: 9_999)
        replay.add(ImpactInput(topic: other.topic, timestampMilliseconds: Halton.base + 10, value: other.value))
        let before = replay.report.total(.stop)
        replay.add(ImpactInput(topic: record.topic, timestampMilliseconds: Halton.base - 10, value: record.value))
        #expect(replay.report.total(.stop) > before, "decided with the fact known by the later record")
        replay.beginPartition()
        let again = replay.report.total(.stop)
        replay.add(ImpactInput(topic: record.topic, timestampMilliseconds: Halton.base - 10, value: record.value))
        #expect(replay.report.total(.stop) == again, "a new partition starts from its own first record time")
    }

    @Test func anIdentityWrittenAfterTheInputDoesNotMatchIt() {
        // A discharge with no NHS number: matched (and delivered) only once the fact is known.
        var workload = SyntheticHalton(seed: 3)
        var found: (SyntheticHalton.Record, IdentityFact)?
        for i in 0..<5_000 where found == nil {
            let r = workload.next(index: i)
            // From an acute trust (DSA-HALTON-DISCHARGE-001), nothing sensitive, a person identity facts know.
            guard let m = r.message, m.subject.nhsNumber == nil, m.type == .dischargeSummary, m.source.organisation != "RW4", m.sensitivity.isEmpty,
                  let fact = workload.identityFacts.first(where: {
                      $0.family == m.subject.name?.family && $0.birthDate == m.subject.birthDate && $0.postcode == m.subject.postcode
                  }) else { continue }
            found = (r, fact)
        }
        guard let (record, fact) = found else { Issue.record("no unmatched discharge of a known person in the traffic"); return }
        let proposed = Halton.changing(Halton.discharge) { $0.status = .suspended }
        for (factTime, stops) in [(Halton.base - 1, true), (Halton.base + 1, false)] {
            var timeline = ReferenceTimeline()
            timeline.add(.identity(fact), at: factTime)
            var replay = ImpactReplay(current: Halton.configuration, proposed: proposed, timeline: timeline)
            replay.add(ImpactInput(topic: record.topic, timestampMilliseconds: Halton.base, value: record.value))
            #expect((replay.report.total(.stop) > 0) == stops, "identity written at \(factTime)")
        }
    }
}
