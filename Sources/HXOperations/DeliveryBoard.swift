import Foundation
import HXCanonical
import HXDelivery
import HXKafka
import HXPlace

/// Where each recipient's deliveries stand, from `hx.delivery.v1` and the
/// recipients' delivery topics: for operators (counts, states, reason codes,
/// never identifiers) and for `hx run`'s summary.
package struct DeliveryBoard: Sendable {
    package struct Row: Sendable, Equatable {
        package enum State: String, Sendable {
            /// Nothing waiting, or the last delivery went.
            case ok
            /// The head of the queue waits to be tried again.
            case retrying
            /// The last settled delivery failed.
            case failing
        }

        package var recipient: String
        package var transport: String?
        /// Records on `hx.deliver.<code>`.
        package var records: Int
        package var sent: Int
        package var failed: Int
        /// Records without a final status yet.
        package var undelivered: Int { max(0, records - sent - failed) }
        package var state: State
        /// The latest status of each kind, for the page.
        package var lastSent: String?
        package var lastProblem: Problem?
        /// When the oldest delivery still being retried was first tried (its first status); nil when none is.
        package var waitingSince: String?
        /// Deliveries sent whose ITK3 acknowledgement is later than the delivery block allows (MESH), and still not in.
        package var overdue: Int
        /// MESH: sent deliveries the practice has acknowledged both ways, infrastructure and business (ITK3).
        package var acknowledged: Int
        /// MESH: sent deliveries still waiting for an ITK3 acknowledgement (or both); 0 for other transports,
        /// whose `sent` is the recipient system's own acknowledgement.
        package var awaitingAcknowledgement: Int { transport == DeliverySettings.Transport.mesh.rawValue ? max(0, sent - acknowledged) : 0 }

        package init(recipient: String, transport: String?, records: Int, sent: Int, failed: Int, state: State,
                     lastSent: String?, lastProblem: Problem?, waitingSince: String? = nil, overdue: Int = 0, acknowledged: Int = 0) {
            self.recipient = recipient
            self.transport = transport
            self.records = records
            self.sent = sent
            self.failed = failed
            self.state = state
            self.lastSent = lastSent
            self.lastProblem = lastProblem
            self.waitingSince = waitingSince
            self.overdue = overdue
            self.acknowledged = acknowledged
        }

        /// A reason code (or status) and when it was recorded.
        package struct Problem: Sendable, Equatable {
            package var reason: String
            package var time: String

            package init(reason: String, time: String) {
                self.reason = reason
                self.time = time
            }
        }
    }

    package static let readerGroup = HXGroup.consolePrefix + "-deliveries"

    /// One row per recipient in `recipients`, in that order.
    package static func read(client: KafkaClientConfiguration, recipients: [String]) async throws -> [Row] {
        let cluster = try await KafkaAdmin(configuration: client).describeCluster()
        let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: readerGroup))
        do {
            var latest: [String: DeliveryStatus] = [:]
            var first: [String: String] = [:]
            var seen: [String: Set<DeliveryStatus.State>] = [:]
            for status in try await statuses(reader, cluster: cluster) {
                latest[status.decisionId] = status
                if first[status.decisionId] == nil { first[status.decisionId] = status.time }
                seen[status.decisionId, default: []].insert(status.status)
            }
            var rows: [Row] = []
            for code in recipients {
                var records = 0
                if let topic = cluster.topic(HXTopic.delivery(code)) {
                    let partitions = topic.partitions.map { KafkaTopicPartition(topic: topic.name, partition: $0.id) }
                    _ = try await reader.readToEnd(partitions, from: KafkaConsumer.beginning) { _ in records += 1 }
                }
                rows.append(row(code, records: records, statuses: latest.values.filter { $0.recipient == code }, firstTried: first, seen: seen))
            }
            await reader.close()
            return rows
        } catch {
            await reader.close()
            throw error
        }
    }

    /// Every status on `hx.delivery.v1`, each partition in order (a decision's statuses share one).
    package static func statuses(client: KafkaClientConfiguration, groupID: String = readerGroup) async throws -> [DeliveryStatus] {
        let cluster = try await KafkaAdmin(configuration: client).describeCluster()
        let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: groupID))
        do {
            let all = try await statuses(reader, cluster: cluster)
            await reader.close()
            return all
        } catch {
            await reader.close()
            throw error
        }
    }

    private static func statuses(_ reader: KafkaConsumer, cluster: KafkaClusterDescription) async throws -> [DeliveryStatus] {
        guard let topic = cluster.topic(HXTopic.deliveryStatus) else { return [] }
        var out: [DeliveryStatus] = []
        let partitions = topic.partitions.map { KafkaTopicPartition(topic: HXTopic.deliveryStatus, partition: $0.id) }
        _ = try await reader.readToEnd(partitions, from: KafkaConsumer.beginning) { m in
            if let status = try? DeliveryStatus(json: m.value) { out.append(status) }
        }
        return out
    }

    /// The row for one recipient from the latest status of each of its decisions (and, by
    /// decision id, the time of each one's first status and every status it has had). Pure.
    package static func row(_ code: String, records: Int, statuses: [DeliveryStatus], firstTried: [String: String] = [:],
                            seen: [String: Set<DeliveryStatus.State>] = [:]) -> Row {
        let ordered = statuses.sorted { $0.time < $1.time }
        // An overdue delivery was sent: what is late is the practice's acknowledgement.
        let sent = ordered.filter { [.sent, .infrastructureAcknowledged, .businessAcknowledged, .overdue].contains($0.status) }
        let failed = ordered.filter { $0.status == .failed }
        let state: Row.State
        if ordered.contains(where: { $0.status == .retrying }) {
            state = .retrying
        } else if ordered.last(where: { $0.status.isFinal })?.status == .failed {
            state = .failing
        } else {
            state = .ok
        }
        let problem = ordered.last { $0.status == .failed || $0.status == .retrying || $0.status == .overdue }
        let waiting = ordered.filter { $0.status == .retrying }.map { firstTried[$0.decisionId] ?? $0.time }.min()
        return Row(recipient: code, transport: ordered.last?.transport, records: records, sent: sent.count, failed: failed.count,
                   state: state, lastSent: sent.last?.time, lastProblem: problem.map { Row.Problem(reason: $0.reason ?? $0.status.rawValue, time: $0.time) },
                   waitingSince: waiting, overdue: ordered.count { $0.status == .overdue },
                   acknowledged: sent.count { seen[$0.decisionId, default: [$0.status]].isSuperset(of: [.infrastructureAcknowledged, .businessAcknowledged]) })
    }
}
