import Foundation
import HXCanonical
import HXIdentityMatch
import HXPlace
import HXPolicy
import HXReview
import Testing

/// A held message of the repository's sample without an NHS number, with a new id per `n`.
enum Held {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let sample: CanonicalMessage = {
        let url = root.appendingPathComponent("config/tests/messages/discharge-rww-no-nhs-number.json")
        do { return try CanonicalJSON.decode(Data(contentsOf: url)) } catch { fatalError("sample does not read: \(error)") }
    }()

    static func message(_ n: Int) -> CanonicalMessage {
        var m = sample
        m.id = UUIDv5.make(namespace: UUID(uuidString: "5b1f3c2e-8d47-4a69-9e0b-6c2f1a7d3e58")!, name: "RWW|review-test-\(n)")
        return m
    }

    static func item(_ n: Int, partition: Int32 = 0, offset: Int64? = nil, at ms: Int64) -> HeldMessage {
        let m = message(n)
        return HeldMessage(
            place: ReviewPlace(partition: partition, offset: offset ?? Int64(n)), item: "item-\(n)", reasonCode: "identity-unresolved",
            heldAt: Instant(millisecondsSinceEpoch: ms), input: "hx.canonical.discharge-summary.v1:0:\(n)", value: CanonicalJSON.bytes(m))
    }

    static func resolution(of item: HeldMessage, id: String = "r", action: ReviewResolution.Action = .reject) -> ReviewResolution {
        ReviewResolution(
            id: id, item: item.item, place: item.place, messageId: item.message!.id.lowerCaseString, action: action,
            nhsNumber: action == .link ? try! NHSNumber("9434765919") : nil, reviewer: "kim", resolvedAt: Instant(millisecondsSinceEpoch: 5),
            message: item.value)
    }
}

enum PlaceFixture {
    static func configuration() throws -> PlaceConfiguration {
        try PlaceConfiguration.load(directory: Held.root.appendingPathComponent("config"))
    }
}

@Suite struct ReviewQueueTests {
    @Test func openItemsAreOldestFirstWithoutResolvedOnes() {
        let a = Held.item(1, at: 3_000), b = Held.item(2, partition: 1, offset: 0, at: 1_000), c = Held.item(3, at: 2_000)
        let open = ReviewQueue.open(held: [a, b, c], resolutions: [Held.resolution(of: c)])
        #expect(open.map(\.item) == ["item-2", "item-1"])
    }

    @Test func aMessageHeldTwiceIsOneItemAtItsFirstPlace() {
        let first = Held.item(1, offset: 4, at: 1_000)
        var again = first
        again.place = ReviewPlace(partition: 0, offset: 9)
        let open = ReviewQueue.open(held: [again, first], resolutions: [])
        #expect(open.count == 1)
        #expect(open[0].place.offset == 4)
    }

    @Test func theSummaryHasCountAndOldestAgeOnly() {
        let open = [Held.item(1, at: 1_000), Held.item(2, at: 61_000)]
        let summary = ReviewQueue.summary(open, at: Instant(millisecondsSinceEpoch: 2 * 86_400_000 + 1_000))
        #expect(summary.count == 2)
        #expect(summary.oldestAgeSeconds == Double(2 * 86_400))
        #expect(summary.text == "2 held, oldest 2 d 0 h")
        #expect(ReviewQueue.summary([], at: Instant(millisecondsSinceEpoch: 0)) == ReviewSummary(count: 0, oldestAgeSeconds: nil))
    }

    @Test func theFirstResolutionOfAnItemIsTheOneThatCounts() {
        let a = Held.item(1, at: 0)
        let first = Held.resolution(of: a, id: "first", action: .link), second = Held.resolution(of: a, id: "second")
        #expect(ReviewQueue.effective([first, second])["item-1"]?.id == "first")
    }

    @Test func aResolutionKeepsItsBytesAndReadsBack() throws {
        let r = Held.resolution(of: Held.item(1, at: 0), id: "abc", action: .link)
        let read = try ReviewResolution(wire: r.wireBytes)
        #expect(read == r)
        #expect(read.wireBytes == r.wireBytes)
        #expect(read.verdict == .link(try NHSNumber("9434765919")))
        #expect(throws: ReviewResolutionError.self) { try ReviewResolution(wire: Array("{}".utf8)) }
    }

    @Test func placesReadAsShellsWriteThem() {
        #expect(ReviewPlace("2-17") == ReviewPlace(partition: 2, offset: 17))
        #expect(ReviewPlace("2-") == nil)
        #expect(ReviewPlace(partition: 1, offset: 5).logPosition == "hx.review.v1:1:5")
    }
}

@Suite struct ResolutionRulesTests {
    let held = [Held.item(1, at: 0), Held.item(2, at: 0)]

    func refusal(_ request: ResolutionRequest, resolutions: [ReviewResolution] = []) -> ResolutionRefusal.Code? {
        do {
            _ = try ResolutionRules.check(request, held: held, resolutions: resolutions)
            return nil
        } catch { return error.code }
    }

    @Test func aLinkNeedsAValidNHSNumberAndAReason() throws {
        let (item, verdict) = try ResolutionRules.check(
            ResolutionRequest(item: "0-1", action: .link, nhsNumber: "943 476 5919", reason: "Phoned the ward: same person", reviewer: "kim"),
            held: held, resolutions: [])
        #expect(item.item == "item-1")
        #expect(verdict == .link(try NHSNumber("9434765919")))
        // One digit wrong fails the check digit: no record goes to another person's GP.
        #expect(refusal(ResolutionRequest(item: "0-1", action: .link, nhsNumber: "9434765918", reason: "x", reviewer: "kim")) == .nhsNumberInvalid)
        #expect(refusal(ResolutionRequest(item: "0-1", action: .link, nhsNumber: nil, reason: "x", reviewer: "kim")) == .nhsNumberMissing)
        #expect(refusal(ResolutionRequest(item: "0-1", action: .link, nhsNumber: "9434765919", reason: "  ", reviewer: "kim")) == .reasonMissing)
        #expect(refusal(ResolutionRequest(item: "0-1", action: .link, nhsNumber: "9434765919", reason: "x", reviewer: " ")) == .reviewerMissing)
    }

    @Test func anItemIsNamedByPlaceOrDecisionId() throws {
        #expect(try ResolutionRules.check(
            ResolutionRequest(item: "item-2", action: .reject, nhsNumber: nil, reason: "test record", reviewer: "kim"),
            held: held, resolutions: []).1 == .reject)
        #expect(refusal(ResolutionRequest(item: "0-99", action: .reject, nhsNumber: nil, reason: "x", reviewer: "kim")) == .itemUnknown)
        #expect(refusal(ResolutionRequest(item: "0-1", action: .reject, nhsNumber: "9434765919", reason: "x", reviewer: "kim")) == .nhsNumberUnexpected)
    }

    @Test func aSecondResolutionIsRefused() {
        let done = Held.resolution(of: held[0])
        #expect(refusal(ResolutionRequest(item: "0-1", action: .link, nhsNumber: "9434765919", reason: "x", reviewer: "lee"), resolutions: [done])
            == .alreadyResolved)
        #expect(refusal(ResolutionRequest(item: "0-2", action: .reject, nhsNumber: nil, reason: "x", reviewer: "lee"), resolutions: [done]) == nil)
    }
}

@Suite struct ReviewRoutingTests {
    @Test func aLinkedMessageIsDecidedForThePersonWithTheResolutionReason() throws {
        let place = try PlaceFixture.configuration()
        let number = try NHSNumber("9434765919")
        let result = PolicyEngine.route(Held.sample, resolvedAs: .link(number), configuration: place, at: Instant(millisecondsSinceEpoch: 1_795_000_000_000))
        #expect(result.identity == .matched(number))
        #expect(!result.decisions.isEmpty)
        #expect(result.decisions.allSatisfy { $0.reasons.contains(ReasonCode.identityResolved) && $0.outcome != .review })
        #expect(result.decisions.contains { $0.recipient == "N81064" && $0.outcome == .deliver })
        let delivered = result.decisions.compactMap(\.delivery)
        #expect(delivered.allSatisfy { $0.subject.nhsNumber == number && $0.subject.identityStatus == .matched })
    }

    @Test func aRejectedMessageIsOneRejectedDecisionDeliveredNowhere() throws {
        let result = PolicyEngine.route(Held.sample, resolvedAs: .reject, configuration: try PlaceFixture.configuration(), at: Instant(millisecondsSinceEpoch: 0))
        #expect(result.decisions.count == 1)
        #expect(result.decisions[0].outcome == .rejected)
        #expect(result.decisions[0].reasons == [ReasonCode.identityRejected])
        #expect(result.decisions[0].delivery == nil)
    }

    @Test func candidatesShowEveryFieldsAgreement() throws {
        let subject = Held.sample.subject
        let fact = IdentityFact(
            nhsNumber: try NHSNumber("9434765919"), family: "Testlane", given: ["Francis"], sex: .male,
            birthDate: subject.birthDate, postcode: "WA8 9YB",
            source: Source(organisation: "RWW", system: "test", adapter: "test", messageId: "fact-1"),
            recordedAt: RFC3339Timestamp("2026-01-01T00:00:00Z")!)
        let index = CandidateIndex(facts: [fact])
        let found = ReviewCandidates.candidates(for: subject, in: index, rule: LinkRule(threshold: 40, margin: 6, reviewThreshold: 16))
        #expect(found.map(\.fact.nhsNumber.digits) == ["9434765919"])
        let view = try #require(ReviewItemView(Held.item(1, at: 0), candidates: found))
        let fields = Dictionary(uniqueKeysWithValues: view.candidates[0].fields.map { ($0.field, $0.agreement) })
        #expect(fields[.family] == .exact && fields[.birthDate] == .exact && fields[.given] == .close && fields[.address] == .missing)
        #expect(view.subject.first { $0.field == .family }?.held == "Testlane")
    }
}
