import Foundation
import HXAudit
import HXCanonical
import HXKafka
import HXPlace
import HXStaffAudit
import Logging

/// Records auditors' own use of patient data (searches, reports) on
/// `hx.audit.ig.v1`, so that access to the log is itself in the log: one
/// hash chain per auditor, `auditor:<actor>`.
///
/// Fails closed: the caller shows nothing if recording fails.
package struct AuditAccessRecorder: Sendable {
    let writer: StaffAuditWriter

    package init(client: KafkaClientConfiguration, key: AuditKey?, logger: Logger) {
        writer = StaffAuditWriter(client: client, key: key, logger: logger)
    }

    package static func chainId(actor: String) -> String { "auditor:\(actor)" }

    /// Appends one `auditor-access` record and waits until it is committed.
    /// `query` describes what was asked, without the NHS number (that has its own field).
    package func record(
        actor: String, action: String, query: String, nhsNumber: String?, configurationDigest: String, actorName: String? = nil, at time: Date = Date()
    ) async throws -> AuditRecord {
        let entry = try AuditRecordBuilder.auditorAccess(
            requestId: UUID().uuidString.lowercased(), time: Instant(time),
            actor: actor, role: "auditor", action: action, query: query, nhsNumber: nhsNumber, configurationDigest: configurationDigest,
            actorName: actorName)
        return try await writer.append([entry], chainId: Self.chainId(actor: actor), transactionalID: HXTransactionalID.auditor(actor))[0]
    }
}
