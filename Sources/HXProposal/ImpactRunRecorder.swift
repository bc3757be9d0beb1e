import Foundation
import HXAudit
import HXCanonical
import HXKafka
import HXStaffAudit
import Logging

/// Records each impact report run from the console (who, when, the two
/// configuration digests, the window) on `hx.audit.ig.v1`, in the admin's own
/// chain `admin:<actor>`, before the report is read: an IG group can then see
/// which proposals were looked at, by whom, even for a run that failed.
package struct ImpactRunRecorder: Sendable {
    let writer: StaffAuditWriter

    package init(client: KafkaClientConfiguration, key: AuditKey?, logger: Logger) {
        writer = StaffAuditWriter(client: client, key: key, logger: logger)
    }

    package static func chainId(actor: String) -> String { "admin:\(actor)" }

    /// Appends one `configuration-impact-run` record and waits until it is committed.
    package func record(
        actor: String, role: String, proposedDigest: String, proposedName: String, from: String, to: String,
        configurationDigest: String, at time: Date = Date()
    ) async throws -> AuditRecord {
        let entry = try AuditRecordBuilder.configurationImpactRun(
            requestId: UUID().uuidString.lowercased(), time: Instant(time), actor: actor, role: role,
            proposedDigest: proposedDigest, proposedName: proposedName, from: from, to: to, configurationDigest: configurationDigest)
        return try await writer.append([entry], chainId: Self.chainId(actor: actor), transactionalID: HXTransactionalID.admin(actor))[0]
    }
}
