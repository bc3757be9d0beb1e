import HXCanonical
import HXDelivery
import HXPlace

/// What is still owed for each delivery sent over MESH (docs/design.md "NHS MESH
/// and ITK3"): the practice's ITK3 infrastructure and business acknowledgements,
/// within the delivery block's `acknowledgements` limits. Pure: it learns only
/// from statuses as they are written to `hx.delivery.v1` (`note`), so a worker
/// that starts again rebuilds it by noting its recipient's past statuses, and
/// an arrival seen twice (downloaded again after a crash before MESH heard the
/// acknowledgement) decides nothing the second time.
package struct AcknowledgementTracker: Sendable {
    package enum Kind: String, Sendable, CaseIterable, Comparable {
        case infrastructure, business

        package static func < (a: Kind, b: Kind) -> Bool { a == .infrastructure && b == .business }
    }

    /// What the worker's own mailbox brought.
    package enum Arrival: Sendable, Equatable {
        /// An ITK3 response (on the `_ACK` workflow) to the message whose MessageHeader id is `respondsTo`;
        /// `code` is the ITK3 response code of a negative one.
        case itk3Response(respondsTo: String, kind: Kind, positive: Bool, code: String?)
        /// A MESH REPORT: the message sent with this local id (our decision id) or MESH message id was not delivered.
        case report(localId: String?, meshMessageId: String?, code: String?)
    }

    /// A status to write for one decision.
    package struct Step: Sendable, Equatable {
        package var decisionId: String
        package var status: DeliveryStatus.State
        package var reason: String?
        package var detail: String
        /// The acknowledgement it concerns (for metrics); nil for a REPORT.
        package var kind: Kind?
    }

    package enum Correlation: Sendable, Equatable {
        case step(Step)
        /// For a decision sent over MESH whose outcome of that kind, or final outcome, is already recorded.
        case alreadyRecorded(decisionId: String)
        /// For no decision this worker sent (another worker's, or not an answer to anything).
        case unknown
    }

    /// Reason codes of the statuses it decides (stable: statuses, metrics, dead letters, alerts).
    package enum Reason {
        package static let itk3NegativeResponse = "itk3-negative-response"
        package static let meshNonDelivery = "mesh-non-delivery"
        package static func overdue(_ kind: Kind) -> String { "\(kind.rawValue)-acknowledgement-overdue" }
    }

    /// One delivery sent and not yet business-acknowledged nor failed.
    package struct Outstanding: Sendable, Equatable {
        /// Its `sent` status: the ids, the place on the delivery topic, the MESH message id.
        package var sent: DeliveryStatus
        package var sentAt: Int64
        package var acknowledged: Set<Kind> = []
        package var overdue: Set<Kind> = []
    }

    package let limits: DeliverySettings.Acknowledgements
    /// The ITK3 MessageHeader id the renderer gives a decision's message (ITK3 responses name it).
    let messageHeaderId: @Sendable (String) -> String
    package private(set) var outstanding: [String: Outstanding] = [:]
    /// Every decision sent over MESH, settled or not, by its MessageHeader id and MESH message id: an
    /// answer about a settled one (downloaded again after a crash) is recognised, and acknowledged in MESH.
    private var byHeader: [String: String] = [:]
    private var byMESHId: [String: String] = [:]
    private var everSent: Set<String> = []

    package init(limits: DeliverySettings.Acknowledgements?, messageHeaderId: @escaping @Sendable (String) -> String) {
        self.limits = limits ?? DeliverySettings.Acknowledgements(infrastructure: nil, business: nil)
        self.messageHeaderId = messageHeaderId
    }

    /// Learns from a status written for this worker's recipient (at start, each past one in topic order).
    package mutating func note(_ status: DeliveryStatus) {
        let id = status.decisionId
        switch status.status {
        case .sent:
            guard outstanding[id] == nil, let at = Self.milliseconds(status.time) else { return }
            outstanding[id] = Outstanding(sent: status, sentAt: at)
            everSent.insert(id)
            byHeader[messageHeaderId(id).lowercased()] = id
            if let mesh = status.meshMessageId { byMESHId[mesh] = id }
        case .infrastructureAcknowledged:
            outstanding[id]?.acknowledged.insert(.infrastructure)
        case .businessAcknowledged:
            // The practice's answer is in: nothing more is owed.
            forget(id)
        case .overdue:
            if let kind = Kind.allCases.first(where: { status.reason == Reason.overdue($0) }) { outstanding[id]?.overdue.insert(kind) }
        case .failed:
            forget(id)
        case .retrying:
            break
        }
    }

    private mutating func forget(_ id: String) {
        outstanding[id] = nil
    }

    /// The decision an arrival concerns and the status it calls for.
    package func correlate(_ arrival: Arrival) -> Correlation {
        switch arrival {
        case .itk3Response(let respondsTo, let kind, let positive, let code):
            guard let id = byHeader[respondsTo.lowercased()] else { return .unknown }
            guard let waiting = outstanding[id] else { return .alreadyRecorded(decisionId: id) }
            if positive {
                guard !waiting.acknowledged.contains(kind) else { return .alreadyRecorded(decisionId: id) }
                return .step(Step(decisionId: id, status: kind == .infrastructure ? .infrastructureAcknowledged : .businessAcknowledged,
                                  reason: nil, detail: "ITK3 \(kind.rawValue) acknowledgement", kind: kind))
            }
            return .step(Step(decisionId: id, status: .failed, reason: Reason.itk3NegativeResponse,
                              detail: "negative ITK3 \(kind.rawValue) acknowledgement, response code \(code ?? "none given")", kind: kind))
        case .report(let localId, let meshMessageId, let code):
            let id = localId.flatMap { everSent.contains($0.lowercased()) ? $0.lowercased() : nil } ?? meshMessageId.flatMap { byMESHId[$0] }
            guard let id else { return .unknown }
            guard outstanding[id] != nil else { return .alreadyRecorded(decisionId: id) }
            return .step(Step(decisionId: id, status: .failed, reason: Reason.meshNonDelivery,
                              detail: "MESH non-delivery report\(code.map { ", status code \($0)" } ?? "")", kind: nil))
        }
    }

    /// The acknowledgements later than their limit at `now` (milliseconds since the epoch), each once per kind.
    /// A business acknowledgement answers for the infrastructure one too.
    package func overdue(now: Int64) -> [Step] {
        var steps: [Step] = []
        for waiting in outstanding.values.sorted(by: { ($0.sentAt, $0.sent.decisionId) < ($1.sentAt, $1.sent.decisionId) }) {
            for kind in Kind.allCases {
                guard let limit = limit(kind), !waiting.acknowledged.contains(kind), !waiting.overdue.contains(kind),
                      now - waiting.sentAt > limit else { continue }
                steps.append(Step(decisionId: waiting.sent.decisionId, status: .overdue, reason: Reason.overdue(kind),
                                  detail: "no ITK3 \(kind.rawValue) acknowledgement within \(ConfigDuration.text(limit)) of sending", kind: kind))
            }
        }
        return steps
    }

    /// Deliveries with an acknowledgement now overdue (the `hx_delivery_overdue` gauge).
    package var overdueCount: Int {
        outstanding.values.count { !$0.overdue.subtracting($0.acknowledged).isEmpty }
    }

    /// The status a step writes: the `sent` status's ids and place, this step's state, reason and time.
    package func status(_ step: Step, time: String) -> DeliveryStatus? {
        guard var status = outstanding[step.decisionId]?.sent else { return nil }
        status.status = step.status
        status.time = time
        status.reason = step.reason
        status.detail = step.detail
        status.nextAttemptAt = nil
        return status
    }

    func limit(_ kind: Kind) -> DeliverySettings.Milliseconds? {
        kind == .infrastructure ? limits.infrastructure : limits.business
    }

    static func milliseconds(_ time: String) -> Int64? {
        RFC3339Timestamp(time).map { Instant($0).millisecondsSinceEpoch }
    }
}
