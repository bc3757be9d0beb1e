import Foundation
@testable import HXAudit
import HXCanonical
import HXKafka
import HXPlace
import HXPolicy
import HXTranslate
import Testing
@testable import HXRouter
@testable import HXWorkload

@Suite struct AuditPlacementTests {
    /// Kafka's own murmur2 test vectors (the Java client's UtilsTest), as signed 32-bit values.
    @Test(arguments: [
        ("21", Int32(-973_932_308)), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829), ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
        ("abc", 479_470_107),
    ])
    func murmur2MatchesKafka(key: String, expected: Int32) {
        #expect(Int32(bitPattern: AuditPlacement.murmur2(Array(key.utf8))) == expected)
    }

    @Test func aChainAlwaysLandsOnOnePartitionWithinRange() {
        for p in 0..<6 {
            let id = AuditChain.routerChainId(topic: MessageType.referral.topic, partition: p)
            let partition = AuditPlacement.partition(chainId: id, partitions: 6)
            #expect((0..<6).contains(partition))
            #expect(AuditPlacement.partition(chainId: id, partitions: 6) == partition)
        }
    }
}

/// Inputs and context shared by the pure tests: the real Halton configuration.
enum Place {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let configuration: PlaceConfiguration = {
        do { return try PlaceConfiguration.load(directory: root.appendingPathComponent("config")) } catch { fatalError("config/ does not load: \(error)") }
    }()

    static func context(_ configuration: PlaceConfiguration = configuration, workload: SyntheticHalton = SyntheticHalton()) -> RouterContext {
        RouterContext(
            configuration: configuration, consent: ConsentState(directives: workload.directives),
            identities: IdentityIndex(facts: workload.identityFacts), auditPartitions: 6, instance: "test")
    }

    /// `count` records of synthetic traffic as router inputs on one partition of each topic.
    static func inputs(_ count: Int, seed: UInt64 = 7) -> [RouterInput] {
        var workload = SyntheticHalton(seed: seed)
        var offsets: [String: Int] = [:]
        return (0..<count).map { i in
            let r = workload.next(index: i)
            defer { offsets[r.topic, default: 0] += 1 }
            return RouterInput(topic: r.topic, partition: 0, offset: offsets[r.topic] ?? 0,
                               timestampMilliseconds: 1_795_000_000_000 + Int64(i), value: r.value)
        }
    }

    static func newChain(_ input: RouterInput) -> RouterChainState {
        RouterChainState(chain: AuditChain.router(topic: input.topic, partition: input.partition), lastDigest: nil)
    }
}

@Suite struct RouterStepTests {
    @Test func theSameInputAndChainGiveTheSameBytes() {
        let context = Place.context()
        for input in Place.inputs(200) {
            var a = Place.newChain(input), b = Place.newChain(input)
            var first = RouterWrites(), second = RouterWrites()
            RouterStep.route(input, chain: &a, context: context, into: &first)
            RouterStep.route(input, chain: &b, context: context, into: &second)
            #expect(first.outputs.map(\.value) == second.outputs.map(\.value))
            #expect(first.audit.map(\.value) == second.audit.map(\.value))
            #expect(first.audit.map(\.partition) == second.audit.map(\.partition))
            #expect(a.chain.previousHash == b.chain.previousHash)
            // Every written record carries the input's time, never the clock's.
            #expect((first.outputs + first.audit).allSatisfy { $0.timestampMilliseconds == input.timestampMilliseconds })
        }
    }

    /// The deliveries and audit records are byte for byte what the reference coders write
    /// (Foundation's JSONEncoder for canonical messages, AuditJSON for audit records), and
    /// each record is hashed over the reference's canonical bytes.
    @Test func writesTheBytesTheReferenceCodersWrite() throws {
        let context = Place.context()
        var chains: [String: RouterChainState] = [:]
        var deliveries = 0, records = 0
        for input in Place.inputs(600, seed: 19) {
            var writes = RouterWrites()
            RouterStep.route(input, chain: &chains[input.topic, default: Place.newChain(input)], context: context, into: &writes)
            for m in writes.outputs where m.topic.hasPrefix("hx.deliver.") {
                deliveries += 1
                #expect(m.value == Array(CodableCanonicalJSON.encode(try CodableCanonicalJSON.decode(Data(m.value)))))
            }
            for m in writes.audit {
                records += 1
                let record = try AuditRecord(wire: m.value)
                #expect(m.value == record.json(sealed: true).bytes)
                #expect(record.hash == AuditHashing.sha256Hex(record.json(sealed: false).bytes))
            }
        }
        #expect(deliveries > 500 && records > 1_000)
    }

    @Test func oneAuditRecordPerDecisionAndADeliveryPerDeliverDecision() throws {
        let context = Place.context()
        var outcomes: Set<String> = []
        for input in Place.inputs(300) {
            guard let message = try? CanonicalJSON.decode(Data(input.value)) else { continue }
            let expected = PolicyEngine.route(message, configuration: context.configuration, consent: context.consent,
                                              identities: context.identities, at: Instant(millisecondsSinceEpoch: input.timestampMilliseconds!))
            var state = Place.newChain(input)
            var writes = RouterWrites()
            RouterStep.route(input, chain: &state, context: context, into: &writes)
            let records = try writes.audit.map { try AuditRecord(wire: $0.value) }
            #expect(records.map(\.recipient) == expected.decisions.map(\.recipient))
            #expect(records.map { $0.outcome?.rawValue } == expected.decisions.map(\.outcome.rawValue))
            let delivering = expected.decisions.filter { $0.outcome == .deliver || $0.outcome == .deliverRedacted }
            let deliveries = writes.outputs.filter { $0.topic.hasPrefix("hx.deliver.") }
            #expect(deliveries.map(\.topic) == delivering.map(\.deliveryTopic))
            #expect(deliveries.map(\.value) == delivering.map { Array(CanonicalJSON.encode($0.delivery!)) })
            #expect(writes.outputs.filter { $0.topic == HXTopic.review }.count == expected.decisions.filter { $0.outcome == .review }.count)
            outcomes.formUnion(expected.decisions.map(\.outcome.rawValue))
        }
        // The synthetic traffic exercises every outcome but `rejected`, which only a reviewer's resolution makes.
        #expect(outcomes == Set(Decision.Outcome.allCases.filter { $0 != .rejected }.map(\.rawValue)))
    }

    /// Halton's configuration has identity.yaml: a subject linked by scored matching is
    /// `matched`, and its decisions' audit records carry the score and each field's
    /// agreement (additive `details`); decisions on a carried NHS number have none.
    @Test func aScoredMatchCarriesItsScoreInTheAuditRecord() throws {
        let context = Place.context()
        #expect(context.configuration.identityRule != nil)
        var matched = 0, carried = 0
        for input in Place.inputs(3000, seed: 23) {
            var state = Place.newChain(input)
            var writes = RouterWrites()
            RouterStep.route(input, chain: &state, context: context, into: &writes)
            for record in try writes.audit.map({ try AuditRecord(wire: $0.value) }) where record.kind == .decision {
                if record.reasons.contains(ReasonCode.identityMatched) {
                    matched += 1
                    // The synthetic facts have family name, birth date and postcode (a first-version fact).
                    #expect(record.details == [
                        "identityScore": "32.0",
                        "identityFields": "family=exact+9.0 given=missing+0.0 birthDate=exact+14.0 sex=missing+0.0 postcode=exact+9.0 address=missing+0.0",
                    ])
                } else {
                    carried += 1
                    #expect(record.details.isEmpty)
                }
            }
        }
        #expect(matched > 20 && carried > 2_000, "\(matched) matched, \(carried) other")
    }

    /// The synthetic facts are first-version facts (family name, birth date, postcode): scored
    /// matching decides every message as the exact look-up did, only the audit details differ.
    @Test func scoredMatchingDecidesTheSyntheticTrafficAsTheExactLookUpDid() throws {
        let scored = Place.context()
        let c = scored.configuration
        var exact = scored
        exact.configuration = PlaceConfiguration(organisations: c.organisations, groups: c.groups, agreements: c.agreements)
        var compared = 0
        for input in Place.inputs(3000, seed: 29) {
            guard let message = try? CanonicalJSON.decode(Data(input.value)), message.subject.nhsNumber == nil else { continue }
            let at = Instant(millisecondsSinceEpoch: input.timestampMilliseconds!)
            let a = PolicyEngine.route(message, configuration: scored.configuration, consent: scored.consent, identities: scored.identities, at: at)
            let b = PolicyEngine.route(message, configuration: exact.configuration, consent: exact.consent, identities: exact.identities, at: at)
            #expect(a.identity == b.identity)
            #expect(a.decisions == b.decisions)
            compared += 1
        }
        #expect(compared > 50)
    }

    @Test func unreadableInputIsDeadLetteredWithAnAuditRecordAndNoContentInHeaders() throws {
        let input = RouterInput(topic: MessageType.referral.topic, partition: 2, offset: 41, timestampMilliseconds: 1_795_000_000_000,
                                value: Array(#"{"schema":"hx.canonical/1","subject":{"nhsNumber":"9434765919""#.utf8))
        var state = Place.newChain(input)
        var writes = RouterWrites()
        RouterStep.route(input, chain: &state, context: Place.context(), into: &writes)
        let letter = try #require(writes.outputs.first)
        #expect(writes.outputs.count == 1 && letter.topic == HXTopic.deadLetter)
        #expect(letter.value == input.value)
        let headers = Dictionary(uniqueKeysWithValues: letter.headers.map { ($0.name, $0.text ?? "") })
        #expect(headers[HXHeader.reasonCode] == "canonical-json-syntax")
        #expect(headers[HXHeader.stage] == "router")
        #expect(headers[HXHeader.inputOffset] == "41")
        #expect(!headers.values.contains { $0.contains("9434765919") })
        let record = try AuditRecord(wire: try #require(writes.audit.first).value)
        #expect(writes.audit.count == 1)
        #expect(record.kind == .deadLetter && record.reasons == ["canonical-json-syntax"] && record.inputOffset == 41)
        #expect(record.details["valueSha256"] == AuditHashing.sha256Hex(input.value))
        #expect(!String(decoding: writes.audit[0].value, as: UTF8.self).contains("9434765919"))
        #expect(writes.tally == [RouterTally(outcome: "dead-letter", reason: "canonical-json-syntax"): 1])
    }

    @Test func aRecordWithoutTimestampOrOnTheWrongTopicIsDeadLettered() throws {
        let good = try #require(Place.inputs(40).first { (try? CanonicalJSON.decode(Data($0.value))) != nil })
        var noTime = good
        noTime.timestampMilliseconds = nil
        var wrongTopic = good
        wrongTopic.topic = MessageType.allCases.first { $0.topic != good.topic }!.topic
        for (input, code) in [(noTime, RouterReasonCode.timestampMissing), (wrongTopic, RouterReasonCode.wrongTopic)] {
            var state = Place.newChain(input)
            var writes = RouterWrites()
            RouterStep.route(input, chain: &state, context: Place.context(), into: &writes)
            #expect(writes.outputs.map(\.topic) == [HXTopic.deadLetter])
            #expect(try AuditRecord(wire: writes.audit[0].value).reasons == [code])
        }
    }

    @Test func aNewConfigurationIsRecordedOnceBeforeItsFirstDecisionInEachChain() throws {
        let inputs = Place.inputs(60).filter { (try? CanonicalJSON.decode(Data($0.value))) != nil && $0.topic == MessageType.dischargeSummary.topic }
        let old = Place.configuration
        let new = try PlaceConfiguration.parse(
            organisations: ("organisations.yaml", try String(contentsOf: Place.root.appendingPathComponent("config/organisations.yaml"), encoding: .utf8)),
            agreements: [])
        #expect(old.configurationDigest != new.configurationDigest)
        var state = Place.newChain(inputs[0])
        var writes = RouterWrites()
        RouterStep.route(inputs[0], chain: &state, context: Place.context(old), into: &writes)
        #expect(try writes.audit.map { try AuditRecord(wire: $0.value) }.allSatisfy { $0.kind == .decision })
        for input in inputs[1...3] {
            writes = RouterWrites()
            RouterStep.route(input, chain: &state, context: Place.context(new), into: &writes)
            let records = try writes.audit.map { try AuditRecord(wire: $0.value) }
            let reloads = records.filter { $0.kind == .configurationReloaded }
            if input.offset == inputs[1].offset {
                #expect(reloads.count == 1 && records.first?.kind == .configurationReloaded)
                #expect(reloads.first?.details["previousDigest"] == old.configurationDigest)
                #expect(reloads.first?.configurationDigest == new.configurationDigest)
            } else {
                #expect(reloads.isEmpty)
            }
            // With no agreement in force nothing is delivered.
            #expect(!writes.outputs.contains { $0.topic.hasPrefix("hx.deliver.") })
        }
    }
}

@Suite struct ChainResumptionTests {
    /// Routes `inputs` (one partition) and returns the audit records in order plus the chain state after each input.
    static func run(_ inputs: [RouterInput]) throws -> (records: [AuditRecord], states: [RouterChainState]) {
        var state = Place.newChain(inputs[0])
        var records: [AuditRecord] = []
        var states: [RouterChainState] = []
        for input in inputs {
            var writes = RouterWrites()
            RouterStep.route(input, chain: &state, context: Place.context(), into: &writes)
            records += try writes.audit.map { try AuditRecord(wire: $0.value) }
            states.append(state)
        }
        return (records, states)
    }

    static let inputs = Place.inputs(120).filter { $0.topic == MessageType.dischargeSummary.topic }

    @Test func committedPastTheLastInputContinuesAfterTheLastRecord() throws {
        let (records, states) = try Self.run(Self.inputs)
        let last = try #require(records.last)
        let plan = try ChainResumption.plan(chainId: last.chainId, records: records, reachesStart: true, committed: last.inputOffset! + 1, key: nil)
        guard case .resume(let state, let from) = plan else { Issue.record("no plan"); return }
        #expect(from == last.inputOffset! + 1)
        #expect(state.chain.nextSequence == states.last!.chain.nextSequence)
        #expect(state.chain.previousHash == states.last!.chain.previousHash)
    }

    @Test func otherwiseTheLastInputIsRedoneFromTheRecordBeforeItAndComesOutTheSame() throws {
        let (records, _) = try Self.run(Self.inputs)
        let lastInput = records.last!.inputOffset!
        // The broker shows only part of the last input's records (a killed transaction).
        let firstOfLast = records.firstIndex { $0.inputOffset == lastInput }!
        let visible = Array(records.prefix(firstOfLast + 1))
        for committed in [nil, lastInput - 3, lastInput] {
            let plan = try ChainResumption.plan(chainId: records[0].chainId, records: visible, reachesStart: true, committed: committed, key: nil)
            guard case .resume(var state, let from) = plan else { Issue.record("no plan"); return }
            #expect(from == lastInput)
            var writes = RouterWrites()
            RouterStep.route(Self.inputs.first { $0.offset == lastInput }!, chain: &state, context: Place.context(), into: &writes)
            #expect(try writes.audit.map { try AuditRecord(wire: $0.value) } == Array(records[firstOfLast...]))
        }
    }

    @Test func aWindowThatDoesNotReachBackAsksForEarlierRecords() throws {
        let (records, _) = try Self.run(Self.inputs)
        let lastInput = records.last!.inputOffset!
        let tail = records.filter { $0.inputOffset == lastInput }
        #expect(tail.count >= 1)
        let plan = try ChainResumption.plan(chainId: records[0].chainId, records: tail, reachesStart: false, committed: nil, key: nil)
        guard case .needEarlierRecords = plan else { Issue.record("expected a request for earlier records, got \(plan)"); return }
        #expect(throws: ChainResumption.Failure.self) {
            try ChainResumption.plan(chainId: records[0].chainId, records: tail, reachesStart: true, committed: nil, key: nil)
        }
    }

    @Test func noRecordsMeansANewChainFromTheCommittedOffset() throws {
        let plan = try ChainResumption.plan(chainId: "router:t:0", records: [], reachesStart: true, committed: 17, key: nil)
        guard case .resume(let state, let from) = plan else { Issue.record("no plan"); return }
        #expect(from == 17 && state.chain.nextSequence == 1 && state.lastDigest == nil)
    }

    @Test func repeatedRecordsFromARedoneBatchDoNotConfuseRecovery() throws {
        let (records, _) = try Self.run(Self.inputs)
        // A redo wrote the second half again (same bytes) after the first attempt became visible.
        let doubled = records + Array(records[(records.count / 2)...])
        let plan = try ChainResumption.plan(chainId: records[0].chainId, records: doubled, reachesStart: true, committed: nil, key: nil)
        guard case .resume(let state, let from) = plan else { Issue.record("no plan"); return }
        #expect(from == records.last!.inputOffset!)
        let before = records.last { $0.inputOffset! < records.last!.inputOffset! }!
        #expect(state.chain.previousHash == before.hash)
    }

    @Test func anAlteredHeadIsRefused() throws {
        var (records, _) = try Self.run(Self.inputs)
        records[records.count - 1].entry.reasons = ["tampered"]
        #expect(throws: ChainResumption.Failure.self) {
            try ChainResumption.plan(chainId: records[0].chainId, records: records, reachesStart: true,
                                     committed: records.last!.inputOffset! + 1, key: nil)
        }
    }
}

@Suite struct PlaceConsistencyTests {
    /// An adapter whose organisation the place does not know sends messages no agreement can cover.
    @Test func everyAdapterSendsAsAnOrganisationOfThePlace() throws {
        let adapters = Place.root.appendingPathComponent("adapters")
        let names = try FileManager.default.contentsOfDirectory(atPath: adapters.path).sorted()
        #expect(names.count >= 7)
        for name in names {
            let loaded = AdapterConfiguration.load(directory: adapters.appendingPathComponent(name))
            let configuration = try loaded.get()
            #expect(Place.configuration.organisation(configuration.organisation) != nil,
                    "adapters/\(name): organisation \(configuration.organisation) is not in config/organisations.yaml")
        }
    }
}

@Suite struct RepeatedMessageTests {
    /// Discharge summaries on one partition where some messages come again, at various distances.
    static func inputsWithRepeats() -> [RouterInput] {
        let originals = Place.inputs(200).filter {
            $0.topic == MessageType.dischargeSummary.topic && (try? CanonicalJSON.decode(Data($0.value))) != nil
        }
        var out: [RouterInput] = []
        for (i, input) in originals.enumerated() {
            out.append(input)
            if i % 7 == 3 { out.append(originals[i / 2]) }  // an earlier one, sent again
        }
        return out.enumerated().map { i, input in
            var copy = input
            copy.offset = i
            copy.timestampMilliseconds = 1_795_000_000_000 + Int64(i)
            return copy
        }
    }

    static func route(_ inputs: ArraySlice<RouterInput>, state: inout RouterChainState) -> [KafkaOutgoingMessage] {
        var writes = RouterWrites()
        for input in inputs { RouterStep.route(input, chain: &state, context: Place.context(), into: &writes) }
        return writes.outputs + writes.audit
    }

    @Test func aMessageSentAgainIsNotDecidedAgain() throws {
        let inputs = Self.inputsWithRepeats()
        var state = RouterChainState(chain: AuditChain.router(topic: inputs[0].topic, partition: 0), lastDigest: nil)
        var writes = RouterWrites()
        for input in inputs { RouterStep.route(input, chain: &state, context: Place.context(), into: &writes) }
        let records = try writes.audit.map { try AuditRecord(wire: $0.value) }
        #expect(AuditVerifier().verify(records).isValid, "no decision id twice")
        let repeats = inputs.count - Set(inputs.map(\.value)).count
        #expect(repeats > 5)
        #expect(writes.tally[RouterTally(outcome: "repeat", reason: RouterReasonCode.repeatedMessage)] == repeats)
    }

    /// Whether a message counts as a repeat depends on the chain alone, so a
    /// router that recovers the chain from the audit topic judges as one that never stopped.
    @Test(arguments: [3, 40])
    func recoveryRemembersExactlyWhatTheRunningRouterDid(capacity: Int) throws {
        let inputs = Self.inputsWithRepeats()
        func fresh() -> RouterChainState {
            RouterChainState(chain: AuditChain.router(topic: inputs[0].topic, partition: 0), lastDigest: nil, recent: RecentMessages(capacity: capacity))
        }
        var straight = fresh()
        let all = Self.route(inputs[...], state: &straight)
        // A handful of cut points: each one routes the whole sequence again (CPU that other tests share).
        for cut in stride(from: 5, to: inputs.count - 1, by: 41) {
            var before = fresh()
            let first = Self.route(inputs[..<cut], state: &before)
            let records = try first.filter { $0.topic == HXTopic.audit }.map { try AuditRecord(wire: $0.value) }
            guard !records.isEmpty else { continue }
            let plan = try ChainResumption.plan(chainId: records[0].chainId, records: records, reachesStart: true, committed: cut, key: nil, remember: capacity)
            guard case .resume(var state, let from) = plan else { Issue.record("no plan at \(cut)"); continue }
            #expect(from == cut)
            let rest = Self.route(inputs[cut...], state: &state)
            let together = (first + rest).map(\.value)
            #expect(Set(together) == Set(all.map(\.value)), "cut at \(cut)")
            #expect(together.count == all.count, "cut at \(cut)")
        }
    }
}
