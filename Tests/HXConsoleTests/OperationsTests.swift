import Foundation
import HXAdapterRecords
import HXCanonical
import HXKafka
@testable import HXOperations
import HXService
import HXTranslate
import Testing

/// The pure parts of what operators see and do: dead letters read from their
/// headers, replay plans, rates, adapter health.
@Suite struct OperationsTests {
    static let root = FixedBackend.root
    static let codes = root.appendingPathComponent("config/sensitivity-codes.yaml")

    static func adapter(_ name: String, _ edit: (String) -> String = { $0 }) throws -> AdapterConfiguration {
        let text = try String(contentsOf: root.appendingPathComponent("adapters/\(name)/adapter.yaml"), encoding: .utf8)
        let sensitivity = try SensitivityCodes.load(contentsOf: codes).get()
        return try AdapterConfiguration.parse(text: edit(text), file: "adapter.yaml", sensitivity: sensitivity).get()
    }

    /// A council export whose NHS number column was renamed.
    static let renamedExport = Array("""
        Event ID,NHS Number,Person ID,Surname,Forename,DOB,Postcode,GP Practice Code,Event Type,D2A Pathway,Service,Team,Start Date,End Date,Notes,Worker
        EV-1,999 010 0055,P1,TESTPERSON,Harold,01/03/1938,WA8 7AB,,D2A,P1,Discharge to assess,Widnes Hospital Discharge Team,14/07/2026 10:30,,,J Worker

        """.utf8)

    static func deadLetter(stage: String, adapter: String?, omitted: Bool = false, value: [UInt8]) -> DeadLetter {
        var headers = [KafkaHeader(HXHeader.stage, stage), KafkaHeader(HXHeader.reasonCode, "csv-column-missing"), KafkaHeader(HXHeader.location, "line 1")]
        if let adapter { headers.append(KafkaHeader(HXHeader.adapter, adapter)) }
        if omitted { headers.append(KafkaHeader(HXHeader.valueOmitted, "input of 2000000 bytes kept by the source")) }
        return DeadLetter(message: KafkaMessage(topic: HXTopic.deadLetter, partition: 2, offset: 7, key: Array("dl-1".utf8), value: value,
                                                headers: headers, timestampMilliseconds: 1_700_000_000_000))
    }

    @Test func deadLetterIsReadFromItsHeaders() {
        let letter = Self.deadLetter(stage: "translate", adapter: "hbc-adult-social-care", value: Self.renamedExport)
        #expect(letter.ref == DeadLetterRef(partition: 2, offset: 7))
        #expect(letter.ref.description == "2-7" && letter.ref.logPosition == "hx.dlq.v1:2:7")
        #expect(letter.id == "dl-1" && letter.stage == .translate && letter.reasonCode == "csv-column-missing")
        #expect(letter.adapter == "hbc-adult-social-care" && letter.valueBytes == Self.renamedExport.count)
        #expect(letter.writtenAt == Date(timeIntervalSince1970: 1_700_000_000))
        // Headers missing: shown as unknown, never hidden.
        let bare = DeadLetter(message: KafkaMessage(topic: HXTopic.deadLetter, partition: 0, offset: 0, key: nil, value: [], headers: [], timestampMilliseconds: nil))
        #expect(bare.stage == .unknown && bare.reasonCode == "unknown" && bare.writtenAt == nil)
    }

    @Test(arguments: ["2-7", "0-0", "15-123456789"])
    func deadLetterRefsRoundTrip(_ text: String) {
        #expect(DeadLetterRef(text)?.description == text)
    }

    @Test(arguments: ["", "2", "2-", "-7", "a-1", "1-b", "1-2-3", "-1-2"])
    func malformedRefsAreRefused(_ text: String) {
        #expect(DeadLetterRef(text) == nil)
    }

    @Test func replayWaitsForTheFixThenSendsWhatTheAdapterWould() throws {
        let letter = Self.deadLetter(stage: "translate", adapter: "hbc-adult-social-care", value: Self.renamedExport)
        let unfixed = ReplayPlanner(adapters: ["hbc-adult-social-care": try Self.adapter("hbc-adult-social-care")])
        let before = unfixed.plan(letter, value: Self.renamedExport)
        #expect(before.verdict == .stillFails(code: "csv-column-missing", location: "line 1, column NHS No"))
        #expect(before.records.isEmpty && !before.isReady)

        let fixedConfiguration = try Self.adapter("hbc-adult-social-care") { $0.replacingOccurrences(of: "nhsNumber: NHS No\n", with: "nhsNumber: NHS Number\n") }
        let after = ReplayPlanner(adapters: ["hbc-adult-social-care": fixedConfiguration]).plan(letter, value: Self.renamedExport)
        let outcomes = Translator.translate(configuration: fixedConfiguration, input: Data(Self.renamedExport))
        let expected = AdapterRecords.make(configuration: fixedConfiguration, input: Self.renamedExport, outcomes: outcomes)
        guard case .ready(let ids) = after.verdict else { Issue.record("not ready: \(after.verdict)"); return }
        #expect(ids == expected.1.canonicalMessageIDs && ids.count == 1)
        // Byte for byte what the adapter writes, plus the link to the dead letter.
        #expect(after.records.map(\.value) == expected.0.map(\.value))
        #expect(after.records.map(\.topic) == [fixedConfiguration.topic])
        #expect(after.records.allSatisfy { $0.headers.contains(KafkaHeader(HXHeader.replayOf, "hx.dlq.v1:2:7")) })
    }

    @Test func someDeadLettersCannotBeReplayedFromHere() throws {
        let planner = ReplayPlanner(adapters: ["hbc-adult-social-care": try Self.adapter("hbc-adult-social-care")])
        for (letter, why) in [
            (Self.deadLetter(stage: "router", adapter: nil, value: Array("not json".utf8)), "router"),
            (Self.deadLetter(stage: "translate", adapter: "hbc-adult-social-care", omitted: true, value: []), "too large"),
            (Self.deadLetter(stage: "translate", adapter: "retired-feed", value: Self.renamedExport), "not configured"),
            (Self.deadLetter(stage: "mystery", adapter: "hbc-adult-social-care", value: Self.renamedExport), "stage"),
        ] {
            let item = planner.plan(letter, value: letter.valueBytes == 0 ? [] : Self.renamedExport)
            guard case .notReplayable(let reason) = item.verdict else { Issue.record("\(why): \(item.verdict)"); continue }
            #expect(reason.contains(why), "\(reason)")
            #expect(item.records.isEmpty)
        }
    }

    @Test func ratesPerMinuteFromTwoSamples() {
        let old = ["t/0": 100 as Int64, "t/1": 50, "u/0": 7]
        let new = ["t/0": 160 as Int64, "t/1": 80, "u/0": 7, "t/2": 5]
        // 90 records on t in 90 s (a new partition counts from its first sample), none on u.
        #expect(ClusterObserver.perMinute(from: old, to: new, seconds: 90) { $0.hasPrefix("t/") } == 60)
        #expect(ClusterObserver.perMinute(from: old, to: new, seconds: 90) { $0.hasPrefix("u/") } == 0)
        // A topic recreated (offsets fell) counts from zero rather than going negative.
        #expect(ClusterObserver.perMinute(from: ["t/0": 500], to: ["t/0": 30], seconds: 60) { _ in true } == 30)
        #expect(ClusterObserver.perMinute(from: old, to: new, seconds: 0) { _ in true } == nil)
    }

    @Test func adapterHealthFromItsLastHeartbeat() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func beacon(_ age: TimeInterval, state: String = "running") -> HeartbeatBeacon {
            HeartbeatBeacon(component: "adapter:whh-pas-discharge", kind: "adapter", state: state, startedAt: now.addingTimeInterval(-3600).formatted(.iso8601),
                            sentAt: now.addingTimeInterval(-age).formatted(.iso8601), counts: .init(received: 5, published: 4, rejected: 1, kafkaFailures: 0))
        }
        #expect(ComponentHealth.judge(beacon(5), now: now, interval: 10).state == .up)
        #expect(ComponentHealth.judge(beacon(30), now: now, interval: 10).state == .up)
        #expect(ComponentHealth.judge(beacon(31), now: now, interval: 10).state == .late)
        #expect(ComponentHealth.judge(beacon(101), now: now, interval: 10).state == .down)
        #expect(ComponentHealth.judge(beacon(5, state: "stopping"), now: now, interval: 10).state == .stopped)
        let health = ComponentHealth.judge(beacon(5), now: now, interval: 10)
        #expect(health.received == 5 && health.published == 4 && health.rejected == 1)
    }
}
