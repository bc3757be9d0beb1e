import Foundation
import HXAudit
import HXCanonical
import HXPlace
import HXPolicy
import Testing

/// The router's pure core over the Halton configuration: real canonical
/// messages → PolicyEngine → audit records and deliveries → verifier.
@Suite("End to end over the Halton configuration")
struct EndToEndTests {
    static let names = [
        "discharge-rww-home", "discharge-rww-carehome-safeguarding", "discharge-rww-no-nhs-number",
        "referral-gp-to-bridgewater", "social-care-care-package",
    ]
    static let start = Instant(rfc3339: "2026-03-02T12:00:00Z")!
    static let key = AuditKey(bytes: Array("halton-audit-test-key-32-bytes!!".utf8))

    struct Run {
        var records: [AuditRecord] = []
        var deliveries: [DeliveryEnvelope] = []
        var results: [(message: CanonicalMessage, result: RoutingResult)] = []
    }

    /// What a router with one partition per canonical topic would write, in order.
    static func route(_ names: [String], config: PlaceConfiguration) throws -> Run {
        var run = Run()
        var chains: [String: AuditChain] = [:]
        var offsets: [String: Int] = [:]
        for (i, name) in names.enumerated() {
            let message = try Fixture.message(name)
            let topic = message.type.topic
            let offset = offsets[topic, default: 0]
            offsets[topic] = offset + 1
            let input = AuditInput(topic: topic, partition: 0, offset: offset, timestamp: Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + Int64(i) * 60_000))
            var chain = chains[topic] ?? AuditChain.router(topic: topic, partition: 0, key: key)
            if chain.nextSequence == 1 {
                // The router records the configuration it starts deciding with.
                run.records.append(chain.append(try AuditRecordBuilder.configurationReloaded(
                    input: input, previousDigest: nil, newDigest: config.configurationDigest)))
            }
            let result = PolicyEngine.route(message, configuration: config, at: input.timestamp)
            let output = try AuditRecordBuilder.output(
                for: result, message: message, input: input, configurationDigest: config.configurationDigest, chain: &chain)
            chains[topic] = chain
            run.records += output.records
            run.deliveries += output.deliveries
            run.results.append((message, result))
        }
        return run
    }

    @Test func routedMessagesGiveAVerifiableChainAndMatchingDeliveries() throws {
        let config = try Fixture.configuration()
        let run = try Self.route(Self.names, config: config)

        // Every decision is one record, in decision order; plus one reload per chain.
        let decisions = run.results.flatMap { $0.result.decisions }
        let decisionRecords = run.records.filter { $0.kind == .decision }
        #expect(decisionRecords.count == decisions.count)
        #expect(run.records.filter { $0.kind == .configurationReloaded }.count == 3)
        #expect(Set(decisions.map(\.outcome)) == [.deliver, .deliverRedacted, .deny, .review])

        var index = 0
        for (message, result) in run.results {
            for d in result.decisions {
                let r = decisionRecords[index]
                index += 1
                #expect(r.decisionId == AuditIdentifiers.decisionId(messageId: message.id, recipient: d.recipient))
                #expect(r.messageId == message.id.uuidString.lowercased())
                #expect(r.messageType == message.type.rawValue)
                #expect(r.nhsNumber == message.subject.nhsNumber?.digits)
                #expect(r.source == AuditSource(organisation: message.source.organisation, adapter: message.source.adapter))
                #expect(r.recipient == d.recipient && r.recipientKind == d.recipientKind)
                #expect(r.outcome?.rawValue == d.outcome.rawValue)
                #expect(r.reasons == d.reasons && r.removedFields == d.removedFields)
                #expect(r.agreementId == d.agreement?.id && r.agreementVersion == d.agreement?.version)
                #expect(r.configurationDigest == config.configurationDigest)
                #expect(r.chainId == "router:\(message.type.topic):0")

                let envelopes = run.deliveries.filter { $0.decisionId == r.decisionId }
                if d.outcome == .deliver || d.outcome == .deliverRedacted {
                    #expect(envelopes.count == 1)
                    guard let e = envelopes.first, let delivered = d.delivery else { continue }
                    #expect(e.topic == "hx.deliver.\(d.recipient.lowercased())")
                    #expect(e.key == message.subject.nhsNumber?.digits)
                    #expect(e.headers == [
                        DeliveryEnvelope.Header(name: "hx-decision-id", value: r.decisionId),
                        DeliveryEnvelope.Header(name: "hx-agreement-id", value: d.agreement?.id ?? ""),
                    ])
                    #expect(e.value == Array(CanonicalJSON.encode(delivered)))
                    #expect(try CanonicalJSON.decode(Data(e.value)) == delivered)
                } else {
                    #expect(envelopes.isEmpty)
                }
            }
        }

        // The person without an NHS number goes to review, with no number recorded.
        let review = decisionRecords.filter { $0.outcome == .review }
        #expect(review.count == 1 && review[0].nhsNumber == nil && review[0].recipient == "review")
        #expect(review[0].reasons == ["identity-unresolved"])
        // Redacted text never reaches a recipient.
        let redacted = decisionRecords.filter { $0.outcome == .deliverRedacted }
        #expect(!redacted.isEmpty)
        for r in redacted {
            let value = run.deliveries.first { $0.decisionId == r.decisionId }.map { String(decoding: $0.value, as: UTF8.self) } ?? ""
            #expect(!value.contains("unexplained bruising") && !value.contains("Section 42"))
        }

        // The audit topic as a consumer reads it: wire bytes, then verified.
        let read = try run.records.map { try AuditRecord(wire: $0.wireBytes) }
        let report = AuditVerifier(key: Self.key).verify(read)
        #expect(report.isValid, "\(report.problems)")
        #expect(report.chains.count == 3)
        #expect(report.chains.map(\.records).reduce(0, +) == run.records.count)
    }

    @Test func rebuildingFromTheSameInputsGivesTheSameBytes() throws {
        let config = try Fixture.configuration()
        let a = try Self.route(Self.names, config: config)
        let b = try Self.route(Self.names, config: try Fixture.configuration())
        #expect(a.records.map(\.wireBytes) == b.records.map(\.wireBytes))
        #expect(a.deliveries == b.deliveries)
    }

    @Test func aRedoneBatchAfterARestartRepeatsExactlyAndVerifies() throws {
        let config = try Fixture.configuration()
        let digest = config.configurationDigest
        let topic = MessageType.dischargeSummary.topic
        let messages = try ["discharge-rww-home", "discharge-rww-carehome-safeguarding", "discharge-merseycare"].map(Fixture.message)
        func input(_ offset: Int) -> AuditInput {
            AuditInput(topic: topic, partition: 0, offset: offset, timestamp: Instant(millisecondsSinceEpoch: Self.start.millisecondsSinceEpoch + Int64(offset) * 1000))
        }
        func decide(_ offset: Int, _ chain: inout AuditChain) throws -> [AuditRecord] {
            let result = PolicyEngine.route(messages[offset], configuration: config, at: input(offset).timestamp)
            return try AuditRecordBuilder.records(for: result, message: messages[offset], input: input(offset), configurationDigest: digest, chain: &chain)
        }

        var chain = AuditChain.router(topic: topic, partition: 0, key: Self.key)
        let committed = try decide(0, &chain)
        // Offsets 1 and 2 are decided and written, but the transaction aborts;
        // a broker lets the records through anyway.
        let aborted = try decide(1, &chain) + decide(2, &chain)
        // The restarted router resumes from the record of the last committed offset.
        var resumed = try AuditChain.resume(from: committed.last!, key: Self.key)
        let redone = try decide(1, &resumed) + decide(2, &resumed)
        #expect(redone.map(\.wireBytes) == aborted.map(\.wireBytes))

        let report = AuditVerifier(key: Self.key).verify(committed + aborted + redone)
        #expect(report.isValid)
        #expect(report.chains.first?.duplicates == redone.count)

        // Had the configuration changed in between, the redo is not the same
        // record at the same place: the verifier calls that a conflict.
        var changed = try AuditChain.resume(from: committed.last!, key: Self.key)
        let result = PolicyEngine.route(messages[1], configuration: config, at: input(1).timestamp)
        let different = try AuditRecordBuilder.records(
            for: result, message: messages[1], input: input(1), configurationDigest: String(repeating: "0", count: 64), chain: &changed)
        let p = AuditVerifier(key: Self.key).verify(committed + aborted + different).problems.first
        #expect(p?.kind == .conflict && p?.sequence == committed.count + 1)
    }

    @Test func deadLettersAreChainedAtTheirOffset() throws {
        let config = try Fixture.configuration()
        let input = AuditInput(topic: MessageType.referral.topic, partition: 2, offset: 17, timestamp: Self.start)
        var chain = AuditChain.router(topic: input.topic, partition: 2)
        let bytes = Array(#"{"schema":"hx.canonical/1","id":"#.utf8)
        let reason: String
        do {
            _ = try CanonicalJSON.decode(Data(bytes))
            reason = "unexpected"
        } catch {
            reason = error.code
        }
        let entry = try AuditRecordBuilder.deadLetter(input: input, reasonCode: reason, value: bytes, configurationDigest: config.configurationDigest)
        let record = chain.append(entry)
        #expect(record.reasons == ["canonical-json-syntax"])
        #expect(record.chainId == "router:hx.canonical.referral.v1:2" && record.inputOffset == 17)
        #expect(record.decisionId == AuditIdentifiers.deadLetterId(topic: input.topic, partition: 2, offset: 17))
        #expect(record.outcome == nil && record.recipient == nil && record.messageId == nil)
        #expect(AuditVerifier().verify([record]).isValid)
    }

    @Test func aResultForAnotherMessageIsRefused() throws {
        let config = try Fixture.configuration()
        let a = try Fixture.message("discharge-rww-home")
        let b = try Fixture.message("referral-gp-to-bridgewater")
        let result = PolicyEngine.route(a, configuration: config, at: Self.start)
        let input = AuditInput(topic: b.type.topic, partition: 0, offset: 0, timestamp: Self.start)
        #expect(throws: AuditBuildError.self) {
            try AuditRecordBuilder.entries(for: result, message: b, input: input, configurationDigest: config.configurationDigest)
        }
        var tampered = result
        tampered.decisions.append(tampered.decisions[0])
        #expect(throws: AuditBuildError.duplicateRecipient(tampered.decisions[0].recipient)) {
            try AuditRecordBuilder.entries(for: tampered, message: a, input: input, configurationDigest: config.configurationDigest)
        }
        var noMessage = result
        if let i = noMessage.decisions.firstIndex(where: { $0.outcome == .deliver }) {
            noMessage.decisions[i].delivery = nil
            #expect(throws: AuditBuildError.deliveryIncomplete(recipient: noMessage.decisions[i].recipient)) {
                try DeliveryEnvelope.envelopes(for: noMessage)
            }
        } else {
            Issue.record("discharge-rww-home should be delivered to someone")
        }
    }
}
