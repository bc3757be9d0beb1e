import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The alerts Prometheus has firing (`GET /api/v1/alerts`), for the console's
/// overview: names, severities and summaries, which name components, topics
/// and reason codes only (deploy/prometheus/alerts.yml keeps them so).
package struct FiringAlert: Sendable, Equatable {
    package var name: String
    package var severity: String
    package var summary: String
    /// RFC 3339, as Prometheus gives it.
    package var activeSince: String
    /// Where its runbook is (`docs/operations.md#name`).
    package var runbook: String

    package init(name: String, severity: String, summary: String, activeSince: String, runbook: String) {
        self.name = name
        self.severity = severity
        self.summary = summary
        self.activeSince = activeSince
        self.runbook = runbook
    }

    /// What the console shows: the firing alerts, or why there are none to show.
    package enum Reading: Sendable, Equatable {
        case firing([FiringAlert])
        /// Prometheus did not answer, or not as its API says; the words say which.
        case unavailable(String)
    }

    /// The firing alerts of an `/api/v1/alerts` answer (pending ones are not
    /// firing yet), critical first, then by name. Pure.
    package static func parse(_ body: Data) throws -> [FiringAlert] {
        struct Answer: Decodable {
            struct Payload: Decodable { var alerts: [Alert] }
            struct Alert: Decodable {
                var labels: [String: String]
                var annotations: [String: String]?
                var state: String
                var activeAt: String?
            }
            var status: String
            var data: Payload
        }
        let answer = try JSONDecoder().decode(Answer.self, from: body)
        let rank = ["critical": 0, "warning": 1]
        return answer.data.alerts.filter { $0.state == "firing" }.map {
            FiringAlert(name: $0.labels["alertname"] ?? "?", severity: $0.labels["severity"] ?? "none",
                        summary: $0.annotations?["summary"] ?? "", activeSince: $0.activeAt ?? "", runbook: $0.annotations?["runbook"] ?? "")
        }.sorted { (rank[$0.severity] ?? 2, $0.name, $0.summary) < (rank[$1.severity] ?? 2, $1.name, $1.summary) }
    }

    /// Asks the Prometheus at `base` (e.g. `http://prometheus:9090`).
    package static func read(from base: URL, timeout: TimeInterval = 5) async -> Reading {
        var request = URLRequest(url: base.appendingPathComponent("api/v1/alerts"), timeoutInterval: timeout)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        do {
            let (body, response) = try await URLSession.shared.data(for: request)
            guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
                return .unavailable("Prometheus at \(base.absoluteString) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
            }
            return .firing(try parse(body))
        } catch let error as DecodingError {
            return .unavailable("Prometheus at \(base.absoluteString) gave an answer that is not its alerts API (\(type(of: error)))")
        } catch {
            return .unavailable("Prometheus at \(base.absoluteString) did not answer: \(error.localizedDescription)")
        }
    }
}
