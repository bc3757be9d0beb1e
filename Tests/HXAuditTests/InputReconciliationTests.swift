import HXAudit
import Testing

/// Every input accounted for, every output audited: the rules, on hand-made records.
@Suite struct InputReconciliationTests {
    static func decision(_ id: String, offset: Int, recipient: String, outcome: AuditOutcome) -> AuditEntry {
        AuditEntry(
            kind: .decision, decisionId: id, time: "2026-11-20T10:00:00.000Z", messageId: "m\(offset)", recipient: recipient,
            outcome: outcome, configurationDigest: "d", inputTopic: "hx.canonical.referral.v1", inputPartition: 0, inputOffset: offset)
    }

    static let audit: [AuditRecord] = {
        var chain = AuditChain(id: "router:hx.canonical.referral.v1:0")
        return chain.append([
            decision("a", offset: 0, recipient: "RWW", outcome: .deliver),
            decision("b", offset: 0, recipient: "HBC-ASC", outcome: .deny),
            decision("c", offset: 1, recipient: "review", outcome: .review),
            AuditEntry(kind: .deadLetter, decisionId: "d", time: "2026-11-20T10:00:00.000Z", configurationDigest: "d",
                       inputTopic: "hx.canonical.referral.v1", inputPartition: 0, inputOffset: 2),
        ])
    }()

    static let inputs = (0...4).map { "hx.canonical.referral.v1:0:\($0)" }
    static let outputs: [InputReconciliation.Output] = [
        .init(place: "hx.deliver.rww:0:0", topic: "hx.deliver.rww", decisionId: "a"),
        .init(place: "hx.deliver.rww:0:1", topic: "hx.deliver.rww", decisionId: "a"),  // a repeat
        .init(place: "hx.review.v1:0:0", topic: "hx.review.v1", decisionId: "c"),
    ]

    @Test func everythingAccountedFor() {
        // Offset 3 had no candidate recipient; offset 4 did, and has no record: lost or not yet routed.
        let report = InputReconciliation().reconcile(inputs: Self.inputs, audit: Self.audit + Self.audit, outputs: Self.outputs) {
            $0.hasSuffix(":4") ? .unexplained : .noCandidates
        }
        #expect(report.inputs == 5)
        #expect(report.byOutcome == ["deliver": 1, "deny": 1, "review": 1])
        #expect(report.deadLettered == 1 && report.noCandidates == 1)
        #expect(report.unaccounted == ["hx.canonical.referral.v1:0:4"])
        #expect(report.outputsWithoutAudit.isEmpty && report.decisionsWithoutOutput.isEmpty && report.outputsAgainstDecision.isEmpty)
        #expect(!report.holds)
        let routed = InputReconciliation().reconcile(inputs: Self.inputs, audit: Self.audit, outputs: Self.outputs) {
            $0.hasSuffix(":4") ? .repeatOfDecided : .noCandidates
        }
        #expect(routed.holds && routed.repeats == 1 && routed.noCandidates == 1)
    }

    @Test func onALiveLogOnlyTheInputsGivenAreJudged() {
        // Offset 1 is past the routers' committed position: its review decision is on the
        // trail, but its review record may not be in view yet, and that is not a failure.
        var report = InputReconciliation().reconcile(inputs: [Self.inputs[0]], audit: Self.audit, outputs: [Self.outputs[0]]) { _ in .unexplained }
        #expect(report.holds && report.decisionsWithoutOutput.isEmpty)
        report.pending = 1
        #expect(report.holds && !report.complete)
        // Given, offset 1 must have its review record.
        let judged = InputReconciliation().reconcile(inputs: Array(Self.inputs.prefix(2)), audit: Self.audit, outputs: [Self.outputs[0]]) { _ in .unexplained }
        #expect(judged.decisionsWithoutOutput == ["c"] && !judged.holds)
    }

    @Test func aMessageDecidedAgainIsAccountedForButNotCountedTwice() {
        // The message of offset 0 sent again long after, beyond the router's repeat memory: decided
        // again at offset 5 under the same decision ids, and delivered again (recipients keep the first).
        var chain = AuditChain(id: "router:hx.canonical.referral.v1:0")
        let audit = chain.append([
            Self.decision("a", offset: 0, recipient: "RWW", outcome: .deliver),
            Self.decision("b", offset: 0, recipient: "HBC-ASC", outcome: .deny),
            Self.decision("a", offset: 5, recipient: "RWW", outcome: .deliver),
            Self.decision("b", offset: 5, recipient: "HBC-ASC", outcome: .deny),
        ])
        let inputs = ["hx.canonical.referral.v1:0:0", "hx.canonical.referral.v1:0:5"]
        let outputs: [InputReconciliation.Output] = [
            .init(place: "hx.deliver.rww:0:0", topic: "hx.deliver.rww", decisionId: "a"),
            .init(place: "hx.deliver.rww:0:1", topic: "hx.deliver.rww", decisionId: "a"),
        ]
        let report = InputReconciliation().reconcile(inputs: inputs, audit: audit, outputs: outputs) { _ in .unexplained }
        #expect(report.decidedAgain == ["hx.canonical.referral.v1:0:5"])
        #expect(report.unaccounted.isEmpty, "its records are on the trail: nothing is lost")
        #expect(report.byOutcome == ["deliver": 1, "deny": 1], "the decisions that stand are the first")
        #expect(report.holds)
        // Without the first decision on the trail, offset 5's records are the ones that stand.
        let alone = InputReconciliation().reconcile(inputs: inputs, audit: Array(audit.suffix(2)), outputs: outputs) { _ in .unexplained }
        #expect(alone.decidedAgain.isEmpty && alone.unaccounted == ["hx.canonical.referral.v1:0:0"])
    }

    @Test func outputsMustCarryOutAnAuditedDecision() {
        let wrong: [InputReconciliation.Output] = [
            .init(place: "hx.deliver.hbc-asc:0:0", topic: "hx.deliver.hbc-asc", decisionId: "b"),  // a denial delivered
            .init(place: "hx.deliver.rw4:0:0", topic: "hx.deliver.rw4", decisionId: "a"),  // to another recipient
            .init(place: "hx.deliver.rww:0:9", topic: "hx.deliver.rww", decisionId: "zzz"),  // no audit record at all
        ]
        let report = InputReconciliation().reconcile(inputs: Array(Self.inputs.prefix(3)), audit: Self.audit, outputs: wrong) { _ in .noCandidates }
        #expect(report.outputsAgainstDecision == ["hx.deliver.hbc-asc:0:0", "hx.deliver.rw4:0:0"])
        #expect(report.outputsWithoutAudit == ["hx.deliver.rww:0:9"])
        #expect(report.decisionsWithoutOutput == ["a", "c"], "the delivery to RWW and the review record are missing")
        #expect(!report.holds)
    }
}
