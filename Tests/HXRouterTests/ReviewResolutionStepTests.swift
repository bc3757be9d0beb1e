import Foundation
@testable import HXAudit
import HXCanonical
import HXKafka
import HXPlace
import HXPolicy
import HXReview
import Testing
@testable import HXRouter

/// The router's step for a reviewer's resolution (pure): the held message decided
/// again with the resolution applied, once, its decisions naming the resolution.
@Suite struct ReviewResolutionStepTests {
    static let held: (input: RouterInput, message: CanonicalMessage) = {
        let url = Place.root.appendingPathComponent("config/tests/messages/discharge-rww-no-nhs-number.json")
        let message = try! CanonicalJSON.decode(Data(contentsOf: url))
        let input = RouterInput(topic: MessageType.dischargeSummary.topic, partition: 0, offset: 0,
                                timestampMilliseconds: 1_795_000_000_000, value: CanonicalJSON.bytes(message))
        return (input, message)
    }()

    static func resolution(_ action: ReviewResolution.Action, id: String = "res-1", offset: Int = 0) -> RouterInput {
        let r = ReviewResolution(
            id: id, item: "held-item", place: ReviewPlace(partition: 0, offset: 0), messageId: held.message.id.lowerCaseString,
            action: action, nhsNumber: action == .link ? try! NHSNumber("9434765919") : nil, reviewer: "kim",
            resolvedAt: Instant(millisecondsSinceEpoch: 1_795_000_100_000), message: held.input.value)
        return RouterInput(topic: HXTopic.reviewResolution, partition: 1, offset: offset, timestampMilliseconds: 1_795_000_100_000, value: r.wireBytes)
    }

    static func route(_ inputs: [RouterInput]) -> RouterWrites {
        var state = Place.newChain(inputs[0])
        var writes = RouterWrites()
        for input in inputs { RouterStep.route(input, chain: &state, context: Place.context(), into: &writes) }
        return writes
    }

    @Test func theHeldMessageGoesToReviewThenALinkDeliversItToThePersonsRecipients() throws {
        let first = Self.route([Self.held.input])
        #expect(first.outputs.map(\.topic) == [HXTopic.review])
        let heldDecision = try AuditRecord(wire: first.audit[0].value)

        let writes = Self.route([Self.resolution(.link)])
        let records = try writes.audit.map { try AuditRecord(wire: $0.value) }
        #expect(!records.isEmpty)
        #expect(records.allSatisfy { $0.details["resolution"] == "res-1" && $0.nhsNumber == "9434765919" })
        #expect(records.allSatisfy { $0.reasons.contains(ReasonCode.identityResolved) && $0.chainId == "router:hx.review-resolution.v1:1" })
        #expect(!writes.outputs.contains { $0.topic == HXTopic.review })
        let delivered = writes.outputs.filter { $0.topic.hasPrefix("hx.deliver.") }
        #expect(delivered.contains { $0.topic == "hx.deliver.n81064" })
        // Decision ids as for a message that came with the number: recipients de-duplicate by them.
        let ids = delivered.compactMap { $0.headers.first { $0.name == HXHeader.decisionID }?.text }
        #expect(ids.contains(AuditIdentifiers.decisionId(messageId: Self.held.message.id, recipient: "N81064")))
        #expect(!ids.contains(heldDecision.decisionId))
        #expect(delivered.allSatisfy { $0.timestampMilliseconds == 1_795_000_100_000 })
    }

    @Test func aSecondResolutionOfTheSameMessageInTheChainWritesNothing() {
        let once = Self.route([Self.resolution(.link)])
        let twice = Self.route([Self.resolution(.link), Self.resolution(.reject, id: "res-2", offset: 1)])
        #expect(twice.audit.map(\.value) == once.audit.map(\.value))
        #expect(twice.outputs.map(\.value) == once.outputs.map(\.value))
        #expect(twice.tally[RouterTally(outcome: "repeat", reason: RouterReasonCode.repeatedMessage)] == 1)
    }

    @Test func aRejectionIsOneAuditedRejectedDecisionAndNoDelivery() throws {
        let writes = Self.route([Self.resolution(.reject)])
        #expect(writes.outputs.isEmpty)
        let records = try writes.audit.map { try AuditRecord(wire: $0.value) }
        #expect(records.count == 1)
        #expect(records[0].outcome == .rejected && records[0].reasons == [ReasonCode.identityRejected])
        #expect(records[0].details["resolution"] == "res-1")
        #expect(records[0].decisionId != AuditIdentifiers.decisionId(messageId: Self.held.message.id, recipient: "review"))
    }

    @Test func anUnreadableResolutionIsADeadLetter() {
        var input = Self.resolution(.link)
        input.value = Array("{\"schema\":\"nope\"}".utf8)
        let writes = Self.route([input])
        #expect(writes.outputs.map(\.topic) == [HXTopic.deadLetter])
        #expect(writes.tally.keys.contains { $0.outcome == "dead-letter" })
    }

    @Test func theSameResolutionAndChainGiveTheSameBytes() {
        #expect(Self.route([Self.resolution(.link)]).audit.map(\.value) == Self.route([Self.resolution(.link)]).audit.map(\.value))
    }
}
