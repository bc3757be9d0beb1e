import Foundation
import HXAudit
import HXAuditIndex
import HXCanonical
import HXImpact
import HXOperations
import HXPlace
import HXReview

/// One chain's verification, as the audit page lists it.
package struct ChainStatus: Sendable, Equatable {
    package init(chainId: String, records: Int, lastSequence: Int?, problem: String?) {
        self.chainId = chainId
        self.records = records
        self.lastSequence = lastSequence
        self.problem = problem
    }

    package var chainId: String
    package var records: Int
    package var lastSequence: Int?
    /// Nil when the chain holds.
    package var problem: String?
}

package struct VerificationStatus: Sendable, Equatable {
    package init(checkedAt: Date, chains: [ChainStatus], conflicts: [String]) {
        self.checkedAt = checkedAt
        self.chains = chains
        self.conflicts = conflicts
    }

    package var checkedAt: Date
    package var chains: [ChainStatus]
    /// Conflicts the indexer kept (same decision id, different bytes).
    package var conflicts: [String]
    package var holds: Bool { conflicts.isEmpty && chains.allSatisfy { $0.problem == nil } }
}

/// Everything the console's pages read or do, apart from HTTP: the routes
/// decide who may ask; this answers. Whatever shows a patient identifier
/// records the viewer's access in the audit log first and shows nothing if
/// that fails (`searchAudit`, `subjectAccessReport`, `deadLetterValue`).
package protocol ConsoleBackend: Sendable {
    var place: PlaceConfiguration { get }
    func operations() async throws -> OperationsSnapshot
    /// Decisions by outcome since `since`, from the audit index.
    func decisionsByOutcome(since: Date) async throws -> [AuditOutcome: Int]
    /// Decisions from `since` (RFC 3339) by agreement and outcome, from the audit index (the agreement register).
    func agreementOutcomeCounts(since: String) async throws -> [String: [AuditOutcome: Int]]
    func deadLetters() async throws -> [DeadLetter]
    /// The alerts Prometheus has firing; nil when the console was given no Prometheus to ask.
    func firingAlerts() async -> FiringAlert.Reading?
    /// Where each recipient with a delivery block stands (counts, states, reason codes; never identifiers).
    func deliveries() async throws -> [DeliveryBoard.Row]
    func deadLetter(_ ref: DeadLetterRef) async throws -> DeadLetter?
    /// dead letter refs → "has it been replayed" (by audit records of kind dead-letter-replay).
    func replayedDeadLetters() async throws -> Set<DeadLetterRef>
    func deadLetterValue(_ ref: DeadLetterRef, viewer: StaffSession) async throws -> [UInt8]?
    func planReplay(_ refs: [DeadLetterRef]) async throws -> [ReplayItem]
    func replay(_ refs: [DeadLetterRef], by: StaffSession) async throws -> [ReplayOutcome]
    func searchAudit(_ query: AuditQuery, describedAs: String, by: StaffSession) async throws -> [IndexedAuditRecord]
    func subjectAccessReport(nhsNumber: String, by: StaffSession) async throws -> String
    /// Every canonical input from `from` to `to` decided under the configuration in force and
    /// under `proposed`; the run is recorded in the audit trail first (who, the two digests,
    /// the window), and nothing is shown if that fails. Nothing is applied.
    func impact(of proposed: PlaceConfiguration, named: String, from: Instant, to: Instant, by: StaffSession) async throws -> ImpactReport
    func verifyChains() async throws -> VerificationStatus
    func lastVerification() async -> VerificationStatus?
    /// The review queue's size and its oldest item's age: no identifier, for operators and the overview.
    func reviewSummary() async throws -> ReviewSummary
    /// The open review items, oldest first, with demographics and candidates; the
    /// reviewer's view is recorded in their audit chain first.
    func reviewItems(viewer: StaffSession) async throws -> [ReviewItemView]
    /// A resolution (`ReviewResolver`); throws `ResolutionRefusal` when the rules refuse it.
    func resolve(_ request: ResolutionRequest, by: StaffSession) async throws -> ResolutionReceipt
}
