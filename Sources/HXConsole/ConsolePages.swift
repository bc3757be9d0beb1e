import Foundation
import HXAudit
import HXAuditIndex
import HXCanonical
import HXOperations
import HXIdentityMatch
import HXPlace
import HXReview
import Hummingbird

/// The pages: each reads from the backend and fills its template.
extension ConsoleApplication {
    func overview(_ session: StaffSession) async throws -> Response {
        let snapshot = try await backend.operations()
        let letters = try await backend.deadLetters()
        let replayed = try await backend.replayedDeadLetters()
        let counts = try await backend.decisionsByOutcome(since: Date().addingTimeInterval(-86_400))
        let troubled = try await backend.deliveries().filter { $0.state != .ok }
        // Counts and ages only: operators never see who is held.
        let held = try await backend.reviewSummary()
        var context: [String: Any] = [
            "takenAt": Self.clock(snapshot.takenAt),
            // Failing recipients first: a recipient that is not getting its deliveries is the first thing to see.
            "deliveryProblems": Self.deliveryRows(troubled), "hasDeliveryProblems": !troubled.isEmpty,
            "deadLettersWaiting": letters.filter { !replayed.contains($0.ref) }.count,
            "reviewHeld": held.count, "reviewOldest": held.oldestAgeSeconds.map(ReviewSummary.age) ?? false,
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

    /// The agreement register (docs/design.md "IG change control"): every agreement, what it
    /// decided in the last 30 days by outcome (counts only, so for every role), and what needs
    /// attention. Without the index's counts the page still lists the agreements and says so.
    func agreements(_ session: StaffSession) async -> Response {
        let today = Instant(Date()).ukDate
        var recent: [String: [AuditOutcome: Int]]?, quarter: [String: [AuditOutcome: Int]]?
        do {
            recent = try await backend.agreementOutcomeCounts(since: AgreementRegister.since(days: AgreementRegister.recentDays, today: today))
            quarter = try await backend.agreementOutcomeCounts(since: AgreementRegister.since(days: AgreementRegister.horizonDays, today: today))
        } catch {
            logger.warning("agreement counts unavailable", metadata: ["error": "\(String(describing: type(of: error)))"])
            recent = nil
            quarter = nil
        }
        func list(_ codes: [String]) -> String { codes.count <= 6 ? codes.joined(separator: ", ") : codes.prefix(5).joined(separator: ", ") + ", … (\(codes.count))" }
        let register = AgreementRegister(backend.place, today: today, recent: recent, quarter: quarter)
        let rows = register.entries.map { e -> [String: Any] in
            let daysLeft = e.validTo.dayNumber - today.dayNumber
            let (cls, note): (String, String) =
                if e.status != .active { ("inactive", e.status.rawValue) }
                else if e.flags.contains(.expiredButActive) { ("expired", "ended \(-daysLeft) days ago, still marked active") }
                else if e.validFrom.dayNumber > today.dayNumber { ("not-yet", "not yet in force") }
                else if e.flags.contains(.endingSoon) { ("expiring", "ends in \(daysLeft) days") }
                else if e.flags.contains(.quiet) { ("quiet", "decided nothing in 90 days") }
                else { ("in-force", "in force") }
            let decided = e.recent.map { counts in
                let parts = AuditOutcome.allCases.compactMap { o in counts[o].map { "\(o.rawValue) \($0)" } }
                return parts.isEmpty ? "none" : parts.joined(separator: ", ")
            } ?? "–"
            return [
                "id": e.id, "title": e.title, "version": e.version, "status": e.status.rawValue, "purpose": e.purpose,
                "validFrom": "\(e.validFrom)", "validTo": "\(e.validTo)", "class": cls, "note": note,
                "sources": list(e.sources), "recipients": list(e.recipients), "decided": decided,
            ]
        }
        return render("agreements", ["today": "\(today)", "agreements": rows, "counted": recent != nil], title: "Agreements", session: session)
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

/// The Review page (identity reviewers only).
extension ConsoleApplication {
    func review(_ session: StaffSession, notice: String?) async throws -> Response {
        let items = try await backend.reviewItems(viewer: session)
        let now = Instant(Date())
        let rows: [[String: Any]] = items.map { view in
            let candidates: [[String: Any]] = view.candidates.map { ["nhsNumber": $0.nhsNumber, "total": MatchScore.text($0.total)] }
            return [
                "place": view.item.place.description, "age": view.item.age(at: now).map(ReviewSummary.age) ?? "?",
                "messageType": view.messageType, "source": view.source, "reasonCode": view.item.reasonCode,
                "practice": view.registeredPractice ?? false, "localIds": view.localIdentifiers.isEmpty ? false : view.localIdentifiers.joined(separator: ", "),
                "candidates": candidates, "csrf": session.csrfToken,
                "rows": view.subject.indices.map { i in
                    [
                        "field": view.subject[i].field.rawValue, "held": view.subject[i].held,
                        "cells": view.candidates.map { c in
                            let f = c.fields[i]
                            return ["value": f.value, "agreement": f.agreement.rawValue, "detail": f.detail.isEmpty ? false : f.detail,
                                    "weight": MatchScore.signed(f.weight)] as [String: Any]
                        },
                    ] as [String: Any]
                },
            ]
        }
        var context: [String: Any] = ["items": rows, "summary": ReviewQueue.summary(items.map(\.item), at: now).text]
        if let notice { context["notice"] = notice }
        return render("review", context, title: "Identity review", session: session, patientData: true)
    }

    func resolve(_ session: StaffSession, form: ResolutionForm, action: ReviewResolution.Action) async throws -> Response {
        let request = ResolutionRequest(
            item: form.item ?? "", action: action, nhsNumber: action == .link ? form.nhsNumber : nil, reason: form.reason ?? "", reviewer: session.name)
        let receipt: ResolutionReceipt
        do {
            receipt = try await backend.resolve(request, by: session)
        } catch let refusal as ResolutionRefusal {
            throw ConsoleInputError(message: "Not resolved: \(refusal.message) [\(refusal.code.rawValue)].")
        }
        metrics.resolutions.increment()
        logger.info("held message resolved", metadata: ["user": "\(session.name)", "review.place": "\(receipt.place)", "review.action": "\(action.rawValue)"])
        let done = action == .link ? "linked" : "rejected"
        return try await review(session, notice: "Held message \(receipt.place) \(done) (resolution \(receipt.resolutionId), recorded as \(receipt.chainId) #\(receipt.auditSequence)). The router decides it again now.")
    }
}
