import HXAudit
import HXCanonical
import HXDelivery
import HXPlace
import Testing
@testable import HXDeliveryWorker

/// What a MESH delivery worker records when ITK3 responses, MESH REPORTs or
/// nothing at all come back, without MESH or Kafka.
@Suite struct AcknowledgementTrackerTests {
    static let d1 = "0a6b0d5e-2f0c-4e55-9d3c-1f1e6a3b7c01"
    static let d2 = "0a6b0d5e-2f0c-4e55-9d3c-1f1e6a3b7c02"
    static let hour: Int64 = 3_600_000
    /// 2026-05-28T20:26:40Z
    static let t0: Int64 = 1_780_000_000_000

    static func header(_ decisionId: String) -> String { "header-of-\(decisionId)" }

    static func tracker(infrastructure: Int64? = hour, business: Int64? = 24 * hour) -> AcknowledgementTracker {
        AcknowledgementTracker(limits: .init(infrastructure: infrastructure, business: business), messageHeaderId: header)
    }

    static func sent(_ decisionId: String, at ms: Int64 = t0, mesh: String = "MESHID-1") -> DeliveryStatus {
        DeliveryStatus(decisionId: decisionId, recipient: "N81011", status: .sent, time: time(ms), attempt: 1, transport: "mesh",
                       format: "itk3", detail: "MESH 202", messageId: "m-1", messageType: "discharge-summary", agreementId: "a-1",
                       deliveryTopic: "hx.deliver.N81011", partition: 0, offset: 3, meshMessageId: mesh)
    }

    static func time(_ ms: Int64) -> String { AuditTime.rfc3339(Instant(millisecondsSinceEpoch: ms))! }

    /// Writes what it decides, as the worker does, so the next decision sees it.
    static func write(_ step: AcknowledgementTracker.Step, into tracker: inout AcknowledgementTracker, at ms: Int64 = t0) -> DeliveryStatus {
        let status = tracker.status(step, time: time(ms))!
        tracker.note(status)
        return status
    }

    @Test func positiveResponsesAreRecordedOnceEach() throws {
        var tracker = Self.tracker()
        tracker.note(Self.sent(Self.d1))
        let infra = AcknowledgementTracker.Arrival.itk3Response(respondsTo: Self.header(Self.d1), kind: .infrastructure, positive: true, code: nil)
        guard case .step(let step) = tracker.correlate(infra) else { Issue.record("not correlated"); return }
        #expect(step.status == .infrastructureAcknowledged && step.decisionId == Self.d1 && step.reason == nil)
        let written = Self.write(step, into: &tracker)
        #expect(written.meshMessageId == "MESHID-1" && written.offset == 3 && written.messageId == "m-1", "the sent status's ids and place")
        #expect(tracker.correlate(infra) == .alreadyRecorded(decisionId: Self.d1), "downloaded again after a crash: nothing new")

        // Header ids are UUIDs: a practice that writes them in upper case still matches.
        let business = AcknowledgementTracker.Arrival.itk3Response(respondsTo: Self.header(Self.d1).uppercased(), kind: .business, positive: true, code: nil)
        guard case .step(let second) = tracker.correlate(business) else { Issue.record("not correlated"); return }
        #expect(second.status == .businessAcknowledged)
        _ = Self.write(second, into: &tracker)
        #expect(tracker.outstanding.isEmpty, "nothing more is owed")
        #expect(tracker.correlate(business) == .alreadyRecorded(decisionId: Self.d1))
        #expect(tracker.overdue(now: Self.t0 + 100 * Self.hour).isEmpty)
    }

    @Test func aNegativeResponseFailsTheDeliveryWithItsCode() {
        var tracker = Self.tracker()
        tracker.note(Self.sent(Self.d1))
        let arrival = AcknowledgementTracker.Arrival.itk3Response(respondsTo: Self.header(Self.d1), kind: .business, positive: false, code: "30001")
        guard case .step(let step) = tracker.correlate(arrival) else { Issue.record("not correlated"); return }
        #expect(step.status == .failed && step.reason == "itk3-negative-response")
        #expect(step.detail.contains("30001") && step.detail.contains("business"))
        _ = Self.write(step, into: &tracker)
        #expect(tracker.correlate(arrival) == .alreadyRecorded(decisionId: Self.d1), "a failed delivery is owed nothing more")
        #expect(tracker.correlate(.report(localId: Self.d1, meshMessageId: nil, code: "14")) == .alreadyRecorded(decisionId: Self.d1),
                "a report downloaded again after a crash is recognised (and acknowledged in MESH)")
    }

    @Test func aReportFailsTheDeliveryByLocalIdOrMESHMessageId() {
        var tracker = Self.tracker()
        tracker.note(Self.sent(Self.d1, mesh: "MESH-A"))
        tracker.note(Self.sent(Self.d2, mesh: "MESH-B"))
        guard case .step(let byLocal) = tracker.correlate(.report(localId: Self.d1.uppercased(), meshMessageId: nil, code: "14")) else {
            Issue.record("not correlated"); return
        }
        #expect(byLocal.decisionId == Self.d1 && byLocal.status == .failed && byLocal.reason == "mesh-non-delivery" && byLocal.detail.contains("14"))
        guard case .step(let byMESH) = tracker.correlate(.report(localId: nil, meshMessageId: "MESH-B", code: nil)) else {
            Issue.record("not correlated"); return
        }
        #expect(byMESH.decisionId == Self.d2)
        #expect(tracker.correlate(.report(localId: "someone-else", meshMessageId: "MESH-Z", code: nil)) == .unknown)
        #expect(tracker.correlate(.itk3Response(respondsTo: "not-ours", kind: .infrastructure, positive: true, code: nil)) == .unknown)
    }

    @Test func lateAcknowledgementsAreOverdueOncePerKind() {
        var tracker = Self.tracker()
        tracker.note(Self.sent(Self.d1))
        #expect(tracker.overdue(now: Self.t0 + Self.hour).isEmpty, "exactly at the limit is not late")
        let late = tracker.overdue(now: Self.t0 + Self.hour + 1)
        #expect(late.map(\.reason) == ["infrastructure-acknowledgement-overdue"] && late.map(\.status) == [.overdue])
        #expect(late[0].detail == "no ITK3 infrastructure acknowledgement within 1h of sending")
        _ = Self.write(late[0], into: &tracker)
        #expect(tracker.overdueCount == 1)
        #expect(tracker.overdue(now: Self.t0 + 2 * Self.hour).isEmpty, "once per kind")

        // The acknowledgement that comes after all is still recorded; the business one may yet be late.
        guard case .step(let infra) = tracker.correlate(.itk3Response(respondsTo: Self.header(Self.d1), kind: .infrastructure, positive: true, code: nil))
        else { Issue.record("not correlated"); return }
        _ = Self.write(infra, into: &tracker)
        #expect(tracker.overdueCount == 0)
        #expect(tracker.overdue(now: Self.t0 + 25 * Self.hour).map(\.reason) == ["business-acknowledgement-overdue"])
    }

    @Test func withoutLimitsNothingIsOverdue() {
        var tracker = AcknowledgementTracker(limits: nil, messageHeaderId: Self.header)
        tracker.note(Self.sent(Self.d1))
        #expect(tracker.overdue(now: Self.t0 + 1_000 * Self.hour).isEmpty)
    }

    /// A restarted worker notes its recipient's past statuses in topic order and
    /// stands where the one before it stood.
    @Test func rebuiltFromPastStatusesItDecidesWhatTheFirstWouldHave() {
        var first = Self.tracker()
        var history: [DeliveryStatus] = []
        for (id, mesh) in [(Self.d1, "MESH-A"), (Self.d2, "MESH-B")] {
            let s = Self.sent(id, mesh: mesh)
            first.note(s)
            history.append(s)
        }
        // Retries and another transport's statuses are not its concern.
        var retry = Self.sent(Self.d2)
        retry.status = .retrying
        history.insert(retry, at: 0)
        for step in first.overdue(now: Self.t0 + 2 * Self.hour) { history.append(Self.write(step, into: &first)) }
        if case .step(let ack) = first.correlate(.itk3Response(respondsTo: Self.header(Self.d1), kind: .infrastructure, positive: true, code: nil)) {
            history.append(Self.write(ack, into: &first))
        }

        var rebuilt = Self.tracker()
        for status in history { rebuilt.note(status) }
        #expect(rebuilt.outstanding == first.outstanding)
        #expect(rebuilt.overdue(now: Self.t0 + 2 * Self.hour).isEmpty, "no second overdue after a restart")
        #expect(rebuilt.overdueCount == 1, "d2 still owes its infrastructure acknowledgement")
        #expect(rebuilt.correlate(.itk3Response(respondsTo: Self.header(Self.d1), kind: .infrastructure, positive: true, code: nil))
                == .alreadyRecorded(decisionId: Self.d1))
        #expect(rebuilt.overdue(now: Self.t0 + 25 * Self.hour).map(\.decisionId) == [Self.d1, Self.d2])
    }
}
