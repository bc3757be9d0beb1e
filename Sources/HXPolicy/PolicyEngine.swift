import HXCanonical
import HXIdentityMatch
import HXPlace

/// One organisation the message may go to, and for what purpose.
package struct Candidate: Sendable, Equatable {
    package var recipient: String
    package var purpose: Purpose
    package init(recipient: String, purpose: Purpose) {
        self.recipient = recipient
        self.purpose = purpose
    }
}

/// The router's decision (docs/design.md "The router's decision for one message and
/// one candidate recipient"), steps 1–6 in order. Pure: the same inputs give
/// the same result, which the audit chain's replay guarantee depends on.
package enum PolicyEngine {
    /// Decides every candidate recipient of `message`, with agreements and
    /// consent judged as they stood at `at` (the input record's time).
    package static func route(
        _ message: CanonicalMessage, configuration: PlaceConfiguration, consent: ConsentState = .empty,
        identities: IdentityIndex = .empty, at: Instant
    ) -> RoutingResult {
        // Step 1: identity.
        var resolved = message
        var identity: IdentityOutcome
        var score: MatchScore?
        var earlier: [String] = []  // what earlier steps did, added after a later step's deciding reason
        if let number = message.subject.nhsNumber {
            identity = .present(number)
        } else {
            (identity, score) = match(message.subject, identities: identities, rule: configuration.identityRule)
            if case .matched(let number) = identity {
                resolved.subject.nhsNumber = number
                resolved.subject.identityStatus = .matched
                earlier.append(ReasonCode.identityMatched)
            }
        }
        guard let person = identity.nhsNumber else {
            // Nothing is guessed: no recipient is worked out for an unknown person.
            let review = Decision(
                recipient: Decision.reviewRecipient, recipientKind: "review", purpose: nil, outcome: .review,
                agreement: nil, reasons: [ReasonCode.identityUnresolved])
            return RoutingResult(messageId: message.id, identity: identity, decisions: [review])
        }
        // Steps 2–6 per candidate.
        let decisions = candidates(for: resolved, configuration: configuration).map { candidate in
            decide(resolved, person: person, candidate: candidate, configuration: configuration, consent: consent, at: at, earlier: earlier)
        }
        return RoutingResult(messageId: message.id, identity: identity, decisions: decisions, identityScore: score)
    }

    /// A held message decided afresh with a reviewer's resolution (docs/design.md
    /// "Identity matching and review"): linked, steps 2–6 for the person named,
    /// each decision carrying `identity-resolved`; rejected, one decision
    /// `rejected` for the review recipient, delivered nowhere.
    package static func route(
        _ message: CanonicalMessage, resolvedAs verdict: ReviewVerdict, configuration: PlaceConfiguration, consent: ConsentState = .empty,
        at: Instant
    ) -> RoutingResult {
        switch verdict {
        case .reject:
            let rejected = Decision(
                recipient: Decision.reviewRecipient, recipientKind: "review", purpose: nil, outcome: .rejected,
                agreement: nil, reasons: [ReasonCode.identityRejected])
            return RoutingResult(messageId: message.id, identity: .unresolved, decisions: [rejected])
        case .link(let person):
            var resolved = message
            resolved.subject.nhsNumber = person
            resolved.subject.identityStatus = .matched
            let decisions = candidates(for: resolved, configuration: configuration).map { candidate in
                decide(resolved, person: person, candidate: candidate, configuration: configuration, consent: consent, at: at,
                       earlier: [ReasonCode.identityResolved])
            }
            return RoutingResult(messageId: message.id, identity: .matched(person), decisions: decisions)
        }
    }

    /// Step 1 for a subject without an NHS number: scored under the place's
    /// link rule, or the exact look-up when it has none.
    static func match(_ subject: Subject, identities: IdentityIndex, rule: LinkRule?) -> (IdentityOutcome, MatchScore?) {
        guard let rule else {
            switch identities.match(family: subject.name?.family, birthDate: subject.birthDate, postcode: subject.postcode) {
            case .unique(let number): return (.matched(number), nil)
            case .none: return (.unresolved, nil)
            case .ambiguous(let all): return (.ambiguous(candidates: all.count), nil)
            }
        }
        let result = identities.resolve(subject, rule: rule)
        switch result.outcome {
        case .linked:
            let best = result.candidates[0]
            return (.matched(best.nhsNumber), best)
        case .review: return (.ambiguous(candidates: result.candidates.count), nil)
        case .none: return (.unresolved, nil)
        }
    }

    // MARK: Step 2: candidates

    /// Direct care follows the person's relationships; other purposes follow
    /// agreements that name their recipients. The source itself is never a
    /// candidate (a practice's own referral is not copied back to it), and each
    /// organisation appears once (direct care first).
    ///
    /// Agreements for other purposes add candidates while active or suspended
    /// (a suspension shows up as `agreement-not-active`); drafts and retired
    /// agreements do not, so they cannot flood the audit with denials.
    package static func candidates(for message: CanonicalMessage, configuration config: PlaceConfiguration) -> [Candidate] {
        var out: [Candidate] = []
        func add(_ code: String?, _ purpose: Purpose = .directCare) {
            guard let code, !code.isEmpty, code != message.source.organisation, !out.contains(where: { $0.recipient == code }) else { return }
            out.append(Candidate(recipient: code, purpose: purpose))
        }
        let practice = message.subject.registeredPractice
        let hub = practice.flatMap { config.organisation($0)?.hub }
        switch message.payload {
        case .dischargeSummary(let d):
            add(practice)
            add(hub)
            let toCareHome = d.dischargeDestination == .careHome || d.dischargeDestination == .nursingHome
            if d.careNeedsOnDischarge || toCareHome {
                let kind: OrganisationKind = isChild(message) ? .childrensSocialCare : .adultSocialCare
                for org in config.organisations(ofKind: kind) { add(org.code) }
            }
        case .socialCareNotification:
            add(practice)
            add(hub)
        case .referral(let r):
            add(r.toOrganisation)
            if let practice, !covering(config.agreements, source: message.source.organisation, recipient: practice, type: .referral, purpose: .directCare).isEmpty {
                add(practice)
            }
        }
        // Read in place, by index: copying a SharingAgreement retains each of its many
        // arrays and strings (a `for a in` loop copies every one).
        let agreements = config.agreements
        for i in agreements.indices
        where agreements[i].purpose != .directCare && (agreements[i].status == .active || agreements[i].status == .suspended)
            && agreements[i].messageTypes.contains(message.type) && agreements[i].sources.contains(message.source.organisation) {
            for recipient in agreements[i].recipients { add(recipient, agreements[i].purpose) }
        }
        return out
    }

    /// Under 18 on the UK date the message occurred. Without a birth date the
    /// person is treated as an adult: adult social care is the usual route and
    /// a child's record normally carries the birth date.
    static func isChild(_ message: CanonicalMessage) -> Bool {
        guard let birth = message.subject.birthDate else { return false }
        return UKTime.age(born: birth, on: Instant(message.occurredAt).ukDate) < 18
    }

    // MARK: Steps 3–6

    static func decide(
        _ message: CanonicalMessage, person: NHSNumber, candidate: Candidate, configuration config: PlaceConfiguration,
        consent: ConsentState, at: Instant, earlier: [String]
    ) -> Decision {
        let kind = config.organisation(candidate.recipient)?.kind.rawValue ?? "unknown"
        func deny(_ reasons: [String], _ agreement: AgreementReference?) -> Decision {
            Decision(recipient: candidate.recipient, recipientKind: kind, purpose: candidate.purpose, outcome: .deny,
                     agreement: agreement, reasons: reasons + earlier)
        }

        // Step 3: an active agreement in date covering source → recipient, type and purpose.
        // Agreements are named by index and read where they are, never copied: a
        // SharingAgreement copy retains each of its many strings and arrays.
        let today = at.ukDate
        let agreements = config.agreements
        let covering = covering(agreements, source: message.source.organisation, recipient: candidate.recipient, type: message.type, purpose: candidate.purpose)
        guard let chosen = inForce(covering, of: agreements, on: today) else {
            guard let (failed, reason) = explainNotInForce(covering, of: agreements, on: today) else {
                return deny([ReasonCode.noAgreement], nil)
            }
            return deny([reason], AgreementReference(id: agreements[failed].id, version: agreements[failed].version))
        }
        // `agreements[chosen].x` below, never `let agreement = agreements[chosen]`: no copy.
        let ref = AgreementReference(id: agreements[chosen].id, version: agreements[chosen].version)
        var done = earlier

        // Step 4: objections, then the national data opt-out.
        let labels = effectiveLabels(message)
        if consent.objects(person, to: candidate.recipient, at: at) {
            let overrides = agreements[chosen].objectionOverrides
            let overriding = SensitivityLabel.allCases.filter { overrides.contains($0) && labels.contains($0) }
            if overriding.isEmpty { return deny([ReasonCode.objection], ref) }
            done += overriding.map(ReasonCode.objectionOverridden)
        }
        if agreements[chosen].purpose != .directCare && consent.hasNationalDataOptOut(person, at: at) {
            return Decision(recipient: candidate.recipient, recipientKind: kind, purpose: candidate.purpose, outcome: .deny,
                            agreement: ref, reasons: [ReasonCode.nationalDataOptOut] + done)
        }

        // Step 5: sensitivity.
        var denied: [SensitivityLabel] = []
        var redacted: [SensitivityLabel] = []
        for label in SensitivityLabel.allCases where labels.contains(label) {
            switch agreements[chosen].rule(for: label) {
            case .allow: break
            case .redact:
                // A safeguarding-concern notification is safeguarding through and
                // through: there is no part to take out, so it cannot be redacted.
                if label == .safeguarding, case .socialCareNotification(let n) = message.payload, n.event == .safeguardingConcern {
                    denied.append(label)
                } else {
                    redacted.append(label)
                }
            case .deny, .unmentioned: denied.append(label)
            }
        }
        if !denied.isEmpty {
            return Decision(recipient: candidate.recipient, recipientKind: kind, purpose: candidate.purpose, outcome: .deny,
                            agreement: ref, reasons: denied.map(ReasonCode.sensitivityDenied) + done)
        }
        var delivery = message
        var removed: [String] = []
        if !redacted.isEmpty {
            removed = Redaction.redact(&delivery, labels: Set(redacted))
            done += redacted.map(ReasonCode.sensitivityRedacted)
        }

        // Step 6: minimisation.
        for path in agreements[chosen].excludedFields where ExcludableFields.remove(path, from: &delivery) {
            removed.append(path)
        }
        delivery = Redaction.recomputeSensitivity(delivery, original: labels, redacted: Set(redacted))
        return Decision(
            recipient: candidate.recipient, recipientKind: kind, purpose: candidate.purpose,
            outcome: redacted.isEmpty ? .deliver : .deliverRedacted, agreement: ref, reasons: done,
            removedFields: removed, delivery: delivery)
    }

    /// The labels the message carries: its own list, its items' lists, and
    /// safeguarding for a safeguarding-concern notification even if the
    /// feed forgot the label (the event says what it is).
    package static func effectiveLabels(_ message: CanonicalMessage) -> Set<SensitivityLabel> {
        var labels = Set(message.sensitivity).union(message.itemSensitivity)
        if case .socialCareNotification(let n) = message.payload, n.event == .safeguardingConcern { labels.insert(.safeguarding) }
        return labels
    }

    /// The indices of the agreements that `covers(source:recipient:type:purpose:)`, tested
    /// field by field: calling the method on an element makes the compiler copy it first.
    static func covering(_ agreements: [SharingAgreement], source: String, recipient: String, type: MessageType, purpose: Purpose) -> [Int] {
        agreements.indices.filter {
            agreements[$0].purpose == purpose && agreements[$0].messageTypes.contains(type)
                && agreements[$0].sources.contains(source) && agreements[$0].recipients.contains(recipient)
        }
    }

    /// Several agreements in force for one sharing is a configuration error
    /// (reported as an overlap); if it happens anyway, the highest version,
    /// then the smallest id, is used so the result is still deterministic.
    /// `covering` and the result are indices in `agreements`.
    static func inForce(_ covering: [Int], of agreements: [SharingAgreement], on day: CalendarDate) -> Int? {
        var best: Int?
        for i in covering where agreements[i].status == .active && agreements[i].isInDate(on: day) {
            // The first of equals is kept, as min(by:) keeps it.
            if let b = best, !((agreements[b].version, agreements[i].id) < (agreements[i].version, agreements[b].id)) { continue }
            best = i
        }
        return best
    }

    /// Why none is in force, naming the agreement closest to applying:
    /// an active one that has ended, then one not yet started, then one not active.
    /// (`covering` and the result are indices in `agreements`.)
    static func explainNotInForce(_ covering: [Int], of a: [SharingAgreement], on day: CalendarDate) -> (Int, String)? {
        let active = covering.filter { a[$0].status == .active }
        if let i = active.filter({ a[$0].validTo.dayNumber < day.dayNumber }).max(by: { a[$0].validTo.dayNumber < a[$1].validTo.dayNumber }) {
            return (i, ReasonCode.agreementExpired)
        }
        if let i = active.filter({ a[$0].validFrom.dayNumber > day.dayNumber }).min(by: { a[$0].validFrom.dayNumber < a[$1].validFrom.dayNumber }) {
            return (i, ReasonCode.agreementNotYetValid)
        }
        let order: [AgreementStatus] = [.suspended, .draft, .retired]
        if let i = covering.filter({ a[$0].status != .active }).min(by: {
            (order.firstIndex(of: a[$0].status) ?? 9, a[$0].id) < (order.firstIndex(of: a[$1].status) ?? 9, a[$1].id)
        }) {
            return (i, ReasonCode.agreementNotActive)
        }
        return nil
    }
}
