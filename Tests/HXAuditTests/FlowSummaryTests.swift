import HXAudit
import Testing

/// What `hx run` says flowed and was withheld, from the decisions alone.
@Suite struct FlowSummaryTests {
    static func decision(_ id: String, message: String, recipient: String, _ outcome: AuditOutcome, reasons: [String] = []) -> AuditEntry {
        AuditEntry(
            kind: .decision, decisionId: id, time: "2026-11-20T10:00:00.000Z", messageId: message, recipient: recipient,
            outcome: outcome, reasons: reasons, configurationDigest: "d", inputTopic: "hx.canonical.referral.v1", inputPartition: 0, inputOffset: 0)
    }

    @Test func countsEachDecisionOnceAndSaysWhyMessagesWereWithheld() {
        var chain = AuditChain(id: "router:hx.canonical.referral.v1:0")
        let records = chain.append([
            AuditEntry(kind: .configurationReloaded, decisionId: "r", time: "2026-11-20T10:00:00.000Z", configurationDigest: "d"),
            Self.decision("a", message: "m1", recipient: "RWW", .deliver),
            Self.decision("b", message: "m1", recipient: "HBC-ASC", .deny, reasons: ["no-agreement"]),
            Self.decision("c", message: "m2", recipient: "RWW", .deliverRedacted, reasons: ["sensitivity-redacted:safeguarding"]),
            Self.decision("d", message: "m2", recipient: "HUB-WIDNES-1", .deny, reasons: ["objection", "sensitivity-denied:sexual-health"]),
            Self.decision("e", message: "m3", recipient: "review", .review, reasons: ["identity-unresolved"]),
            AuditEntry(kind: .deadLetter, decisionId: "f", time: "2026-11-20T10:00:00.000Z", reasons: ["canonical-json-invalid"], configurationDigest: "d"),
        ])
        // A retried batch writes the same records again: they count once.
        let summary = FlowSummary(records + records.suffix(3))
        #expect(summary.outcomes == [.deliver: 1, .deliverRedacted: 1, .deny: 2, .review: 1])
        #expect(summary.decisions == 5)
        #expect(summary.messages == 3)
        #expect(summary.sharedWith == ["RWW": 2])
        #expect(summary.redactions == ["sensitivity-redacted:safeguarding": 1])
        #expect(summary.withheld[.deny] == ["no-agreement": 1, "objection": 1, "sensitivity-denied:sexual-health": 1])
        #expect(summary.withheld[.review] == ["identity-unresolved": 1])
        #expect(summary.routerDeadLetters == 1)
        #expect(FlowSummary.listing(["b": 1, "a": 1, "c": 3]) == "c 3, a 1, b 1")
    }
}
