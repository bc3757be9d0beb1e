import Foundation
import HXAudit
import HXAuditIndex
import HXCanonical
import HXOperations
import HXPlace
import Hummingbird

/// The pages: each reads from the backend and fills its template.
extension ConsoleApplication {
    func overview(_ session: StaffSession) async throws -> Response {
        let snapshot = try await backend.operations()
        let letters = try await backend.deadLetters()
        let replayed = try await backend.replayedDeadLetters()
        let counts = try await backend.decisionsByOutcome(since: Date().addingTimeInterval(-86_400))
        let troubled = try await backend.deliveries().filter { $0.state != .ok }
        var context: [String: Any] = [
            "takenAt": Self.clock(snapshot.takenAt),
            // Failing recipients first: a recipient that is not getting its deliveries is the first thing to see.
            "deliveryProblems": Self.deliveryRows(troubled), "hasDeliveryProblems": !troubled.isEmpty,
            "deadLettersWaiting": letters.filter { !replayed.contains($0.ref) }.count,
            "decisions": AuditOutcome.allCases.map { ["outcome": $0.rawValue, "label": $0.rawValue, "count": counts[$0] ?? 0] as [String: Any] },
            "components": snapshot.components.map { c in
                [
                    "component": c.component, "state": c.state.rawValue, "lastBeat": c.lastBeat.map(Self.clock) ?? "never",
                    "received": c.received, "published": c.published, "rejected": c.rejected,
                ] as [String: Any]
            },
            "topics": snapshot.topics.map { t in
                [
                    "name": t.name, "partitions": t.partitions.count, "records": t.records,
                    "inPerMinute": t.inPerMinute.map(String.init) ?? "…", "outPerMinute": t.outPerMinute.map(String.init) ?? "…",
                ] as [String: Any]
            },
            "groups": snapshot.groups.map { g in
                ["id": g.id, "state": g.state, "topics": g.topics.joined(separator: ", "), "lag": g.lag, "lagging": g.lag > 1000] as [String: Any]
            },
        ]
        switch await backend.firingAlerts() {
        case nil: break
        case .firing(let alerts)?:
            context["alerts"] = ["firing": alerts.map { ["name": $0.name, "severity": $0.severity, "summary": $0.summary, "since": $0.activeSince, "runbook": $0.runbook] },
                                 "none": alerts.isEmpty] as [String: Any]
        case .unavailable(let why)?:
            context["alerts"] = ["unavailable": why] as [String: Any]
        }
        return render("overview", context, title: "Overview", session: session, refresh: 30)
    }

    func deliveries(_ session: StaffSession) async throws -> Response {
        let rows = try await backend.deliveries()
        return render("deliveries", ["rows": Self.deliveryRows(rows), "none": rows.isEmpty], title: "Deliveries", session: session, refresh: 30)
    }

    /// Failing first, then retrying, then the rest; by code within each.
    static func deliveryRows(_ rows: [DeliveryBoard.Row]) -> [[String: Any]] {
        let rank: [DeliveryBoard.Row.State: Int] = [.failing: 0, .retrying: 1, .ok: 2]
        return rows.sorted { (rank[$0.state]!, $0.recipient) < (rank[$1.state]!, $1.recipient) }.map { r in
            [
                "recipient": r.recipient, "transport": r.transport ?? "–", "state": r.state.rawValue,
                "records": r.records, "sent": r.sent, "failed": r.failed, "undelivered": r.undelivered,
                "lastSent": r.lastSent ?? "never", "problem": r.lastProblem.map { "\($0.reason) at \($0.time)" } ?? "–",
                "waitingSince": r.waitingSince ?? "–", "overdue": r.overdue,
            ] as [String: Any]
        }
    }

    func topic(_ session: StaffSession, name: String) async throws -> Response {
        let snapshot = try await backend.operations()
        guard let topic = snapshot.topics.first(where: { $0.name == name }) else {
            return render("not-found", ["what": "No topic \(name)."], title: "Not found", session: session, status: .notFound)
        }
        let groups = snapshot.groups.flatMap { g in
            g.partitions.filter { $0.topic == name }.map { ["group": g.id, "partition": $0.partition, "committed": $0.committed, "lag": $0.lag] as [String: Any] }
        }
        return render("topic", [
            "name": topic.name, "inPerMinute": topic.inPerMinute.map(String.init) ?? "…", "outPerMinute": topic.outPerMinute.map(String.init) ?? "…",
            "partitions": topic.partitions.map { ["partition": $0.partition, "low": $0.low, "high": $0.high, "records": $0.high - $0.low] as [String: Any] },
            "groups": groups,
        ], title: "Topic \(name)", session: session)
    }

    func group(_ session: StaffSession, id: String) async throws -> Response {
        let snapshot = try await backend.operations()
        guard let group = snapshot.groups.first(where: { $0.id == id }) else {
            return render("not-found", ["what": "No consumer group \(id) with committed offsets."], title: "Not found", session: session, status: .notFound)
        }
        return render("group", [
            "id": group.id, "state": group.state, "lag": group.lag,
            "partitions": group.partitions.map {
                ["topic": $0.topic, "partition": $0.partition, "committed": $0.committed, "high": $0.high, "lag": $0.lag] as [String: Any]
            },
        ], title: "Group \(id)", session: session)
    }

    func deadLetters(_ session: StaffSession) async throws -> Response {
        let letters = try await backend.deadLetters()
        let replayed = try await backend.replayedDeadLetters()
        let now = Date()
        return render("dead-letters", [
            "csrf": session.csrfToken, "canReplay": Access.replay.contains(session.role),
            "waiting": letters.filter { !replayed.contains($0.ref) }.count, "replayed": letters.filter { replayed.contains($0.ref) }.count,
            "letters": letters.map { l in
                [
                    "ref": l.ref.description, "reasonCode": l.reasonCode, "stage": l.stage.rawValue, "adapter": l.adapter ?? "–",
                    "location": l.location, "age": l.age(at: now).map(Self.age) ?? "?", "status": replayed.contains(l.ref) ? "replayed" : "waiting",
                ] as [String: Any]
            },
        ], title: "Dead letters", session: session)
    }

    func deadLetter(_ session: StaffSession, ref text: String, showInput: Bool) async throws -> Response {
        guard let ref = DeadLetterRef(text), let letter = try await backend.deadLetter(ref) else {
            return render("not-found", ["what": "No dead letter at \(text)."], title: "Not found", session: session, status: .notFound)
        }
        var input: Any = false
        if showInput {
            // Recorded in the audit log before it is read; if recording fails, the guard shows nothing.
            let bytes = try await backend.deadLetterValue(ref, viewer: session) ?? []
            input = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r", with: "\n")
        }
        let replayed = try await backend.replayedDeadLetters().contains(ref)
        return render("dead-letter", [
            "ref": ref.description, "id": letter.id, "reasonCode": letter.reasonCode, "stage": letter.stage.rawValue,
            "adapter": letter.adapter ?? "–", "sourceOrganisation": letter.sourceOrganisation ?? "–", "location": letter.location,
            "error": letter.error ?? "–", "writtenAt": letter.writtenAt.map(Self.clock) ?? "?", "valueBytes": letter.valueBytes,
            "valueOmitted": letter.valueOmitted ?? false, "status": replayed ? "replayed" : "waiting",
            "canSeeInput": Access.patientData.contains(session.role), "input": input, "csrf": session.csrfToken,
        ], title: "Dead letter \(ref)", session: session, patientData: showInput)
    }

    func confirmReplay(_ session: StaffSession, form: ReplayForm) async throws -> Response {
        let refs = try Self.refs(form)
        let items = try await backend.planReplay(refs)
        let ready = items.filter(\.isReady)
        let messages = ready.reduce(0) { n, item in
            if case .ready(let ids) = item.verdict { return n + ids.count }
            return n
        }
        return render("replay-confirm", [
            "csrf": session.csrfToken, "readyCount": ready.count, "readyNoun": ready.count == 1 ? "dead letter" : "dead letters",
            "messageCount": messages, "messageNoun": messages == 1 ? "message" : "messages",
            "notReadyCount": items.count - ready.count, "readyRefs": ready.map(\.deadLetter.ref.description),
            "items": items.map { item in
                [
                    "ref": item.deadLetter.ref.description, "reasonCode": item.deadLetter.reasonCode, "adapter": item.deadLetter.adapter ?? "–",
                    "verdict": item.verdict.summary, "class": item.isReady ? "ready" : "not-replayed",
                ] as [String: Any]
            },
        ], title: "Replay dead letters", session: session)
    }

    func replay(_ session: StaffSession, form: ReplayForm) async throws -> Response {
        let outcomes = try await backend.replay(try Self.refs(form), by: session)
        let done = outcomes.filter { $0.auditSequence != nil }
        metrics.replays.increment(by: Int64(done.count))
        logger.notice("dead letters replayed", metadata: ["user": "\(session.name)", "count": "\(done.count)"])
        return render("replay-result", [
            "items": outcomes.map { o in
                [
                    "ref": o.ref.description, "class": o.auditSequence == nil ? "not-replayed" : "replayed",
                    "result": o.auditSequence == nil ? o.verdict.summary : "re-sent: " + o.verdict.summary,
                    "audit": o.auditSequence.map { "\(DeadLetterReplayer.chainId(actor: session.name)) #\($0)" } ?? "–",
                ] as [String: Any]
            },
        ], title: "Replay done", session: session)
    }

    func agreements(_ session: StaffSession) -> Response {
        let today = Instant(Date()).ukDate
        let rows = backend.place.agreements.sorted { $0.id < $1.id }.map { a -> [String: Any] in
            let daysLeft = a.validTo.dayNumber - today.dayNumber
            let (cls, note): (String, String) =
                if a.status != .active { ("inactive", a.status.rawValue) }
                else if daysLeft < 0 { ("expired", "expired") }
                else if a.validFrom.dayNumber > today.dayNumber { ("not-yet", "not yet in force") }
                else if daysLeft <= PlaceConfiguration.expiryWarningDays { ("expiring", "ends in \(daysLeft) days") }
                else { ("in-force", "in force") }
            return [
                "id": a.id, "title": a.title, "version": a.version, "status": a.status.rawValue, "purpose": a.purpose.rawValue,
                "validFrom": "\(a.validFrom)", "validTo": "\(a.validTo)", "class": cls, "note": note,
            ]
        }
        return render("agreements", ["today": "\(today)", "agreements": rows], title: "Agreements", session: session)
    }

    func audit(_ session: StaffSession, form: AuditSearchForm?) async throws -> Response {
        var context: [String: Any] = ["csrf": session.csrfToken]
        let values = form ?? AuditSearchForm()
        context["q"] = ["nhsNumber": values.nhsNumber ?? "", "organisation": values.organisation ?? "", "agreement": values.agreement ?? "",
                        "reason": values.reason ?? "", "from": values.from ?? "", "to": values.to ?? ""]
        context["outcomes"] = AuditOutcome.allCases.map { ["value": $0.rawValue, "selected": values.outcome == $0.rawValue] as [String: Any] }
        context["kinds"] = AuditRecordKind.allCases.map { ["value": $0.rawValue, "selected": values.kind == $0.rawValue] as [String: Any] }
        if let form {
            let query: AuditQuery
            do {
                query = try form.query()
            } catch let error as ConsoleInputError {
                context["error"] = error.message
                return try await auditPage(session, context)
            }
            let found = try await backend.searchAudit(query, describedAs: AuditSearchForm.describe(query), by: session)
            if form.format == "csv" {
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"audit-search.csv\"", .cacheControl: "no-store"],
                    body: .init(byteBuffer: ByteBuffer(string: AuditSearchForm.csv(found))))
            }
            context["searched"] = true
            context["count"] = found.count
            context["truncated"] = found.count >= query.limit
            context["nhsNumber"] = query.nhsNumber ?? false
            context["rows"] = found.map { hit -> [String: Any] in
                let r = hit.record
                // A delivery's records name the decision they carry out: the same short id on both
                // rows is the decision's timeline (decided, then sent and acknowledged by the recipient).
                let decision = r.kind == .deliveryStatus ? r.details["decision"] ?? "" : r.kind == .decision ? r.decisionId : ""
                return [
                    "decision": decision, "decisionShort": String(decision.prefix(8)),
                    "time": r.time, "kind": r.kind.rawValue, "nhsNumber": r.nhsNumber ?? "", "messageType": r.messageType ?? "",
                    "source": r.source?.organisation ?? (r.details["actor"] ?? ""), "recipient": r.recipient ?? "", "outcome": r.outcome?.rawValue ?? r.details["status"] ?? "",
                    "agreement": r.agreementId.map { "\($0) v\(r.agreementVersion ?? 0)" } ?? "", "reasons": r.reasons.joined(separator: ", "),
                    "chain": r.chainId, "sequence": r.sequence,
                ]
            }
        }
        return try await auditPage(session, context)
    }

    private func auditPage(_ session: StaffSession, _ base: [String: Any]) async throws -> Response {
        var context = base
        if let v = await backend.lastVerification() {
            context["verification"] = [
                "class": v.holds ? "holds" : "broken", "checkedAt": Self.clock(v.checkedAt),
                "summary": v.holds ? "All \(v.chains.count) chains hold." : "Verification FAILED.",
                "chains": v.chains.map { c in
                    ["chainId": c.chainId, "records": c.records, "lastSequence": c.lastSequence.map(String.init) ?? "–",
                     "status": c.problem ?? "holds", "class": c.problem == nil ? "holds" : "broken"] as [String: Any]
                },
                "conflicts": v.conflicts,
            ] as [String: Any]
        }
        return render("audit", context, title: "Audit log", session: session, patientData: true)
    }

    func report(_ session: StaffSession, nhsNumber: String) async throws -> Response {
        guard (try? NHSNumber(nhsNumber)) != nil else {
            throw ConsoleInputError(message: "A subject access report needs a valid ten-digit NHS number.")
        }
        let html = try await backend.subjectAccessReport(nhsNumber: nhsNumber, by: session)
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func users(_ session: StaffSession) -> Response {
        render("users", ["users": staff.members.sorted { $0.name < $1.name }.map { ["name": $0.name, "role": $0.role.rawValue] }],
               title: "Users", session: session)
    }

    // MARK: Helpers

    static func refs(_ form: ReplayForm) throws -> [DeadLetterRef] {
        let refs = (form.ref ?? []).compactMap { DeadLetterRef($0) }
        guard !refs.isEmpty else { throw ConsoleInputError(message: "Select at least one dead letter to replay.") }
        return refs
    }

    static func clock(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
    }

    static func age(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<120: "\(Int(seconds)) s"
        case ..<7200: "\(Int(seconds / 60)) min"
        case ..<172_800: "\(Int(seconds / 3600)) h"
        default: "\(Int(seconds / 86_400)) days"
        }
    }
}
