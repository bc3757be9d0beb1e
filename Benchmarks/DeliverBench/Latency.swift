import Foundation
import HXAudit
import HXCanonical
import HXDelivery
import HXDeliveryWorker
import HXDevBroker
import HXDevStack
import HXKafka
import HXOperations
import HXPlace
import HXRouter
import HXTopics
import Logging

/// `deliver-bench --latency RATE SECONDS`: discharge summaries published at
/// RATE a second, as an adapter publishes them (each timed from the broker's
/// confirmation, which is when the adapter acknowledges its sender), through
/// the router and the delivery workers to the stand-ins of `hx run` for the
/// recipients' systems; each delivery timed to its `sent` status (the
/// recipient's ACK or 2xx, the file in place, MESH's 202 from the sandbox),
/// per transport. The router's decision is timed by its input record's
/// timestamp (so that deciding again gives the same bytes), which the adapter's
/// producer sets just before the broker's confirmation: from the handoff is
/// from the decision's own time, give or take that round trip.
enum Latency {
    static func run(rate: Int, seconds: Int) async throws {
        let configDirectory = URL(fileURLWithPath: "config", isDirectory: true)
        let place = try PlaceConfiguration.load(directory: configDirectory)
        let broker = try await DevBroker.start()
        defer { broker.stop() }
        var client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])
        client.clientID = "deliver-bench-latency"
        let catalog = try TopicCatalog.load(configDirectory: configDirectory)
        let topics = catalog.topics + catalog.deliveryTopics(forOrganisations: place.organisations.map(\.code))
        for r in try await TopicApplier(admin: KafkaAdmin(configuration: client)).apply(topics) {
            if case .failed(let reason) = r.outcome { throw KafkaError(code: .broker, message: "\(r.topic): \(reason)") }
        }
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("deliver-bench-latency-\(getpid())", isDirectory: true)
        let recipients = try await StandInRecipients.start(place: place, state: state)
        defer { recipients.stop() }
        var logger = Logger(label: "deliver-bench")
        logger.logLevel = .warning
        var routerSettings = RouterSettings(client: client, instance: "bench")
        routerSettings.sessionTimeout = .seconds(6)
        let router = RouterService(settings: routerSettings, configuration: place, logger: logger)
        let workers = recipients.standIns.map { standIn in
            var settings = DeliveryWorkerSettings(client: client, recipient: standIn.code)
            settings.endpointOverride = standIn.endpoint
            settings.mesh = standIn.mesh
            settings.sessionTimeout = .seconds(6)
            return DeliveryWorker(settings: settings, configuration: place, logger: logger)
        }
        let sample = try CanonicalJSON.decode(Data(contentsOf: URL(fileURLWithPath: "config/tests/messages/discharge-rww-home.json")))
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client))

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await router.run() }
            for worker in workers { group.addTask { try await worker.run() } }
            // Warm-up: one message all the way through, so joins and connections are made.
            var acked: [String: Double] = [:]
            func publish(_ n: Int) async throws -> String {
                var message = sample
                message.id = UUID(uuidString: String(format: "00000000-0000-4000-9000-%012d", n))!
                let report = try await producer.send(KafkaOutgoingMessage(
                    topic: message.type.topic, key: Array(message.subject.nhsNumber!.digits.utf8), value: CanonicalJSON.bytes(message)))
                if let error = report.error { throw error }
                return message.id.lowerCaseString
            }
            let warm = try await publish(0)
            while try await sentTimes(client).keys.contains(where: { $0.messageId == warm }) == false { try await Task.sleep(for: .milliseconds(200)) }
            let interval = Duration.seconds(1) / rate
            var next = ContinuousClock.now
            for n in 1...(rate * seconds) {
                try await Task.sleep(until: next)
                next += interval
                let id = try await publish(n)
                acked[id] = Date().timeIntervalSince1970 * 1000
            }
            // Until every message's deliveries have settled: no new status for 5 s.
            var last = -1, quiet = 0
            var sent: [Key: Sent] = [:]
            while quiet < 5 {
                try await Task.sleep(for: .seconds(1))
                sent = try await sentTimes(client)
                quiet = sent.count == last ? quiet + 1 : 0
                last = sent.count
            }
            sent = sent.filter { acked[$0.key.messageId] != nil }
            let latencies = sent.compactMap { key, s in acked[key.messageId].map { s.time - $0 } }.sorted()
            let byRecipient = Dictionary(grouping: sent.keys, by: \.recipient).mapValues(\.count)
            print("deliver-bench latency: \(rate * seconds) discharge summaries at \(rate)/s, adapter's ACK (broker confirmation) to the recipient system's ACK")
            print("  \(latencies.count) deliveries: " + byRecipient.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print("  all:        " + quantiles(latencies))
            for (transport, keys) in Dictionary(grouping: sent.keys, by: { sent[$0]!.transport }).sorted(by: { $0.key < $1.key }) {
                let times = keys.compactMap { key in acked[key.messageId].map { sent[key]!.time - $0 } }.sorted()
                print("  " + "\(transport):".padding(toLength: 11, withPad: " ", startingAt: 0) + " " + quantiles(times) + " (\(keys.count) deliveries)")
            }
            group.cancelAll()
        }
        await producer.close()
    }

    struct Key: Hashable {
        var messageId: String
        var recipient: String
    }

    struct Sent {
        var time: Double
        var transport: String
    }

    static func quantiles(_ sorted: [Double]) -> String {
        guard !sorted.isEmpty else { return "none" }
        func q(_ p: Double) -> Double { sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))] }
        return String(format: "p50 %.0f ms, p99 %.0f ms, max %.0f ms", q(0.5), q(0.99), sorted.last!)
    }

    /// The time of each delivery's `sent` status, by message and recipient.
    static func sentTimes(_ client: KafkaClientConfiguration) async throws -> [Key: Sent] {
        var out: [Key: Sent] = [:]
        for s in try await DeliveryBoard.statuses(client: client, groupID: "deliver-bench-reader") where s.status == .sent {
            guard let id = s.messageId, let time = RFC3339Timestamp(s.time) else { continue }
            out[Key(messageId: id, recipient: s.recipient)] = Sent(time: Double(Instant(time).millisecondsSinceEpoch), transport: s.transport)
        }
        return out
    }
}
