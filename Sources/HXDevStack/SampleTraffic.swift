import Foundation
import HXAdapterRuntime
import HXOperations
import ServiceLifecycle
import Synchronization

/// Sends each adapter its sample files through the adapter's own source, then
/// waits until every input is accounted for and prints what flowed, what was
/// withheld and why. It stays until shutdown, or with `--exit-when-settled`
/// ends the run.
package final class SampleTraffic: Service, Sendable {
    let adapters: [(name: String, endpoint: SourceFeeder.Endpoint, samples: URL)]
    let reconciler: LogReconciler
    let settleTimeout: Duration
    let consolePort: Int
    let servers: String
    let exitWhenSettled: Bool
    /// Where the recipients' deliveries stand (`hx run`'s delivery workers), for the summary.
    let deliveries: (@Sendable () async throws -> [DeliveryBoard.Row])?
    private let outcome = Mutex<Bool?>(nil)

    /// Whether every input was accounted for when the summary was printed (nil: not yet printed).
    package var settled: Bool? { outcome.withLock { $0 } }

    package init(adapters: [(name: String, endpoint: SourceFeeder.Endpoint, samples: URL)], reconciler: LogReconciler,
                 settleTimeout: Duration, consolePort: Int, servers: String, exitWhenSettled: Bool,
                 deliveries: (@Sendable () async throws -> [DeliveryBoard.Row])? = nil) {
        self.deliveries = deliveries
        self.adapters = adapters
        self.reconciler = reconciler
        self.settleTimeout = settleTimeout
        self.consolePort = consolePort
        self.servers = servers
        self.exitWhenSettled = exitWhenSettled
    }

    struct Fed {
        var adapter: String
        var file: String
        var answer: SourceFeeder.Answer
    }

    package func run() async throws {
        try await cancelWhenGracefulShutdown {
            var fed: [Fed] = []
            for adapter in self.adapters {
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: adapter.samples.path)) ?? []).sorted()
                for file in files {
                    guard let data = FileManager.default.contents(atPath: adapter.samples.appendingPathComponent(file).path) else { continue }
                    let answer = try await Self.send(Array(data), name: file, to: adapter.endpoint)
                    fed.append(Fed(adapter: adapter.name, file: file, answer: answer))
                    print("feed:       \(adapter.name) \(file): \(answer)")
                }
            }
            let clock = ContinuousClock()
            let fedAt = clock.now
            var snapshot = try await self.reconciler.read(flows: true)
            while !snapshot.report.complete && clock.now < fedAt + self.settleTimeout {
                try await Task.sleep(for: .seconds(1))
                snapshot = try await self.reconciler.read(flows: true)
            }
            // Then until every delivery record has reached its recipient's stand-in (or failed for good), and
            // over MESH until the practice's ITK3 acknowledgements of it are recorded.
            var board = try await self.deliveries?() ?? []
            while board.contains(where: { $0.undelivered > 0 || $0.awaitingAcknowledgement > 0 }) && clock.now < fedAt + self.settleTimeout {
                try await Task.sleep(for: .seconds(1))
                board = try await self.deliveries?() ?? []
            }
            let delivered = !board.contains { $0.undelivered > 0 || $0.awaitingAcknowledgement > 0 }
            self.outcome.withLock { $0 = snapshot.report.complete && delivered }
            print(RunSummary(fed: fed, snapshot: snapshot, waited: clock.now - fedAt, consolePort: self.consolePort, servers: self.servers,
                             deliveries: board).text)
        }
        // Returning ends the run (--exit-when-settled); otherwise the system runs on until Ctrl-C.
        if !exitWhenSettled { try? await gracefulShutdown() }
    }

    /// As a sender would: an answer of "not taken" (AR, 503, file left in place) is tried again a few times.
    static func send(_ bytes: [UInt8], name: String, to endpoint: SourceFeeder.Endpoint) async throws -> SourceFeeder.Answer {
        var answer = SourceFeeder.Answer.notTaken("not sent")
        for attempt in 1...5 {
            do {
                answer = try await SourceFeeder.send(bytes, name: name, to: endpoint, timeout: .seconds(30))
            } catch let error as SourceFeeder.FeedError {
                answer = .notTaken(error.description)
            }
            guard case .notTaken = answer, attempt < 5 else { break }
            try await Task.sleep(for: .seconds(2))
        }
        return answer
    }
}
