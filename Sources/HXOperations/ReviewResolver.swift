import Foundation
import HXAudit
import HXCanonical
import HXKafka
import HXReview
import HXStaffAudit
import Logging

/// What a resolution did: the held message, the resolution's id (which the
/// router's decisions will name) and its audit record.
package struct ResolutionReceipt: Sendable, Equatable {
    package var place: ReviewPlace
    package var item: String
    package var resolutionId: String
    package var action: ReviewResolution.Action
    package var chainId: String
    package var auditSequence: Int
}

/// Resolves a held message for a reviewer (console or `hx review`): checks the
/// request against the two topics as they are now (`ResolutionRules`), then
/// writes, in one Kafka transaction, the `identity-resolution` audit record in
/// the reviewer's chain (`reviewer:<name>`), confirmed first, and then the
/// resolution on `hx.review-resolution.v1`, which the router decides exactly
/// once. Nothing else changes anything.
package struct ReviewResolver: Sendable {
    let client: KafkaClientConfiguration
    let writer: StaffAuditWriter
    let configurationDigest: String

    package init(client: KafkaClientConfiguration, key: AuditKey?, configurationDigest: String, logger: Logger) {
        self.client = client
        writer = StaffAuditWriter(client: client, key: key, logger: logger)
        self.configurationDigest = configurationDigest
    }

    package static func chainId(reviewer: String) -> String { "reviewer:\(reviewer)" }

    /// Throws `ResolutionRefusal` when the rules refuse it (nothing is written).
    package func resolve(_ request: ResolutionRequest, role: String, store: ReviewStore, at time: Date = Date()) async throws -> ResolutionReceipt {
        let snapshot = try await store.snapshot()
        let (item, verdict) = try ResolutionRules.check(request, held: snapshot.held, resolutions: snapshot.resolutions)
        let instant = Instant(time)
        let requestId = UUID().uuidString.lowercased()
        let id = AuditIdentifiers.identityResolutionId(item: item.item, requestId: requestId)
        let message = item.message
        let nhsNumber: NHSNumber? = switch verdict {
        case .link(let n): n
        case .reject: nil
        }
        let reviewer = request.reviewer.trimmingCharacters(in: .whitespacesAndNewlines)
        let entry = try AuditRecordBuilder.identityResolution(
            resolutionId: id, time: instant, actor: reviewer, role: role, item: item.item, place: item.place.logPosition,
            messageId: message?.id.lowerCaseString ?? "", messageType: message?.type.rawValue, action: request.action.rawValue,
            nhsNumber: nhsNumber?.digits, reason: request.reason.trimmingCharacters(in: .whitespacesAndNewlines),
            configurationDigest: configurationDigest)
        let resolution = ReviewResolution(
            id: id, item: item.item, place: item.place, messageId: message?.id.lowerCaseString ?? "", action: request.action,
            nhsNumber: nhsNumber, reviewer: reviewer, resolvedAt: instant, message: item.value)
        // Keyed by the item, so every resolution of one held message is in one partition, in order:
        // the router applies the first and sees any later one as a repeat.
        let record = KafkaOutgoingMessage(
            topic: HXTopic.reviewResolution, key: Array(item.item.utf8), value: resolution.wireBytes,
            headers: [KafkaHeader(HXHeader.decisionID, item.item)], timestampMilliseconds: instant.millisecondsSinceEpoch)
        let chainId = Self.chainId(reviewer: reviewer)
        let records = try await writer.append(
            [entry], chainId: chainId, transactionalID: HXTransactionalID.reviewer(reviewer), alongside: [record], auditFirst: true)
        return ResolutionReceipt(
            place: item.place, item: item.item, resolutionId: id, action: request.action, chainId: chainId, auditSequence: records[0].sequence)
    }
}
