import Foundation
import HXAudit
import HXCanonical
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXOperations
import HXPolicy
import HXReview
import Testing

/// The review queue on a real broker with `hx router` running as a process:
/// a held message linked with `hx review link` reaches the linked person's
/// recipients exactly once, also when the router is killed with SIGKILL around
/// the resolution and started again; a rejected one goes nowhere and the audit
/// trail says who and why; a second resolution is refused.
@Suite(.serialized) struct ReviewQueueBrokerTests {
    static let person = "9434765919"
    static let sample: CanonicalMessage = {
        let url = Place.root.appendingPathComponent("config/tests/messages/discharge-rww-no-nhs-number.json")
        return try! CanonicalJSON.decode(Data(contentsOf: url))
    }()

    /// The sample without an NHS number, under an id of its own.
    static func held(_ name: String) -> CanonicalMessage {
        var m = sample
        m.id = UUIDv5.make(namespace: UUID(uuidString: "5b1f3c2e-8d47-4a69-9e0b-6c2f1a7d3e58")!, name: "RWW|review-broker-\(name)")
        return m
    }

    func review(_ rig: RouterRig, _ arguments: [String]) async throws -> CommandResult {
        try await runProgram(RouterKillTests.hx, ["review"] + arguments + [
            "--bootstrap-servers", rig.bootstrapServers, "--config", Place.root.appendingPathComponent("config").path,
        ] + (arguments.first == "list" ? [] : ["--audit-key-file", RouterKillTests.keyFile.path]), timeout: .seconds(90))
    }

    /// Waits until `condition` holds, polling, or fails at the deadline.
    func waitFor(_ what: String, timeout: Duration = .seconds(90), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(300))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }

    func auditRecords(_ rig: RouterRig) async throws -> [AuditRecord] {
        try await rig.readAll(HXTopic.audit).compactMap { try? AuditRecord(wire: $0.value) }
    }

    @Test(.timeLimit(.minutes(8)))
    func aLinkedMessageIsRoutedOnceAcrossRouterKillsAndARejectedOneNowhere() async throws {
        try await withBroker { broker in
            let rig = try await RouterRig(broker: broker)
            let linked = Self.held("linked"), rejected = Self.held("rejected")
            let producer = try KafkaProducer(configuration: rig.producerConfiguration())
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let sent = try await producer.send(batch: [linked, rejected].map { m in
                KafkaOutgoingMessage(topic: m.type.topic, key: Array("message:\(m.id.lowerCaseString)".utf8), value: CanonicalJSON.bytes(m),
                                     timestampMilliseconds: now - 3 * 86_400_000)
            })
            #expect(sent.allSucceeded)
            await producer.close()

            let logs = FileManager.default.temporaryDirectory.appendingPathComponent("hx-review-broker-\(UUID().uuidString.prefix(8))")
            let router = try ServiceProcess("router", RouterKillTests.routerArguments(rig, instance: "review"), logDirectory: logs)
            defer { router.killNow() }

            // Both are held: the router cannot tell who they are about.
            let store = ReviewStore(client: rig.client, groupID: "hx-review-test")
            do {
                try await waitFor("two held messages") { try await store.snapshot().open.count == 2 }
            } catch {
                await store.close()
                throw error
            }
            let open = try await store.snapshot().open
            await store.close()
            let linkedItem = try #require(open.first { $0.message?.id == linked.id })
            let rejectedItem = try #require(open.first { $0.message?.id == rejected.id })

            // A shell without --identifiers prints no identifier; with it, the demographics.
            let plain = try await review(rig, ["list"])
            #expect(plain.status == 0, "\(plain.error)")
            #expect(plain.output.contains("2 held, oldest 3 d") && !plain.output.contains("Testlane"), "\(plain.output)")
            let full = try await review(rig, ["list", "--identifiers"])
            #expect(full.output.contains("family: Testlane"))

            // Link, then kill the router at once (it may be deciding the resolution), and start it again.
            let link = try await review(rig, ["link", "--item", linkedItem.place.description, "--nhs-number", Self.person,
                                              "--reason", "Ward confirmed the patient's details by phone", "--reviewer", "kim"])
            #expect(link.status == 0, "\(link.error)")
            try await router.kill()
            try router.start()

            // A second resolution of the same held message is refused, and writes nothing.
            let again = try await review(rig, ["reject", "--item", linkedItem.item, "--reason", "second thoughts", "--reviewer", "lee"])
            #expect(again.status == 65)
            #expect(again.error.contains("review-already-resolved"), "\(again.error)")

            // Killed with the resolution unrouted, and with the router down while the next is made.
            try await router.kill()
            let reject = try await review(rig, ["reject", "--item", rejectedItem.place.description,
                                                "--reason", "Test record sent by the ward in error", "--reviewer", "kim"])
            #expect(reject.status == 0, "\(reject.error)")
            try router.start()

            let deliveryTopic = HXTopic.delivery("N81064")
            let expectedDecision = AuditIdentifiers.decisionId(messageId: linked.id, recipient: "N81064")
            try await waitFor("the linked message's delivery and the rejection's audit record") {
                let records = try await auditRecords(rig)
                let delivered = try await rig.readAll(deliveryTopic)
                return records.contains { $0.outcome == .rejected && $0.messageId == rejected.id.lowerCaseString }
                    && delivered.contains { $0.headers[HXHeader.decisionID] == expectedDecision }
            }
            // The router has committed past both resolutions: anything it would write again, it has written.
            let resolutions = try await rig.readAll(HXTopic.reviewResolution)
            #expect(resolutions.count == 2, "the refused one wrote nothing")
            try await waitFor("the router to commit past the resolutions") {
                let committed = try await KafkaAdmin(configuration: rig.client).committedOffsets(
                    group: "hx-router", partitions: Set(resolutions.map(\.partition)).sorted().map { KafkaTopicPartition(topic: HXTopic.reviewResolution, partition: $0) })
                return resolutions.allSatisfy { r in committed.contains { $0.topicPartition.partition == r.partition && $0.offset > r.offset } }
            }

            let all = try await rig.readAll(Place.configuration.organisations.map { HXTopic.delivery($0.code) })
            let deliveries = all.values.flatMap { $0 }
            // Exactly once: each of the linked message's decisions delivered once, or identical copies
            // of one write (a broker may show a redone batch's records); the rejected message nowhere.
            let linkedCopies = deliveries.filter { (try? CanonicalJSON.decode($0.value))?.id == linked.id }
            let byDecision = Dictionary(grouping: linkedCopies) { $0.headers[HXHeader.decisionID] ?? "" }
            #expect(byDecision.keys.contains(expectedDecision))
            for (_, copies) in byDecision { #expect(Set(copies.map(\.value)).count == 1, "one delivery per decision") }
            #expect(linkedCopies.allSatisfy { (try? CanonicalJSON.decode($0.value))?.subject.nhsNumber?.digits == Self.person })
            #expect(!deliveries.contains { (try? CanonicalJSON.decode($0.value))?.id == rejected.id })

            let records = try await auditRecords(rig)
            let linkResolution = try #require(records.first { $0.kind == .identityResolution && $0.details["action"] == "link" })
            #expect(linkResolution.chainId == "reviewer:kim" && linkResolution.details["actor"] == "kim")
            #expect(linkResolution.details["reason"] == "Ward confirmed the patient's details by phone" && linkResolution.nhsNumber == Self.person)
            #expect(linkResolution.details["place"] == linkedItem.place.logPosition && linkResolution.details["item"] == linkedItem.item)
            // The router's decisions name the resolution, each decision id once (identical copies at most).
            let decided = records.filter { $0.kind == .decision && $0.messageId == linked.id.lowerCaseString && $0.outcome != .review }
            #expect(!decided.isEmpty && decided.allSatisfy { $0.details["resolution"] == linkResolution.decisionId })
            for (_, copies) in Dictionary(grouping: decided, by: \.decisionId) { #expect(Set(copies.map(\.wireBytes)).count == 1) }
            let delivering = Set(decided.filter { $0.outcome == .deliver || $0.outcome == .deliverRedacted }.map(\.decisionId))
            #expect(delivering == Set(byDecision.keys), "a delivery for each decision to deliver, and no other")

            let rejectResolution = try #require(records.first { $0.kind == .identityResolution && $0.details["action"] == "reject" })
            #expect(rejectResolution.details["actor"] == "kim" && rejectResolution.details["reason"] == "Test record sent by the ward in error")
            let rejection = try #require(records.first { $0.outcome == .rejected })
            #expect(rejection.details["resolution"] == rejectResolution.decisionId)
            #expect(!records.contains { $0.details["actor"] == "lee" }, "the refused resolution left no record")

            let after = try await review(rig, ["list"])
            #expect(after.output.contains("0 held"), "\(after.output)")
            // The chains hold, the routers' and the reviewer's.
            let verify = try await runProgram(RouterKillTests.hx, ["audit", "verify", "--bootstrap-servers", rig.bootstrapServers,
                                                                  "--audit-key-file", RouterKillTests.keyFile.path], timeout: .seconds(90))
            #expect(verify.status == 0, "\(verify.output)\(verify.error)")
        }
    }

    /// A reviewer clears a held message in the console, in a real browser (scripts/review-browser-test.py),
    /// and it routes: the linked person's practice gets it, its decisions naming the resolution.
    @Test(.timeLimit(.minutes(6)))
    func aReviewerClearsAHeldMessageInABrowserAndItRoutes() async throws {
        try await withBroker { broker in
            let rig = try await RouterRig(broker: broker)
            let message = Self.held("browser")
            let producer = try KafkaProducer(configuration: rig.producerConfiguration())
            // Twins at one address: the router never links either (a household rival), and the
            // reviewer sees both beside the message, field by field.
            let twins = try [("9434765919", "Frank"), ("9434765927", "Fred")].map { number, given in
                IdentityFact(
                    nhsNumber: try NHSNumber(number), family: "Testlane", given: [given], sex: .male, birthDate: Self.sample.subject.birthDate,
                    postcode: "WA8 9YB", source: Source(organisation: "RWW", system: "test", adapter: "test", messageId: "fact-\(number)"),
                    recordedAt: RFC3339Timestamp("2026-01-01T00:00:00Z")!)
            }
            #expect(try await producer.send(batch: twins.map {
                KafkaOutgoingMessage(topic: HXTopic.identity, key: Array($0.nhsNumber.digits.utf8), value: Array($0.jsonData),
                                     timestampMilliseconds: RouterRig.referenceTime)
            }).allSucceeded)
            #expect(try await producer.send(batch: [KafkaOutgoingMessage(
                topic: message.type.topic, key: Array("message:\(message.id.lowerCaseString)".utf8), value: CanonicalJSON.bytes(message),
                timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000)]).allSucceeded)
            await producer.close()
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("hx-review-browser-\(UUID().uuidString.prefix(8))")
            let router = try ServiceProcess("router", RouterKillTests.routerArguments(rig, instance: "review-browser"), logDirectory: work)
            defer { router.killNow() }
            let store = ReviewStore(client: rig.client, groupID: "hx-review-test")
            do {
                try await waitFor("the held message") { try await store.snapshot().open.count == 1 }
            } catch {
                await store.close()
                throw error
            }
            await store.close()

            let users = work.appendingPathComponent("console-users.yaml").path
            for (name, role) in [("kim", "identity-reviewer"), ("olive", "operator")] {
                let added = try await runProgram(URL(fileURLWithPath: "/bin/sh"), [
                    "-c", "printf '%s\\n' \"$1\" | \"$2\" console user add \"$3\" --role \"$4\" --users \"$5\" --bcrypt-cost 4",
                    "sh", "\(name)-password-1", RouterKillTests.hx.path, name, role, users])
                #expect(added.status == 0, "\(added.output)\(added.error)")
            }
            let port = try DevBroker.freePort()
            let config = Place.root.appendingPathComponent("config")
            let console = try ServiceProcess("console", [
                "console", "--listen", "127.0.0.1:\(port)", "--users", users, "--config", config.path,
                "--adapters", Place.root.appendingPathComponent("adapters").path, "--audit-key-file", RouterKillTests.keyFile.path,
                "--index", work.appendingPathComponent("index.sqlite").path, "--sample-interval", "2", "--bootstrap-servers", rig.bootstrapServers,
            ], logDirectory: work)
            defer { console.killNow() }
            #expect(try await console.waitUntilListening(port: port), "\(console.logs)")

            let artifacts = Place.root.appendingPathComponent("test-artifacts/review-browser")
            try? FileManager.default.removeItem(at: artifacts)
            let browser = try await runProgram(URL(fileURLWithPath: "/usr/bin/python3"), [
                Place.root.appendingPathComponent("scripts/review-browser-test.py").path, "--url", "http://127.0.0.1:\(port)",
                "--reviewer-user", "kim", "--reviewer-password", "kim-password-1", "--operator-user", "olive", "--operator-password", "olive-password-1",
                "--nhs-number", Self.person, "--family", "Testlane", "--artifacts", artifacts.path,
            ], timeout: .seconds(300))
            #expect(browser.status == 0, "\(browser.output)\(browser.error)\nconsole log:\n\(console.logs)")

            let expected = AuditIdentifiers.decisionId(messageId: message.id, recipient: "N81064")
            try await waitFor("the linked message's delivery to its practice") {
                try await rig.readAll(HXTopic.delivery("N81064")).contains { $0.headers[HXHeader.decisionID] == expected }
            }
            let records = try await auditRecords(rig)
            let resolution = try #require(records.first { $0.kind == .identityResolution })
            #expect(resolution.chainId == "reviewer:kim" && resolution.details["reason"] == "Confirmed with the ward by phone")
            #expect(records.contains { $0.kind == .auditorAccess && $0.chainId == "reviewer:kim" && $0.details["action"] == "review-queue-view" },
                    "the reviewer's view was recorded")
            #expect(records.filter { $0.decisionId == expected }.allSatisfy { $0.details["resolution"] == resolution.decisionId })
            #expect(!records.contains { $0.chainId == "reviewer:olive" || $0.chainId == "auditor:olive" }, "the operator saw no held message")
            #expect(!console.logs.contains("Testlane"), "no patient identifier in the console's log")
            // The queue's gauges on the console's /metrics, sampled every 2 s: empty again, counts and ages only.
            try await waitFor("the review gauges to show an empty queue", timeout: .seconds(30)) {
                let metrics = try await runProgram(URL(fileURLWithPath: "/usr/bin/curl"), ["-s", "http://127.0.0.1:\(port)/metrics"])
                return metrics.output.contains("\nhx_review_held 0") && metrics.output.contains("\nhx_review_oldest_age_seconds 0")
            }
        }
    }
}
