// `make bench-router`: the router (issue 4) against the plain consume → produce
// passthrough of `make bench`, on one freshly started development broker, in one run.
//
//   router-bench [--records N] [--rounds R] [--rate MSG/S] [--seconds S] [--warmup S]
//                [--batch-size B] [--fetch-wait MS] [--config DIR]
//       Each round: N new synthetic records on the canonical topics; a plain passthrough
//       (new group) over them; the router's decisions alone (RouterStep, no Kafka); the
//       router's writes alone (SameWrites: its records, precomputed, in its transactions);
//       then an in-process RouterService (group hx-router) over them. Then, with a router caught up,
//       the latency at a fixed rate; last, one router batch replayed step by step.
//   router-bench --load-only RATE SECONDS --bootstrap-servers HOST:PORT [--rss-pid PID]
//                [--warmup S] [--fetch-wait MS] [--config DIR]
//       Only the fixed-rate load and the latency, for a router running elsewhere (`hx router`);
//       with --rss-pid, that process's VmRSS every 10 s.
//   router-bench --decisions-only [--records N] [--rounds R] [--config DIR]
//       Only the decisions (RouterStep, one thread, no broker) against Foundation's JSON
//       decode + encode of the same records in the same run, and a fingerprint of the output.
//   router-bench --impact [--records N] [--rounds R] [--config DIR]
//       The impact report's decisions (`hx config impact` without Kafka: two configurations per
//       input) against one decision per input and RouterStep, in the same run.
import Foundation
import HXAudit
import HXCanonical
import HXDevBroker
import HXKafka
import HXPlace
import HXPolicy
import HXRouter
import HXTopics
import HXWorkload
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

struct Options {
    var records = 50_000
    var rounds = 3
    var rate = 1_000
    var seconds = 30
    var warmup = 1
    var batchSize = 500
    /// fetch.wait.max.ms of the consumer that reads the delivery topics.
    var fetchWait = 10
    var config = "config"
    var bootstrap: String?
    var loadOnly: (rate: Int, seconds: Int)?
    var rssPID: Int32?
    var decisionsOnly = false
    var impact = false

    static func parse(_ arguments: [String]) -> Options {
        var o = Options()
        var i = 0
        func value() -> String {
            i += 1
            guard i < arguments.count else { usage() }
            return arguments[i]
        }
        func int() -> Int {
            guard let n = Int(value()) else { usage() }
            return n
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--records": o.records = int()
            case "--rounds": o.rounds = int()
            case "--rate": o.rate = int()
            case "--seconds": o.seconds = int()
            case "--warmup": o.warmup = int()
            case "--batch-size": o.batchSize = int()
            case "--fetch-wait": o.fetchWait = int()
            case "--config": o.config = value()
            case "--bootstrap-servers": o.bootstrap = value()
            case "--load-only": o.loadOnly = (int(), int())
            case "--rss-pid": o.rssPID = Int32(int())
            case "--decisions-only": o.decisionsOnly = true
            case "--impact": o.impact = true
            default: usage()
            }
            i += 1
        }
        if o.loadOnly != nil && o.bootstrap == nil { usage() }
        return o
    }

    static func usage() -> Never {
        FileHandle.standardError.write(Data("""
            usage: router-bench [--records N] [--rounds R] [--rate MSG/S] [--seconds S] [--warmup S] [--batch-size B] [--fetch-wait MS] [--config DIR]
                   router-bench --load-only RATE SECONDS --bootstrap-servers HOST:PORT [--rss-pid PID] [--warmup S] [--fetch-wait MS] [--config DIR]
                   router-bench --decisions-only [--records N] [--rounds R] [--config DIR]
                   router-bench --impact [--records N] [--rounds R] [--config DIR]

            """.utf8))
        exit(2)
    }
}

final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Wall-clock milliseconds, the unit of Kafka record timestamps.
func wallMilliseconds() -> Double { Date().timeIntervalSince1970 * 1000 }

@main
struct RouterBench {
    static func main() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
        let configDirectory = URL(fileURLWithPath: options.config)
        let place = try PlaceConfiguration.load(directory: configDirectory)
        if options.impact {
            ImpactBench.run(records: options.records, rounds: options.rounds, place: place)
        } else if options.decisionsOnly {
            DecisionsOnly.run(records: options.records, rounds: options.rounds, place: place)
        } else if let (rate, duration) = options.loadOnly {
            try await loadOnly(options, place: place, rate: rate, duration: duration)
        } else {
            try await fullRun(options, place: place, configDirectory: configDirectory)
        }
    }

    // MARK: The full run

    static func fullRun(_ options: Options, place: PlaceConfiguration, configDirectory: URL) async throws {
        let broker = try await DevBroker.start()
        defer { broker.stop() }
        var client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])
        client.clientID = "router-bench"
        let admin = try KafkaAdmin(configuration: client)

        let catalog = try TopicCatalog.load(configDirectory: configDirectory)
        let scratch = TopicCatalog.Topic(name: "bench.passthrough", partitions: 3, replicationFactor: nil, cleanup: .delete, retentionHours: 24, purpose: nil)
        let routerTopics = catalog.topics + catalog.deliveryTopics(forOrganisations: place.organisations.map(\.code))
        // The same-writes baseline writes what the router writes, to copies of its output topics.
        let mirrors = routerTopics.filter { $0.name.hasPrefix("hx.deliver.") || [HXTopic.review, HXTopic.audit, HXTopic.deadLetter].contains($0.name) }
            .map { TopicCatalog.Topic(name: SameWrites.mirror($0.name), partitions: $0.partitions, replicationFactor: nil, cleanup: .delete, retentionHours: 24, purpose: nil) }
        let topics = routerTopics + mirrors + [scratch]
        for r in try await TopicApplier(admin: admin).apply(topics) {
            if case .failed(let reason) = r.outcome { throw KafkaError(code: .broker, message: "\(r.topic): \(reason)") }
        }
        var workload = SyntheticHalton()
        try await produceReferenceData(client, workload)

        let cluster = try await admin.describeCluster()
        var ends: [KafkaTopicPartition: Int64] = [:]
        for topic in HXTopic.canonicalTopics {
            for p in cluster.topic(topic)?.partitions ?? [] { ends[KafkaTopicPartition(topic: topic, partition: p.id)] = 0 }
        }
        note("broker \(broker.bootstrapServers); \(options.records) records per round, \(options.rounds) rounds")

        var batchLines: [String] = []
        var lastInputs: [RouterInput] = []
        var passthroughRates: [Double] = [], decideRates: [Double] = [], routerRates: [Double] = [], startups: [Double] = [], bytesPerRecord = 0.0
        var sameWritesRates: [Double] = [], writesPerInput = 0.0, bytesWrittenPerInput = 0.0
        for round in 1...options.rounds {
            let before = ends
            let preloaded = try await preload(client, workload: &workload, from: (round - 1) * options.records, count: options.records, ends: &ends)
            bytesPerRecord = preloaded.averageSize
            lastInputs = preloaded.inputs
            let p = try await passthrough(client, group: "bench-passthrough-\(round)", from: before, count: options.records, to: scratch.name)
            let d = decideOnly(preloaded.inputs, place: place, workload: workload)
            let same = try await SameWrites(preloaded.inputs, place: place, workload: workload)
                .run(client, group: "bench-same-writes-\(round)", from: before, batchSize: options.batchSize)
            (writesPerInput, bytesWrittenPerInput) = (same.recordsPerInput, same.bytesPerInput)
            sameWritesRates.append(same.rate)
            note(String(format: "round %d: passthrough %.0f msg/s, decisions alone %.0f msg/s, same writes %.0f msg/s; router starting", round, p, d, same.rate))
            let r = try await routeBacklog(client, admin: admin, place: place, count: options.records, ends: ends, batchSize: options.batchSize)
            passthroughRates.append(p)
            decideRates.append(d)
            routerRates.append(r.rate)
            startups.append(r.startup)
            note(String(format: "round %d: passthrough %.0f msg/s, router %.0f msg/s (%.2f), router start-up %.1f s; ", round, p, r.rate, r.rate / p, r.startup)
                + batchSummary(r.batchTimes, inputs: options.records))
            batchLines.append("round \(round): " + batchSummary(r.batchTimes, inputs: options.records))
        }

        // Latency: a router that has caught up, then traffic at a fixed rate.
        let router = InProcessRouter(client: client, place: place, batchSize: options.batchSize)
        try await router.waitUntilAssigned(partitions: ends.count)
        let latency = try await LatencyRun(
            client: client, place: place, workload: workload, firstIndex: options.rounds * options.records,
            rate: options.rate, duration: options.seconds, warmup: options.warmup, fetchMaxWait: options.fetchWait
        ).run(rss: nil)
        try await router.stop()
        batchLines.append("latency run: " + batchSummary(router.probe.batchTimes, inputs: router.probe.inputs))

        // The Kafka side of a router batch alone, on the now idle broker.
        var steps: [(size: Int, steps: [(String, [Double])])] = []
        for size in [150, options.batchSize] {
            steps.append((size, try await transactionSteps(client, place: place, workload: workload, inputs: lastInputs, perBatch: size, batches: 10, scratch: scratch.name)))
        }

        let pm = median(passthroughRates), rm = median(routerRates)
        print("")
        print("Broker: Tansu \(tansuVersion()) in memory on 127.0.0.1, started by router-bench; \(ProcessInfo.processInfo.activeProcessorCount) cores; "
            + "\(options.records) synthetic canonical records per round (\(String(format: "%.0f", bytesPerRecord)) B average value), \(options.rounds) rounds, medians.")
        print("Throughput is timed from the first committed batch to the last record (group join and chain recovery excluded); "
            + "the router: batches of at most \(options.batchSize), one transaction each, deliveries + review + dead letters + audit.")
        print("")
        print(String(format: "Per input the router writes %.2f records (deliveries, review, dead letters, audit) with %.0f B of values in all; the passthrough writes 1 of %.0f B. "
            + "The same-writes baseline consumes the inputs and writes, per batch in one transaction and in the router's order, exactly the router's records "
            + "(computed beforehand) to copies of its output topics: the broker's share of the router's work, with no decisions.", writesPerInput, bytesWrittenPerInput, bytesPerRecord))
        print("")
        print("| round | plain passthrough msg/s | same-writes baseline msg/s | router msg/s | router / passthrough | router / same writes | router start-up s | decisions alone, no Kafka, msg/s |")
        print("|---|---|---|---|---|---|---|---|")
        for i in passthroughRates.indices {
            print(String(format: "| %d | %.0f | %.0f | %.0f | %.2f | %.2f | %.1f | %.0f |", i + 1, passthroughRates[i], sameWritesRates[i], routerRates[i],
                         routerRates[i] / passthroughRates[i], routerRates[i] / sameWritesRates[i], startups[i], decideRates[i]))
        }
        let sm = median(sameWritesRates)
        print(String(format: "| median | %.0f | %.0f | %.0f | %.2f | %.2f | %.1f | %.0f |", pm, sm, rm, rm / pm, rm / sm, median(startups), median(decideRates)))
        print("")
        latency.printTable()
        print("")
        print("Router batches (one transaction each; time from the batch's first decision to its offsets committed):")
        for line in batchLines { print("- " + line) }
        print("")
        print("One router batch step by step (RouterStep, then its Kafka calls in the router's order), on the idle broker after the run, ms:")
        print("")
        print("| inputs per batch | step | p50 | max |")
        print("|---|---|---|---|")
        for (size, list) in steps {
            for (name, values) in list {
                let v = values.sorted()
                if v.isEmpty { continue }
                print(String(format: "| %d | %@ | %.1f | %.1f |", size, name, v[(v.count - 1) / 2], v.last ?? .nan))
            }
        }
    }

    /// Replays the router's batch on its own: decisions (RouterStep), then the same Kafka
    /// calls RouterService.process makes, each timed. The consumer only lends its group
    /// metadata to the transaction (group bench-txn-steps; the router's offsets are untouched).
    static func transactionSteps(
        _ client: KafkaClientConfiguration, place: PlaceConfiguration, workload: SyntheticHalton, inputs: [RouterInput],
        perBatch: Int, batches: Int, scratch: String
    ) async throws -> [(String, [Double])] {
        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.transactionalID = "bench-txn-steps-\(perBatch)"
        producerConfiguration.linger = .milliseconds(1)
        let producer = try KafkaProducer(configuration: producerConfiguration)
        try await producer.initTransactions()
        var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupID: "bench-txn-steps-\(perBatch)")
        consumerConfiguration.sessionTimeout = .seconds(6)
        let consumer = try KafkaConsumer(configuration: consumerConfiguration)
        try consumer.subscribe([scratch])
        let deadline = ContinuousClock.now + .seconds(30)
        while try consumer.assignment().isEmpty && ContinuousClock.now < deadline { _ = try await consumer.poll() }

        let context = DecisionsOnly.context(place, workload)
        var chains = DecisionsOnly.FreshChains()
        let names = ["decide (RouterStep)", "send deliveries, review, dead letters", "send audit", "send offsets to transaction", "commit transaction", "plain offset commit", "whole batch"]
        var times = Array(repeating: [Double](), count: names.count)
        func ms(_ from: ContinuousClock.Instant) -> Double { seconds(ContinuousClock.now - from) * 1000 }
        for b in 0..<batches {
            let batch = inputs.dropFirst(b * perBatch).prefix(perBatch)
            if batch.isEmpty { break }
            var t = ContinuousClock.now
            let start = t
            var writes = RouterWrites()
            for input in batch { chains.route(input, context: context, into: &writes) }
            var positions: [KafkaTopicPartition: Int64] = [:]
            for input in batch {
                let tp = KafkaTopicPartition(topic: input.topic, partition: Int32(input.partition))
                positions[tp] = max(positions[tp] ?? 0, Int64(input.offset) + 1)
            }
            let offsets = positions.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
            times[0].append(ms(t))
            t = .now
            try producer.beginTransaction()
            if let e = try await producer.send(batch: writes.outputs).failures.first?.error { throw e }
            times[1].append(ms(t))
            t = .now
            if let e = try await producer.send(batch: writes.audit).failures.first?.error { throw e }
            times[2].append(ms(t))
            t = .now
            try await producer.sendOffsetsToTransaction(offsets, consumer: consumer)
            times[3].append(ms(t))
            t = .now
            try await producer.commitTransaction()
            times[4].append(ms(t))
            t = .now
            try await consumer.commit(offsets)
            times[5].append(ms(t))
            times[6].append(ms(start))
        }
        await consumer.close()
        await producer.close()
        return Array(zip(names, times))
    }

    static func batchSummary(_ times: [Double], inputs: Int) -> String {
        let s = times.sorted()
        guard !s.isEmpty else { return "no batches" }
        func q(_ p: Double) -> Double { s[min(s.count - 1, max(0, Int((p * Double(s.count)).rounded(.up)) - 1))] }
        return String(format: "%d batches, %.0f inputs each on average, batch time p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                      s.count, Double(inputs) / Double(s.count), q(0.5), q(0.99), s.last!)
    }

    static func tansuVersion() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: (try? DevBroker.locateTansu()) ?? "/usr/local/bin/tansu")
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return "?" }
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "?"
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[(sorted.count - 1) / 2]
    }

    /// Consent directives and identity facts: the router reads them before it decides anything.
    static func produceReferenceData(_ client: KafkaClientConfiguration, _ workload: SyntheticHalton) async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client))
        let encoder = JSONEncoder()
        let directives = try workload.directives.map { d in
            KafkaOutgoingMessage(topic: HXTopic.consent, key: Array(d.nhsNumber.digits.utf8), value: Array(try encoder.encode(d)))
        }
        let facts = workload.identityFacts.map { f in
            KafkaOutgoingMessage(topic: HXTopic.identity, key: Array(f.nhsNumber.digits.utf8), value: Array(f.jsonData))
        }
        let reports = try await producer.send(batch: directives + facts)
        await producer.close()
        if let error = reports.failures.first?.error { throw error }
    }

    /// `count` synthetic records on the canonical topics, timestamped now. Updates `ends`
    /// from the delivery reports (the broker's ListOffsets understates the end).
    /// Returns the average value size.
    static func preload(
        _ client: KafkaClientConfiguration, workload: inout SyntheticHalton, from first: Int, count: Int, ends: inout [KafkaTopicPartition: Int64]
    ) async throws -> (averageSize: Double, inputs: [RouterInput]) {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client))
        var bytes = 0
        var inputs: [RouterInput] = []
        inputs.reserveCapacity(count)
        var next = first
        while next < first + count {
            let range = next..<min(next + 10_000, first + count)
            let now = Int64(wallMilliseconds())
            let outgoing = range.map { i in
                let r = workload.next(index: i)
                bytes += r.value.count
                return KafkaOutgoingMessage(topic: r.topic, key: Array(r.key.utf8), value: r.value, timestampMilliseconds: now)
            }
            let reports = try await producer.send(batch: outgoing)
            if let error = reports.failures.first?.error { throw error }
            for (report, message) in zip(reports, outgoing) {
                let tp = KafkaTopicPartition(topic: report.topic, partition: report.partition)
                ends[tp] = max(ends[tp] ?? 0, report.offset + 1)
                inputs.append(RouterInput(
                    topic: report.topic, partition: Int(report.partition), offset: Int(report.offset), timestampMilliseconds: now, value: message.value))
            }
            next = range.upperBound
        }
        await producer.close()
        return (Double(bytes) / Double(count), inputs)
    }

    /// The router's decisions alone (RouterStep, as RouterService calls it per record), on
    /// one thread without Kafka: what the CPU allows before any transaction is paid for.
    static func decideOnly(_ inputs: [RouterInput], place: PlaceConfiguration, workload: SyntheticHalton) -> Double {
        let context = DecisionsOnly.context(place, workload)
        var chains = DecisionsOnly.FreshChains()
        var outputs = 0
        let start = ContinuousClock.now
        for input in inputs {
            var writes = RouterWrites()
            chains.route(input, context: context, into: &writes)
            outputs += writes.outputs.count + writes.audit.count
        }
        let elapsed = seconds(ContinuousClock.now - start)
        precondition(outputs > 0)
        return Double(inputs.count) / elapsed
    }

    // MARK: Baseline

    /// `kafka-bench passthrough` over the canonical topics: consume, produce each record
    /// to `to`, wait for the reports, commit; per poll batch. Same client settings.
    static func passthrough(
        _ client: KafkaClientConfiguration, group: String, from start: [KafkaTopicPartition: Int64], count: Int, to: String
    ) async throws -> Double {
        var configuration = KafkaConsumerConfiguration(client: client, groupID: group)
        configuration.sessionTimeout = .seconds(6)
        // Earlier rounds' records are on these topics too: the group starts where this round's begin.
        let seeder = try KafkaConsumer(configuration: configuration)
        try await seeder.commit(start.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) })
        await seeder.close()

        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client))
        let consumer = try KafkaConsumer(configuration: configuration)
        try consumer.subscribe(HXTopic.canonicalTopics)
        var moved = 0
        var first: (at: ContinuousClock.Instant, moved: Int)?
        let deadline = ContinuousClock.now + .seconds(300)
        while moved < count && ContinuousClock.now < deadline {
            let batch = try await consumer.poll()
            if batch.isEmpty { continue }
            if let early = batch.first(where: { $0.offset < start[KafkaTopicPartition(topic: $0.topic, partition: $0.partition)] ?? 0 }) {
                throw KafkaError(code: .broker, message: "passthrough read \(early.topic)[\(early.partition)]@\(early.offset), before this round's records")
            }
            let outgoing = batch.map { KafkaOutgoingMessage(topic: to, key: $0.key, value: $0.value, headers: $0.headers) }
            let reports = try await producer.send(batch: outgoing)
            if let error = reports.failures.first?.error { throw error }
            try await consumer.commit(KafkaTopicPartitionOffset.positions(after: batch))
            moved += batch.count
            if first == nil { first = (.now, moved) }
        }
        let end = ContinuousClock.now
        await consumer.close()
        await producer.close()
        guard moved >= count, let first else { throw KafkaError(code: .timedOut, message: "passthrough moved \(moved) of \(count)") }
        return Double(moved - first.moved) / seconds(end - first.at)
    }

    // MARK: Router

    static func routeBacklog(
        _ client: KafkaClientConfiguration, admin: KafkaAdmin, place: PlaceConfiguration, count: Int,
        ends: [KafkaTopicPartition: Int64], batchSize: Int
    ) async throws -> (rate: Double, startup: Double, batchTimes: [Double]) {
        let started = ContinuousClock.now
        let router = InProcessRouter(client: client, place: place, batchSize: batchSize, target: count)
        let probe = router.probe
        let deadline = ContinuousClock.now + .seconds(600)
        while probe.finished == nil {
            if ContinuousClock.now > deadline { throw KafkaError(code: .timedOut, message: "the router routed \(probe.inputs) of \(count)") }
            try await router.checkRunning()
            try await Task.sleep(for: .milliseconds(5))
        }
        // The offsets are committed before the router counts its inputs; check they reached the end.
        let committed = try await admin.committedOffsets(group: "hx-router", partitions: Array(ends.keys))
        let behind = committed.filter { $0.offset < ends[$0.topicPartition] ?? 0 }
        if !behind.isEmpty { throw KafkaError(code: .broker, message: "router counted \(count) inputs but committed offsets are behind: \(behind)") }
        try await router.stop()
        if probe.aborted > 0 { note("router: \(probe.aborted) batches aborted and redone") }
        let first = probe.firstCommit!, end = probe.finished!
        return (Double(count - first.inputs) / seconds(end - first.at), seconds(first.at - started), probe.batchTimes)
    }

    // MARK: Load only, against a router elsewhere

    static func loadOnly(_ options: Options, place: PlaceConfiguration, rate: Int, duration: Int) async throws {
        var client = KafkaClientConfiguration(bootstrapServers: [options.bootstrap!])
        client.clientID = "router-bench-load"
        let workload = SyntheticHalton()
        try await produceReferenceData(client, workload)
        try await Task.sleep(for: .seconds(2))
        let run = LatencyRun(client: client, place: place, workload: workload, firstIndex: 10_000_000, rate: rate, duration: duration, warmup: options.warmup, fetchMaxWait: options.fetchWait)
        let result = try await run.run(rss: options.rssPID)
        result.printTable()
    }
}

// MARK: In-process router

/// A RouterService in this process (as the router tests run it), with a metrics
/// factory that notes when the first batch commits and when `target` inputs have.
struct InProcessRouter {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let probe: RouterProbe
    let done = Flag()

    init(client: KafkaClientConfiguration, place: PlaceConfiguration, batchSize: Int, target: Int = .max) {
        var settings = RouterSettings(client: client, instance: "bench")
        settings.sessionTimeout = .seconds(6)
        settings.batchSize = batchSize
        let logger = Logger(label: "hx.router.bench")
        probe = RouterProbe(target: target)
        let router = RouterService(settings: settings, configuration: place, logger: logger, metricsFactory: probe)
        let group = ServiceGroup(configuration: .init(services: [.init(service: router)], logger: logger))
        self.group = group
        task = Task { [done] in
            defer { done.set() }
            try await group.run()
        }
    }

    /// Rethrows the router's error if it has stopped.
    func checkRunning() async throws {
        if done.isSet {
            try await task.value
            throw KafkaError(code: .broker, message: "the router stopped")
        }
    }

    func waitUntilAssigned(partitions: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while probe.partitions < partitions {
            if ContinuousClock.now > deadline { throw KafkaError(code: .timedOut, message: "the router was not assigned \(partitions) partitions") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

/// Sees the router's own counters (RouterTelemetry), so the timing needs no polling of the broker.
final class RouterProbe: MetricsFactory, Sendable {
    struct State {
        var inputs = 0
        var firstCommit: (at: ContinuousClock.Instant, inputs: Int)?
        var finished: ContinuousClock.Instant?
        var aborted = 0
        var partitions = 0
        /// Each committed batch's time (RouterTelemetry's timer), milliseconds.
        var batchTimes: [Double] = []
    }

    let target: Int
    private let state = Mutex(State())
    init(target: Int) { self.target = target }

    var inputs: Int { state.withLock { $0.inputs } }
    var firstCommit: (at: ContinuousClock.Instant, inputs: Int)? { state.withLock { $0.firstCommit } }
    var finished: ContinuousClock.Instant? { state.withLock { $0.finished } }
    var aborted: Int { state.withLock { $0.aborted } }
    var partitions: Int { state.withLock { $0.partitions } }
    var batchTimes: [Double] { state.withLock { $0.batchTimes } }

    final class Handler: CounterHandler, RecorderHandler, TimerHandler, Sendable {
        let onValue: @Sendable (Int64) -> Void
        init(_ onValue: @escaping @Sendable (Int64) -> Void) { self.onValue = onValue }
        func increment(by amount: Int64) { onValue(amount) }
        func reset() {}
        func record(_ value: Int64) { onValue(value) }
        func record(_ value: Double) { onValue(Int64(value)) }
        func recordNanoseconds(_ duration: Int64) { onValue(duration) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        if label == RouterTelemetry.Name.inputs {
            return Handler { [self] n in
                let now = ContinuousClock.now
                state.withLock { s in
                    s.inputs += Int(n)
                    if s.firstCommit == nil { s.firstCommit = (now, s.inputs) }
                    if s.inputs >= self.target && s.finished == nil { s.finished = now }
                }
            }
        }
        if label == RouterTelemetry.Name.batches && dimensions.contains(where: { $0 == ("result", "aborted") }) {
            return Handler { [self] n in state.withLock { $0.aborted += Int(n) } }
        }
        return NOOPMetricsHandler.instance
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if label == RouterTelemetry.Name.partitions { return Handler { [self] v in state.withLock { $0.partitions = Int(v) } } }
        return NOOPMetricsHandler.instance
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        if label == RouterTelemetry.Name.batchSeconds { return Handler { [self] ns in state.withLock { $0.batchTimes.append(Double(ns) / 1e6) } } }
        return NOOPMetricsHandler.instance
    }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

// MARK: Latency at a fixed rate

/// Sends synthetic records at `rate` for `duration` seconds, each timestamped when it
/// is handed to the producer, and reads every delivery topic (read_committed, as a
/// recipient would): latency is the delivery's arrival time minus the record timestamp,
/// which the router copies from its input.
struct LatencyRun {
    let client: KafkaClientConfiguration
    let place: PlaceConfiguration
    let workload: SyntheticHalton
    let firstIndex: Int
    let rate: Int
    let duration: Int
    let warmup: Int
    let fetchMaxWait: Int

    struct Result {
        var sent = 0
        var achievedRate = 0.0
        /// Per input (identified by the canonical message id in the delivery), its first delivery.
        var firstPerInput: [Double] = []
        var allDeliveries: [Double] = []
        /// Send → delivery report on the canonical topic.
        var produceAcks: [Double] = []
        var warmup = 0
        var fetchMaxWait = 0
        var rss: [(seconds: Int, kib: Int)] = []

        func printTable() {
            print(String(format: "Latency, canonical topic → delivery topic: %d inputs sent at %.0f/s achieved (the first %d s not counted); "
                + "record timestamps in whole ms, so figures may be up to 1 ms high; delivery consumer fetch.wait.max.ms %d.",
                sent, achievedRate, warmup, fetchMaxWait))
            print("")
            print("| counted | n | p50 ms | p95 ms | p99 ms | max ms |")
            print("|---|---|---|---|---|---|")
            row("each input once (its first delivery)", firstPerInput)
            row("every delivery", allDeliveries)
            row("producer send → ack on the canonical topic (linger 1 ms)", produceAcks)
            if !rss.isEmpty {
                print("")
                print("| seconds | VmRSS MiB |")
                print("|---|---|")
                for s in rss { print(String(format: "| %d | %.1f |", s.seconds, Double(s.kib) / 1024)) }
            }
        }

        func row(_ name: String, _ values: [Double]) {
            let s = values.sorted()
            func q(_ p: Double) -> Double { s.isEmpty ? .nan : s[min(s.count - 1, max(0, Int((p * Double(s.count)).rounded(.up)) - 1))] }
            print(String(format: "| %@ | %d | %.1f | %.1f | %.1f | %.1f |", name, s.count, q(0.5), q(0.95), q(0.99), s.last ?? .nan))
        }
    }

    final class Collector: Sendable {
        struct State {
            var firstPerInput: [Double] = []
            var all: [Double] = []
            var seen: Set<String> = []
            var acks: [Double] = []
            var lastArrival = ContinuousClock.now
        }
        let state = Mutex(State())
    }

    func run(rss pid: Int32?) async throws -> Result {
        var workload = self.workload
        let admin = try KafkaAdmin(configuration: client)
        let cluster = try await admin.describeCluster()
        var partitions: [KafkaTopicPartitionOffset] = []
        for organisation in place.organisations {
            let topic = HXTopic.delivery(organisation.code)
            for p in cluster.topic(topic)?.partitions ?? [] {
                partitions.append(KafkaTopicPartitionOffset(topic: topic, partition: p.id, offset: KafkaConsumer.end))
            }
        }
        var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupID: "router-bench-latency")
        consumerConfiguration.fetchMaxWait = .milliseconds(Int64(fetchMaxWait))
        let consumer = try KafkaConsumer(configuration: consumerConfiguration)
        try consumer.assign(partitions)

        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.linger = .milliseconds(1)
        let producer = try KafkaProducer(configuration: producerConfiguration)

        let collector = Collector()
        let loadStart = wallMilliseconds()
        // Deliveries of earlier inputs (the end offset may be understated) and of the warm-up are not counted.
        let countFrom = Int64(loadStart) + Int64(warmup) * 1000
        let stop = Flag()
        let reader = Task {
            while !stop.isSet {
                let batch = try await consumer.poll()
                let now = wallMilliseconds()
                guard !batch.isEmpty else { continue }
                var fresh: [(Double, String?)] = []
                for m in batch {
                    guard let ts = m.timestampMilliseconds, ts >= countFrom else { continue }
                    fresh.append((now - Double(ts), m.withUnsafeValue(topLevelID)))
                }
                collector.state.withLock { s in
                    s.lastArrival = .now
                    for (latency, id) in fresh {
                        s.all.append(latency)
                        if let id, s.seen.insert(id).inserted { s.firstPerInput.append(latency) }
                    }
                }
            }
        }
        let sampler = Task {
            guard let pid else { return [(seconds: Int, kib: Int)]() }
            var samples: [(seconds: Int, kib: Int)] = []
            let start = ContinuousClock.now
            while !stop.isSet {
                if let kib = residentKiB(pid) {
                    let at = Int(seconds(ContinuousClock.now - start).rounded())
                    samples.append((at, kib))
                    note("rss t=\(at)s \(kib) KiB")
                }
                try? await Task.sleep(for: .seconds(10))
            }
            if let kib = residentKiB(pid) { samples.append((Int(seconds(ContinuousClock.now - start).rounded()), kib)) }
            return samples
        }

        // Every 5 ms, send what is due by then; sends run concurrently so a slow ack never delays the schedule.
        let total = rate * duration
        let start = ContinuousClock.now
        let tick = Duration.milliseconds(5)
        var sent = 0, ticks = 0
        try await withThrowingDiscardingTaskGroup { group in
            while sent < total {
                let due = min(total, Int(Double(rate) * seconds(ContinuousClock.now - start)))
                if due > sent {
                    let now = wallMilliseconds()
                    let outgoing = (sent..<due).map { i in
                        let r = workload.next(index: firstIndex + i)
                        return KafkaOutgoingMessage(topic: r.topic, key: Array(r.key.utf8), value: r.value, timestampMilliseconds: Int64(now))
                    }
                    sent = due
                    group.addTask {
                        let reports = try await producer.send(batch: outgoing)
                        if let error = reports.failures.first?.error { throw error }
                        let ack = wallMilliseconds() - now
                        collector.state.withLock { $0.acks.append(contentsOf: repeatElement(ack, count: outgoing.count)) }
                    }
                }
                ticks += 1
                try await Task.sleep(until: start + tick * ticks, clock: .continuous)
            }
        }
        let elapsed = seconds(ContinuousClock.now - start)
        // Until deliveries stop for 3 s (at most 60 s): the router may be behind.
        let drainDeadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < drainDeadline {
            try await Task.sleep(for: .milliseconds(200))
            if collector.state.withLock({ ContinuousClock.now - $0.lastArrival }) > .seconds(3) { break }
        }
        stop.set()
        try await reader.value
        let rss = await sampler.value
        await consumer.close()
        await producer.close()

        let s = collector.state.withLock { $0 }
        return Result(
            sent: sent, achievedRate: Double(sent) / elapsed, firstPerInput: s.firstPerInput, allDeliveries: s.all,
            produceAcks: s.acks, warmup: warmup, fetchMaxWait: fetchMaxWait, rss: rss)
    }
}

/// The top-level "id" of a canonical message's JSON (keys sorted, no whitespace:
/// CanonicalJSON), found without decoding the document.
func topLevelID(_ bytes: UnsafeRawBufferPointer) -> String? {
    let key = Array(#""id":""#.utf8)
    var depth = 0, inString = false, escaped = false
    var i = 0
    let n = bytes.count
    while i < n {
        let c = bytes[i]
        if inString {
            if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
            i += 1
            continue
        }
        switch c {
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
        case UInt8(ascii: "\""):
            if depth == 1, i > 0, bytes[i - 1] == UInt8(ascii: "{") || bytes[i - 1] == UInt8(ascii: ","), i + key.count <= n,
               (0..<key.count).allSatisfy({ bytes[i + $0] == key[$0] }) {
                var j = i + key.count
                while j < n && bytes[j] != UInt8(ascii: "\"") { j += 1 }
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(i + key.count)..<j]), as: UTF8.self)
            }
            inString = true
        default: break
        }
        i += 1
    }
    return nil
}

/// VmRSS of a process in KiB, from /proc/PID/status.
func residentKiB(_ pid: Int32) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
}
