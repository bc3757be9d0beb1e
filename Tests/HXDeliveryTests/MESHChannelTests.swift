import HXDelivery
import HXDeliveryTransport
import Synchronization
import Testing
@testable import HXDeliveryWorker

/// How one MESH attempt is judged, and that a send whose answer was lost is
/// found by tracking rather than posted again. The mailbox here is a table in
/// memory (what MESH would hold); MESHDeliveryTests does it against the sandbox.
@Suite struct MESHChannelTests {
    static let decision = "0a6b0d5e-2f0c-4e55-9d3c-1f1e6a3b7c01"
    static var rendered: RenderedDelivery {
        let sample = try! sampleMessages().first { $0.name.hasPrefix("discharge-rww-home") }!.message
        return try! DeliveryRenderer.render(sample, decisionId: decision, recipient: "N81011", format: .canonicalJSON) { _ in nil }
    }

    /// MESH's outbox as a table: local id → (message id, status); `loseNextAnswer` takes the message and loses the answer.
    final class Outbox: MESHMailbox {
        struct State {
            var held: [String: MESHTracked] = [:]
            var posts: [(localId: String, workflow: String, subject: String, fileName: String)] = []
            var loseNextAnswer = false
            var refuse: MESHProblem?
        }
        let state = Mutex(State())

        func handshake() async throws {}
        func send(_ bytes: [UInt8], to: String, workflowId: String, localId: String, subject: String, fileName: String) async throws -> String {
            try state.withLock { s in
                if let refusal = s.refuse { throw refusal }
                s.posts.append((localId, workflowId, subject, fileName))
                let id = "MESH-\(s.posts.count)"
                s.held[localId] = MESHTracked(messageId: id, status: "accepted")
                if s.loseNextAnswer {
                    s.loseNextAnswer = false
                    throw MESHProblem(kind: .outcomeUnknown, detail: "mesh-no-answer")
                }
                return id
            }
        }
        func tracked(localId: String) async throws -> MESHTracked? { state.withLock { $0.held[localId] } }
        func inbox() async throws -> [String] { [] }
        func download(_ messageId: String) async throws -> MESHInboxMessage { throw MESHProblem(kind: .refused, detail: "404") }
        func acknowledge(_ messageId: String) async throws {}
        func close() async {}
    }

    @Test func aSendWhoseAnswerWasLostIsFoundByTrackingNotPostedAgain() async {
        let outbox = Outbox()
        outbox.state.withLock { $0.loseNextAnswer = true }
        let channel = MESHChannel(mailbox: outbox, to: "N81011OT001")
        let (first, firstId) = await channel.send(Self.rendered, decisionId: Self.decision, workflowId: "TOC_FHIR_IP_DISCH")
        guard case .retry(let reason, _, _) = first else { Issue.record("expected a retry, got \(first)"); return }
        #expect(reason == .meshOutcomeUnknown && firstId == nil)
        let (second, secondId) = await channel.send(Self.rendered, decisionId: Self.decision, workflowId: "TOC_FHIR_IP_DISCH")
        guard case .sent(let detail) = second else { Issue.record("expected sent, got \(second)"); return }
        #expect(detail.contains("tracking") && secondId == "MESH-1")
        let posts = outbox.state.withLock { $0.posts }
        #expect(posts.count == 1, "posted once")
        #expect(posts.first?.localId == Self.decision && posts.first?.workflow == "TOC_FHIR_IP_DISCH")
        #expect(posts.first?.subject == "TOC_FHIR_IP_DISCH \(Self.decision)" && posts.first?.fileName == "\(Self.decision).json",
                "subject and file name name the workflow and the decision, never the patient")
    }

    @Test func aMessageMESHGaveUpOnIsSentAgainOnReplay() async {
        let outbox = Outbox()
        outbox.state.withLock { $0.held[Self.decision] = MESHTracked(messageId: "MESH-OLD", status: "undeliverable") }
        let (outcome, id) = await MESHChannel(mailbox: outbox, to: "N81011OT001").send(Self.rendered, decisionId: Self.decision, workflowId: "W")
        #expect(outcome == .sent(detail: "MESH 202") && id == "MESH-1")
    }

    @Test func refusalsAreFinalAndOtherProblemsAreRetried() async {
        for (kind, expected) in [(MESHProblem.Kind.refused, "failed mesh-refused"), (.authentication, "retry mesh-authentication-failed"),
                                 (.unavailable, "retry mesh-unavailable"), (.outcomeUnknown, "retry mesh-outcome-unknown")] {
            let outbox = Outbox()
            outbox.state.withLock { $0.refuse = MESHProblem(kind: kind, detail: "HTTP x") }
            let (outcome, _) = await MESHChannel(mailbox: outbox, to: "T").send(Self.rendered, decisionId: Self.decision, workflowId: "W")
            switch outcome {
            case .failed(let reason, _): #expect("failed \(reason.rawValue)" == expected)
            case .retry(let reason, _, _): #expect("retry \(reason.rawValue)" == expected)
            case .sent: Issue.record("\(kind) was sent")
            }
        }
    }
}
