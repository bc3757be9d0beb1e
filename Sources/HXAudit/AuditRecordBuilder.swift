import Foundation
import HXCanonical
import HXIdentityMatch
import HXPlace
import HXPolicy

/// Where and when the router read its input: a record of a canonical topic.
package struct AuditInput: Sendable, Equatable {
    package var topic: String
    package var partition: Int
    package var offset: Int
    /// The Kafka record's timestamp: the record's time, never the clock's.
    package var timestamp: Instant

    package init(topic: String, partition: Int, offset: Int, timestamp: Instant) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
    }

    package var chainId: String { AuditChain.routerChainId(topic: topic, partition: partition) }
}

package enum AuditBuildError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The routing result is for another message than the one given.
    case messageMismatch(result: String, message: String)
    /// Two decisions for one recipient would share a decision id.
    case duplicateRecipient(String)
    /// Partition or offset negative or past 2^53 − 1, or a timestamp outside
    /// 1970–9999 (Kafka's -1 "no timestamp" among them).
    case inputOutOfRange(String)
    /// A deliver decision without the minimised message or NHS number a delivery needs.
    case deliveryIncomplete(recipient: String)

    package var code: String {
        switch self {
        case .messageMismatch: "audit-message-mismatch"
        case .duplicateRecipient: "audit-duplicate-recipient"
        case .inputOutOfRange: "audit-input-out-of-range"
        case .deliveryIncomplete: "audit-delivery-incomplete"
        }
    }

    package var description: String {
        switch self {
        case .messageMismatch(let r, let m): "\(code): routing result for \(r) given with message \(m)"
        case .duplicateRecipient(let r): "\(code): more than one decision for recipient \(r)"
        case .inputOutOfRange(let what): "\(code): \(what)"
        case .deliveryIncomplete(let r): "\(code): the decision to deliver to \(r) carries no message or no NHS number"
        }
    }
}

/// Deterministic ids of audit records: UUID version 5 (HXCanonical's) in a
/// namespace of their own, so the same input always gets the same id and a
/// redone batch de-duplicates.
package enum AuditIdentifiers {
    /// Fixed for ever: every stored decision id depends on it.
    package static let namespace = UUID(uuidString: "c481db3c-5ed8-4de0-8f76-c6da37a3ca25")!

    /// docs/design.md: "The decision id ... come[s] from the input (message id + recipient)".
    package static func decisionId(messageId: UUID, recipient: String) -> String {
        decisionIds(messageId: messageId, recipients: [recipient])[0]
    }

    /// `decisionId` for each recipient of one message: the name's common part
    /// ("decision|<message id>|") is built once, as bytes.
    package static func decisionIds(messageId: UUID, recipients: [String]) -> [String] {
        var prefix = JSONBytes(capacity: 64)
        prefix.raw("decision|")
        prefix.lowerCaseUUID(messageId.uuid)
        prefix.raw("|")
        return recipients.map { recipient in
            var name = prefix.bytes
            name.append(contentsOf: recipient.utf8)
            return UUIDv5.make(namespace: namespace, name: name).lowerCaseString
        }
    }

    /// A dead letter has no trustworthy message id: its place in the input is what is unique.
    package static func deadLetterId(topic: String, partition: Int, offset: Int) -> String {
        id("dead-letter|\(topic)|\(partition)|\(offset)")
    }

    /// A reload is recorded at the first input decided under the new configuration.
    package static func configurationReloadedId(topic: String, partition: Int, offset: Int, digest: String) -> String {
        id("configuration-reloaded|\(topic)|\(partition)|\(offset)|\(digest)")
    }

    /// The console names each access request; the same request id is the same access.
    package static func auditorAccessId(requestId: String) -> String { id("auditor-access|" + requestId) }
    package static func configurationImpactRunId(requestId: String) -> String { id("configuration-impact-run|" + requestId) }
    /// A reviewer's resolution of one held message (its review decision id), made once per request.
    package static func identityResolutionId(item: String, requestId: String) -> String {
        id("identity-resolution|" + item + "|" + requestId)
    }
    /// What stands for the recipient in the decision id of a rejection (`decision|<message id>|review-rejected`).
    package static let rejectedRecipient = "review-rejected"
    package static func deadLetterReplayId(requestId: String, deadLetter: String) -> String {
        id("dead-letter-replay|" + requestId + "|" + deadLetter)
    }

    /// One event of one delivery. The event's time is part of the name: after a
    /// restart the same attempt number can come again, and each is its own event.
    package static func deliveryStatusId(decisionId: String, status: String, attempt: Int, time: String) -> String {
        id("delivery-status|\(decisionId)|\(status)|\(attempt)|\(time)")
    }

    static func id(_ name: String) -> String { UUIDv5.make(namespace: namespace, name: name).lowerCaseString }
}

/// Timestamps in audit records: RFC 3339, UTC, always milliseconds, so one
/// instant has one spelling (`2026-03-01T16:00:00.000Z`).
package enum AuditTime {
    /// 0000-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z would also be valid
    /// RFC 3339; records are refused outside 1970 … 9999 since an input
    /// timestamp before 1970 is Kafka's "no timestamp" (-1) or a fault.
    static let limit: Int64 = 253_402_300_800_000

    package static func rfc3339(_ instant: Instant) -> String? {
        let ms = instant.millisecondsSinceEpoch
        guard ms >= 0, ms < limit else { return nil }
        let (y, mo, d) = UKTime.civilFromDays(Int(ms / 86_400_000))
        let inDay = Int(ms % 86_400_000)
        // Written as bytes: the router times every input with this.
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func pad(_ v: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                out.append(0x30 + UInt8(v / divisor % 10))
                divisor /= 10
            }
        }
        pad(y, 4); out.append(UInt8(ascii: "-")); pad(mo, 2); out.append(UInt8(ascii: "-")); pad(d, 2)
        out.append(UInt8(ascii: "T")); pad(inDay / 3_600_000, 2); out.append(UInt8(ascii: ":")); pad(inDay / 60_000 % 60, 2)
        out.append(UInt8(ascii: ":")); pad(inDay / 1000 % 60, 2); out.append(UInt8(ascii: ".")); pad(inDay % 1000, 3)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}

/// Turns what the router decided into audit entries and records. Pure: the
/// same result, message, input, digest and chain state give the same bytes.
package enum AuditRecordBuilder {
    /// One entry per decision, in decision order.
    package static func entries(
        for result: RoutingResult, message: CanonicalMessage, input: AuditInput, configurationDigest: String
    ) throws(AuditBuildError) -> [AuditEntry] {
        try entries(for: result, message: message, input: input, configurationDigest: configurationDigest, decisionIds: decisionIds(result))
    }

    /// The decision id of each decision, in decision order: made once per input, as
    /// both the audit entries and the deliveries carry them.
    static func decisionIds(_ result: RoutingResult) -> [String] {
        // A rejection is a second decision for the review recipient: its id must differ from the held one's.
        AuditIdentifiers.decisionIds(
            messageId: result.messageId,
            recipients: result.decisions.map { $0.outcome == .rejected ? AuditIdentifiers.rejectedRecipient : $0.recipient })
    }

    static func entries(
        for result: RoutingResult, message: CanonicalMessage, input: AuditInput, configurationDigest: String, decisionIds: [String],
        resolution: String? = nil
    ) throws(AuditBuildError) -> [AuditEntry] {
        guard result.messageId == message.id else {
            throw .messageMismatch(result: result.messageId.lowerCaseString, message: message.id.lowerCaseString)
        }
        var recipients: Set<String> = []
        for d in result.decisions where !recipients.insert(d.recipient).inserted { throw .duplicateRecipient(d.recipient) }
        let time = try checked(input)
        // The NHS number the decision was made for: a matched one counts, as
        // an auditor searching by it must find the decision.
        let nhsNumber = result.identity.nhsNumber?.digits
        let messageId = message.id.lowerCaseString
        let source = AuditSource(organisation: message.source.organisation, adapter: message.source.adapter)
        var details = identityDetails(result)
        // A held message decided again names the reviewer's resolution (its audit record's decision id).
        if let resolution { details[resolutionKey] = resolution }
        // By index: a for-in or zip over the decisions would copy each one.
        return result.decisions.indices.map { i in
            let d = result.decisions[i]
            return AuditEntry(
                kind: .decision,
                decisionId: decisionIds[i],
                time: time,
                messageId: messageId,
                messageType: message.type.rawValue,
                nhsNumber: nhsNumber,
                source: source,
                recipient: d.recipient,
                recipientKind: d.recipientKind,
                outcome: outcome(d.outcome),
                reasons: d.reasons,
                agreementId: d.agreement?.id,
                agreementVersion: d.agreement?.version,
                removedFields: d.removedFields,
                configurationDigest: configurationDigest,
                details: details,
                inputTopic: input.topic,
                inputPartition: input.partition,
                inputOffset: input.offset)
        }
    }

    /// The sealed records for every decision, appended to `chain` in decision order.
    package static func records(
        for result: RoutingResult, message: CanonicalMessage, input: AuditInput, configurationDigest: String,
        chain: inout AuditChain
    ) throws(AuditBuildError) -> [AuditRecord] {
        chain.append(try entries(for: result, message: message, input: input, configurationDigest: configurationDigest))
    }

    /// What the router writes for one input in its transaction: the audit
    /// records and the deliveries they account for.
    package static func output(
        for result: RoutingResult, message: CanonicalMessage, input: AuditInput, configurationDigest: String,
        chain: inout AuditChain, resolution: String? = nil
    ) throws(AuditBuildError) -> RouterOutput {
        // Deliveries first: if one cannot be made, the chain is left untouched.
        let ids = decisionIds(result)
        let deliveries = try DeliveryEnvelope.envelopes(for: result, decisionIds: ids)
        let built = try entries(
            for: result, message: message, input: input, configurationDigest: configurationDigest, decisionIds: ids, resolution: resolution)
        var records: [AuditRecord] = [], wire: [[UInt8]] = []
        records.reserveCapacity(built.count)
        wire.reserveCapacity(built.count)
        for i in built.indices {
            let sealed = chain.appendForWire(built[i])
            records.append(sealed.record)
            wire.append(sealed.wire)
        }
        return RouterOutput(records: records, deliveries: deliveries, wire: wire)
    }

    // MARK: Records that are not decisions

    /// An input that is not a canonical message. `value` is the record's bytes:
    /// only their SHA-256 is kept (they may hold patient data that failed to parse).
    package static func deadLetter(
        input: AuditInput, reasonCode: String, value: [UInt8], configurationDigest: String, messageId: String? = nil
    ) throws(AuditBuildError) -> AuditEntry {
        AuditEntry(
            kind: .deadLetter,
            decisionId: AuditIdentifiers.deadLetterId(topic: input.topic, partition: input.partition, offset: input.offset),
            time: try checked(input), messageId: messageId, reasons: [reasonCode],
            configurationDigest: configurationDigest,
            details: ["stage": "router", "valueSha256": AuditHashing.sha256Hex(value)],
            inputTopic: input.topic, inputPartition: input.partition, inputOffset: input.offset)
    }

    /// Recorded before the first decision made under a new configuration, at that decision's input.
    package static func configurationReloaded(
        input: AuditInput, previousDigest: String?, newDigest: String
    ) throws(AuditBuildError) -> AuditEntry {
        var details: [String: String] = [:]
        if let previousDigest { details["previousDigest"] = previousDigest }
        return AuditEntry(
            kind: .configurationReloaded,
            decisionId: AuditIdentifiers.configurationReloadedId(
                topic: input.topic, partition: input.partition, offset: input.offset, digest: newDigest),
            time: try checked(input), configurationDigest: newDigest, details: details,
            inputTopic: input.topic, inputPartition: input.partition, inputOffset: input.offset)
    }

    /// An auditor's access to patient data: who, with what role, asked what.
    /// `time` is the request's time as the console received it (passed in).
    package static func auditorAccess(
        requestId: String, time: Instant, actor: String, role: String, action: String, query: String,
        nhsNumber: String? = nil, configurationDigest: String, actorName: String? = nil
    ) throws(AuditBuildError) -> AuditEntry {
        guard let text = AuditTime.rfc3339(time) else { throw .inputOutOfRange("time \(time) is outside 1970–9999") }
        var details = ["actor": actor, "role": role, "action": action, "query": query, "requestId": requestId]
        // Staff signed in through OIDC: `actor` is `oidc:<sub>`, this the name the provider gave them.
        if let actorName { details["actorName"] = actorName }
        return AuditEntry(
            kind: .auditorAccess, decisionId: AuditIdentifiers.auditorAccessId(requestId: requestId), time: text,
            nhsNumber: nhsNumber, configurationDigest: configurationDigest, details: details)
    }

    /// An impact report run from the console (docs/design.md "IG change control"): who
    /// asked, the configuration in force and the proposed one by digest, and the window.
    /// Recorded before the report is read, so a run that fails half-way is still on record.
    package static func configurationImpactRun(
        requestId: String, time: Instant, actor: String, role: String, proposedDigest: String, proposedName: String,
        from: String, to: String, configurationDigest: String
    ) throws(AuditBuildError) -> AuditEntry {
        guard let text = AuditTime.rfc3339(time) else { throw .inputOutOfRange("time \(time) is outside 1970–9999") }
        return AuditEntry(
            kind: .configurationImpactRun, decisionId: AuditIdentifiers.configurationImpactRunId(requestId: requestId), time: text,
            configurationDigest: configurationDigest,
            details: ["actor": actor, "role": role, "requestId": requestId, "proposedDigest": proposedDigest, "proposed": proposedName,
                      "from": from, "to": to])
    }

    /// A dead letter re-sent by a member of staff. `deadLetter` is its place on the
    /// dead-letter topic (`hx.dlq.v1:P:O`), which links the replay to the original;
    /// `messageIds` are what the replay wrote. No patient identifier: replays are
    /// operators' work, and the messages themselves are audited when routed.
    package static func deadLetterReplay(
        requestId: String, time: Instant, actor: String, role: String, deadLetter: String, deadLetterId: String,
        reasonCode: String, adapter: String?, messageIds: [String], configurationDigest: String, actorName: String? = nil
    ) throws(AuditBuildError) -> AuditEntry {
        guard let text = AuditTime.rfc3339(time) else { throw .inputOutOfRange("time \(time) is outside 1970–9999") }
        var details = [
            "actor": actor, "role": role, "requestId": requestId, "deadLetter": deadLetter, "deadLetterId": deadLetterId,
            "messageIds": messageIds.joined(separator: ","),
        ]
        if let adapter { details["adapter"] = adapter }
        if let actorName { details["actorName"] = actorName }
        return AuditEntry(
            kind: .deadLetterReplay, decisionId: AuditIdentifiers.deadLetterReplayId(requestId: requestId, deadLetter: deadLetter),
            time: text, reasons: [reasonCode], configurationDigest: configurationDigest, details: details)
    }

    /// A reviewer's resolution of a held message, recorded before it is sent to
    /// the router: who, when (`time`, the reviewer's clock), which held message
    /// (`item`: its review decision id; `place`: `hx.review.v1:P:O`), what
    /// (`link` with the NHS number, or `reject`) and why (`reason`, as typed).
    /// Its decision id is the resolution's id, which the router's decisions name.
    package static func identityResolution(
        resolutionId: String, time: Instant, actor: String, role: String, item: String, place: String, messageId: String,
        messageType: String?, action: String, nhsNumber: String?, reason: String, configurationDigest: String
    ) throws(AuditBuildError) -> AuditEntry {
        guard let text = AuditTime.rfc3339(time) else { throw .inputOutOfRange("time \(time) is outside 1970–9999") }
        return AuditEntry(
            kind: .identityResolution, decisionId: resolutionId, time: text, messageId: messageId, messageType: messageType,
            nhsNumber: nhsNumber, reasons: [action == "link" ? ReasonCode.identityResolved : ReasonCode.identityRejected],
            configurationDigest: configurationDigest,
            details: ["actor": actor, "role": role, "item": item, "place": place, "action": action, "reason": reason])
    }

    /// What a recipient's system said about one delivery. `input` is where the
    /// delivery record was read on `hx.deliver.<code>`, `time` when the event
    /// happened (an auditor asks "when did the practice receive it"). The NHS
    /// number is the delivery's, so a subject access search finds it.
    package static func deliveryStatus(
        decisionId: String, status: String, attempt: Int, time: Instant, recipient: String, transport: String,
        reasonCode: String?, detail: String?, messageId: String?, messageType: String?, nhsNumber: String?,
        agreementId: String?, input: (topic: String, partition: Int, offset: Int), configurationDigest: String,
        extra: [String: String] = [:]
    ) throws(AuditBuildError) -> AuditEntry {
        guard let text = AuditTime.rfc3339(time) else { throw .inputOutOfRange("time \(time) is outside 1970–9999") }
        guard (0...AuditJSON.maxSafeInteger).contains(input.partition), (0...AuditJSON.maxSafeInteger).contains(input.offset) else {
            throw .inputOutOfRange("delivery record \(input.topic)[\(input.partition)]@\(input.offset)")
        }
        var details = extra
        details["decision"] = decisionId
        details["status"] = status
        details["attempt"] = String(attempt)
        details["transport"] = transport
        if let detail, !detail.isEmpty { details["detail"] = String(detail.prefix(200)) }
        return AuditEntry(
            kind: .deliveryStatus,
            decisionId: AuditIdentifiers.deliveryStatusId(decisionId: decisionId, status: status, attempt: attempt, time: text),
            time: text, messageId: messageId, messageType: messageType, nhsNumber: nhsNumber, recipient: recipient,
            reasons: reasonCode.map { [$0] } ?? [], agreementId: agreementId, configurationDigest: configurationDigest,
            details: details, inputTopic: input.topic, inputPartition: input.partition, inputOffset: input.offset)
    }

    // MARK: Helpers

    /// A scored identity match, for the auditor: the score and each field's
    /// agreement and weight (`family=exact+9.0 given=close(nickname)+5.0 ...`).
    /// No demographics, only how they agreed. Empty otherwise, so decisions
    /// on an NHS number or an exact look-up are recorded as before.
    static func identityDetails(_ result: RoutingResult) -> [String: String] {
        guard case .matched = result.identity, let score = result.identityScore else { return [:] }
        return [identityScoreKey: MatchScore.text(score.total), identityFieldsKey: score.explanation]
    }

    /// `details` keys of a decision whose NHS number was found by scored matching.
    package static let identityScoreKey = "identityScore"
    package static let identityFieldsKey = "identityFields"
    /// `details` key of a decision made on a reviewer's resolution: the resolution's id.
    package static let resolutionKey = "resolution"

    static func outcome(_ o: Decision.Outcome) -> AuditOutcome {
        switch o {
        case .deliver: .deliver
        case .deliverRedacted: .deliverRedacted
        case .deny: .deny
        case .review: .review
        case .rejected: .rejected
        }
    }

    /// The record time, after checking the input's numbers fit the canonical form.
    static func checked(_ input: AuditInput) throws(AuditBuildError) -> String {
        guard (0...AuditJSON.maxSafeInteger).contains(input.partition) else { throw .inputOutOfRange("partition \(input.partition)") }
        guard (0...AuditJSON.maxSafeInteger).contains(input.offset) else { throw .inputOutOfRange("offset \(input.offset)") }
        guard let time = AuditTime.rfc3339(input.timestamp) else {
            throw .inputOutOfRange("timestamp \(input.timestamp.millisecondsSinceEpoch) ms is outside 1970–9999")
        }
        return time
    }
}

/// One input's share of a router transaction.
package struct RouterOutput: Sendable, Equatable {
    package var records: [AuditRecord]
    package var deliveries: [DeliveryEnvelope]
    /// Each record's `wireBytes`, in the same order, made as it was sealed.
    package var wire: [[UInt8]]
}
