import Foundation
import HXCanonical
import HXPlace
import Testing
@testable import HXPolicy

private typealias F = Fixture

private func outcome(_ r: RoutingResult, _ recipient: String) -> (Decision.Outcome?, [String], [String]) {
    let d = r.decision(for: recipient)
    return (d?.outcome, d?.reasons ?? [], d?.removedFields ?? [])
}

@Suite struct CandidateTests {
    @Test func dischargeHomeGoesToPracticeHubAndPlanning() {
        let r = F.route(F.discharge())
        #expect(r.decisions.map(\.recipient) == ["GP1", "HUB1", "ICB"])
        #expect(r.decisions.map(\.recipientKind) == ["gp-practice", "hub-team", "commissioner"])
        #expect(r.decisions.map(\.purpose) == [.directCare, .directCare, .planning])
    }

    @Test(arguments: [DischargeDestination.careHome, .nursingHome])
    func careOrNursingHomeAddsAdultSocialCare(destination: DischargeDestination) {
        #expect(F.route(F.discharge(destination: destination)).decisions.map(\.recipient) == ["GP1", "HUB1", "ASC", "ICB"])
    }

    @Test func careNeedsAddAdultSocialCare() {
        #expect(F.route(F.discharge(careNeeds: true)).decisions.map(\.recipient) == ["GP1", "HUB1", "ASC", "ICB"])
        #expect(F.route(F.discharge(destination: .hospice)).decisions.map(\.recipient) == ["GP1", "HUB1", "ICB"])
    }

    @Test func underEighteenAtTheTimeOfTheMessageGoesToChildrensSocialCare() {
        // 18th birthday on 2026-03-02: on 1 March still a child, on 2 March an adult.
        let child = F.discharge(subject: F.subject(born: "2008-03-02"), careNeeds: true, occurredAt: "2026-03-01T23:30:00Z")
        #expect(F.route(child).decisions.map(\.recipient) == ["GP1", "HUB1", "CSC", "ICB"])
        let adult = F.discharge(subject: F.subject(born: "2008-03-02"), careNeeds: true, occurredAt: "2026-03-02T00:30:00Z")
        #expect(F.route(adult).decisions.map(\.recipient) == ["GP1", "HUB1", "ASC", "ICB"])
        #expect(F.route(child).decision(for: "CSC")?.outcome == .deliver)
    }

    @Test func socialCareNotificationGoesToPracticeAndHub() {
        #expect(F.route(F.notification()).decisions.map(\.recipient) == ["GP1", "HUB1"])
    }

    @Test func noRegisteredPracticeNoPracticeOrHub() {
        #expect(F.route(F.discharge(subject: F.subject(practice: nil))).decisions.map(\.recipient) == ["ICB"])
    }

    @Test func unknownPracticeIsACandidateWithoutAgreement() {
        let r = F.route(F.discharge(subject: F.subject(practice: "Y99999")))
        #expect(r.decisions.map(\.recipient) == ["Y99999", "ICB"])
        #expect(r.decisions[0].recipientKind == "unknown")
        #expect(r.decisions[0].reasons == [ReasonCode.noAgreement])
    }

    @Test func referralGoesToTargetWithCopyWhereAnAgreementCoversIt() {
        let r = F.route(F.referral(from: "COMM", to: "VCS"))
        #expect(r.decisions.map(\.recipient) == ["VCS", "GP1"])
        #expect(r.decision(for: "GP1")?.agreement == AgreementReference(id: "A-COPY", version: 2))
        // No agreement covers copies of GP referrals; and a practice's own referral is never copied back.
        #expect(F.route(F.referral(from: "GP1", to: "COMM")).decisions.map(\.recipient) == ["COMM"])
        #expect(F.route(F.referral(from: "GP2", to: "COMM")).decisions.map(\.recipient) == ["COMM"])
    }

    @Test func retiredNonDirectCareAgreementsNameNoCandidates() {
        #expect(!F.route(F.discharge()).decisions.contains { $0.recipient == "HOUSING" })
    }
}

@Suite struct AgreementStepTests {
    @Test func inForce() {
        let d = F.route(F.discharge()).decision(for: "GP1")
        #expect(d?.outcome == .deliver)
        #expect(d?.agreement == AgreementReference(id: "A-DISCHARGE", version: 2))
        #expect(d?.reasons == [])
    }

    @Test func expiredAfterValidToInUKTime() {
        // validTo 2026-12-31: 23:30 UTC on that day is still 31 December in the UK (GMT).
        #expect(F.route(F.discharge(), at: F.at("2026-12-31T23:30:00Z")).decision(for: "GP1")?.outcome == .deliver)
        let d = F.route(F.discharge(), at: F.at("2027-01-01T00:00:00Z")).decision(for: "GP1")
        #expect(d?.outcome == .deny)
        #expect(d?.reasons == [ReasonCode.agreementExpired])
        #expect(d?.agreement?.id == "A-DISCHARGE")
    }

    @Test func notYetValid() {
        let r = F.route(F.discharge(), at: F.at("2025-05-31T22:59:59Z"))
        #expect(outcome(r, "ICB") == (.deny, [ReasonCode.agreementNotYetValid], []))
        // 2025-06-01 00:00 BST is 2025-05-31 23:00 UTC.
        #expect(F.route(F.discharge(), at: F.at("2025-05-31T23:00:00Z")).decision(for: "ICB")?.outcome == .deliver)
        // The mental health agreement to GPs starts in 2027.
        #expect(outcome(F.route(F.discharge(from: "MH")), "GP1") == (.deny, [ReasonCode.agreementNotYetValid], []))
    }

    @Test func suspendedAndDraftAreNotActive() {
        #expect(outcome(F.route(F.discharge(from: "MH")), "HUB1") == (.deny, [ReasonCode.agreementNotActive], []))
        let draft = F.route(F.discharge(from: "AMB")).decision(for: "GP1")
        #expect(draft?.reasons == [ReasonCode.agreementNotActive])
        #expect(draft?.agreement?.id == "A-AMB-DRAFT")
    }

    @Test func noAgreement() {
        let d = F.route(F.discharge(from: "AMB")).decision(for: "HUB1")
        #expect(d?.outcome == .deny)
        #expect(d?.reasons == [ReasonCode.noAgreement])
        #expect(d?.agreement == nil)
    }

    @Test func aPlanningAgreementDoesNotCoverDirectCare() {
        // ICB is named by a planning agreement only; as a referral target (direct care) nothing covers it.
        #expect(outcome(F.route(F.referral(from: "COMM", to: "ICB")), "ICB") == (.deny, [ReasonCode.noAgreement], []))
    }
}

@Suite struct ConsentStepTests {
    @Test func objectionToAllDeniesEveryone() {
        let r = F.route(F.discharge(), consent: [F.objection()])
        for recipient in ["GP1", "HUB1", "ICB"] {
            #expect(outcome(r, recipient) == (.deny, [ReasonCode.objection], []), "\(recipient)")
        }
    }

    @Test func objectionScopedToOneOrganisation() {
        let r = F.route(F.discharge(), consent: [F.objection(.organisations(["HUB1"]))])
        #expect(r.decision(for: "GP1")?.outcome == .deliver)
        #expect(outcome(r, "HUB1") == (.deny, [ReasonCode.objection], []))
        #expect(r.decision(for: "ICB")?.outcome == .deliver)
    }

    @Test func objectionOfAnotherPersonDoesNothing() {
        #expect(F.route(F.discharge(), consent: [F.objection(person: F.other)]).decision(for: "GP1")?.outcome == .deliver)
    }

    @Test func safeguardingOverridesAnObjectionWhereTheAgreementSaysSo() {
        let r = F.route(F.discharge(labels: [.safeguarding]), consent: [F.objection()])
        #expect(outcome(r, "GP1") == (.deliver, ["objection-overridden:safeguarding"], []))
        // The planning agreement has no override (and denies safeguarding anyway, as unmentioned).
        #expect(outcome(r, "ICB") == (.deny, [ReasonCode.objection], []))
    }

    @Test func withoutTheLabelNoOverride() {
        #expect(outcome(F.route(F.discharge(labels: [.mentalHealth]), consent: [F.objection()]), "GP1") == (.deny, [ReasonCode.objection], []))
    }

    @Test func withdrawalClearsAnEarlierObjection() {
        let consent = [F.objection(at: "2026-01-01T00:00:00Z"), F.withdrawal(at: "2026-02-01T00:00:00Z")]
        #expect(F.route(F.discharge(), consent: consent).decision(for: "GP1")?.outcome == .deliver)
        // An objection recorded after the withdrawal wins again.
        let again = consent + [F.objection(at: "2026-02-15T00:00:00Z")]
        #expect(F.route(F.discharge(), consent: again).decision(for: "GP1")?.outcome == .deny)
    }

    @Test func withdrawalForOneOrganisationLeavesTheRest() {
        let consent = [F.objection(at: "2026-01-01T00:00:00Z"), F.withdrawal(.organisations(["GP1"]), at: "2026-02-01T00:00:00Z")]
        let r = F.route(F.discharge(), consent: consent)
        #expect(r.decision(for: "GP1")?.outcome == .deliver)
        #expect(r.decision(for: "HUB1")?.outcome == .deny)
    }

    @Test func latestRecordedAtWinsWhateverTheOrderGiven() {
        let consent = [F.withdrawal(at: "2026-02-01T00:00:00Z"), F.objection(at: "2026-01-01T00:00:00Z")]
        #expect(F.route(F.discharge(), consent: consent).decision(for: "GP1")?.outcome == .deliver)
        // At the same instant an objection beats a withdrawal (fail closed).
        let tie = [F.withdrawal(at: "2026-02-01T00:00:00Z"), F.objection(at: "2026-02-01T01:00:00+01:00")]
        #expect(F.route(F.discharge(), consent: tie).decision(for: "GP1")?.outcome == .deny)
    }

    @Test func directivesRecordedAfterTheDecisionTimeAreNotYetKnown() {
        #expect(F.route(F.discharge(), consent: [F.objection(at: "2026-03-03T00:00:00Z")]).decision(for: "GP1")?.outcome == .deliver)
    }

    @Test func nationalDataOptOutNeverBlocksDirectCareAndAlwaysBlocksPlanning() {
        let r = F.route(F.discharge(), consent: [F.optOut])
        #expect(r.decision(for: "GP1")?.outcome == .deliver)
        #expect(r.decision(for: "HUB1")?.outcome == .deliver)
        #expect(outcome(r, "ICB") == (.deny, [ReasonCode.nationalDataOptOut], []))
    }
}

@Suite struct SensitivityAndMinimisationTests {
    static let items: [CodedEntry] = [
        CodedEntry(code: "J18.9", system: "ICD-10", display: "Pneumonia"),
        CodedEntry(code: "F10.2", system: "ICD-10", display: "Alcohol dependence", sensitivity: [.substanceMisuse]),
        CodedEntry(code: "F32.1", system: "ICD-10", display: "Depression", sensitivity: [.mentalHealth]),
    ]
    static let followUp = [
        FollowUp(action: "GP review", owner: .gp),
        FollowUp(action: "Alcohol service", owner: .community, sensitivity: [.substanceMisuse]),
    ]

    @Test func allowedLabelIsDeliveredWhole() throws {
        let m = F.discharge(labels: [.mentalHealth], diagnoses: [Self.items[2]])
        let d = try #require(F.route(m).decision(for: "GP1"))
        #expect(d.outcome == .deliver && d.reasons.isEmpty && d.removedFields.isEmpty)
        #expect(d.delivery == m)
    }

    @Test func redactedLabelRemovesItsItemsAndTheNarrative() throws {
        let m = F.discharge(labels: [.substanceMisuse, .mentalHealth], diagnoses: Self.items, followUp: Self.followUp)
        let d = try #require(F.route(m).decision(for: "GP1"))
        #expect(d.outcome == .deliverRedacted)
        #expect(d.reasons == ["sensitivity-redacted:substance-misuse"])
        #expect(d.removedFields == ["payload.diagnoses[1]", "payload.followUp[1]", "payload.narrative"])
        let delivered = try #require(d.delivery)
        guard case .dischargeSummary(let s) = delivered.payload else { Issue.record("wrong payload"); return }
        #expect(s.diagnoses.map(\.code) == ["J18.9", "F32.1"])
        #expect(s.followUp.map(\.action) == ["GP review"])
        #expect(s.narrative == nil)
        // The message-level list is recomputed: the redacted label is gone, the allowed one stays.
        #expect(delivered.sensitivity == [.mentalHealth])
        // Still a valid canonical message.
        #expect(try CanonicalJSON.decode(CanonicalJSON.encode(delivered)) == delivered)
    }

    /// An allergy is an item like a diagnosis: one whose label is redacted
    /// goes, and the delivered message never lists fewer labels than its items carry.
    @Test func redactedLabelRemovesItsAllergies() throws {
        let allergies = [
            CodedEntry(code: "91936005", system: "SNOMED-CT", display: "Penicillin allergy"),
            CodedEntry(code: "294505008", system: "SNOMED-CT", display: "Methadone intolerance", sensitivity: [.substanceMisuse]),
        ]
        let m = F.discharge(labels: [.substanceMisuse], allergies: allergies)
        let d = try #require(F.route(m).decision(for: "GP1"))
        #expect(d.outcome == .deliverRedacted)
        #expect(d.removedFields == ["payload.allergies[1]", "payload.narrative"])
        let delivered = try #require(d.delivery)
        guard case .dischargeSummary(let s) = delivered.payload else { Issue.record("wrong payload"); return }
        #expect(s.allergies.map(\.code) == ["91936005"])
        #expect(delivered.sensitivity.isEmpty)
        #expect(Set(delivered.sensitivity).isSuperset(of: delivered.itemSensitivity))
    }

    @Test func anAllergysLabelDeniesLikeAnyItemsLabel() {
        // The message list forgot the label: the item's own label still decides.
        let allergy = CodedEntry(code: "294505008", system: "SNOMED-CT", display: "Intolerance", sensitivity: [.sexualHealth])
        #expect(outcome(F.route(F.discharge(labels: [], allergies: [allergy])), "GP1") == (.deny, ["sensitivity-denied:sexual-health"], []))
    }

    @Test func redactionAppliesToItemLabelsEvenIfTheMessageListForgotThem() throws {
        let m = F.discharge(labels: [], diagnoses: [Self.items[1]])
        let d = try #require(F.route(m).decision(for: "GP1"))
        #expect(d.reasons == ["sensitivity-redacted:substance-misuse"])
        #expect(d.removedFields == ["payload.diagnoses[0]", "payload.narrative"])
    }

    @Test func deniedLabelDeniesTheRecipient() {
        let r = F.route(F.discharge(labels: [.sexualHealth, .substanceMisuse]))
        // Denial decides: no redaction is listed, nothing is removed.
        #expect(outcome(r, "GP1") == (.deny, ["sensitivity-denied:sexual-health"], []))
        #expect(r.decision(for: "GP1")?.delivery == nil)
    }

    @Test func unmentionedLabelIsDenied() {
        let r = F.route(F.discharge(labels: [.genderIdentity, .reproductiveHealth]))
        #expect(outcome(r, "GP1") == (.deny, ["sensitivity-denied:reproductive-health", "sensitivity-denied:gender-identity"], []))
    }

    @Test func safeguardingConcernCannotBeRedacted() {
        // A-NOTIFY allows safeguarding: delivered. The event implies the label even when the feed left it out.
        let r = F.route(F.notification(event: .safeguardingConcern))
        #expect(r.decision(for: "GP1")?.outcome == .deliver)
        #expect(r.decision(for: "GP1")?.delivery?.sensitivity == [.safeguarding])
        // Mental health is redacted under A-NOTIFY: the details text goes.
        #expect(outcome(F.route(F.notification(labels: [.mentalHealth])), "GP1") == (.deliverRedacted, ["sensitivity-redacted:mental-health"], ["payload.details"]))
    }

    @Test func minimisationRemovesExcludedFieldsAndRecordsThem() throws {
        let r = F.route(F.discharge(careNeeds: true))
        let asc = try #require(r.decision(for: "ASC"))
        #expect(asc.outcome == .deliver)
        #expect(asc.reasons.isEmpty)
        #expect(asc.removedFields == ["payload.procedures", "payload.narrative"])
        guard case .dischargeSummary(let s) = asc.delivery?.payload else { Issue.record("no delivery"); return }
        #expect(s.procedures.isEmpty && s.narrative == nil)
        let icb = try #require(r.decision(for: "ICB"))
        #expect(icb.removedFields == ["subject.name", "subject.postcode", "payload.narrative"])
        #expect(icb.delivery?.subject.name == nil && icb.delivery?.subject.postcode == nil)
        #expect(icb.delivery?.subject.nhsNumber == F.person)
    }

    @Test func onlyFieldsPresentAreRecordedAsRemoved() {
        #expect(F.route(F.discharge(careNeeds: true, narrative: nil)).decision(for: "ASC")?.removedFields == ["payload.procedures"])
    }

    @Test func redactionThenMinimisationRecordsEachFieldOnce() throws {
        let m = F.discharge(labels: [.substanceMisuse], careNeeds: true, diagnoses: [Self.items[1]])
        // A-SOCIALCARE does not mention substance-misuse → denied; use the GP agreement and the referral one instead.
        #expect(F.route(m).decision(for: "ASC")?.reasons == ["sensitivity-denied:substance-misuse"])
        let referral = F.referral(from: "COMM", to: "VCS", labels: [.mentalHealth])
        let d = try #require(F.route(referral).decision(for: "VCS"))
        #expect(d.outcome == .deliver && d.removedFields == ["payload.clinicalSummary"])
    }

    @Test func orderOfReasonsFollowsTheSteps() {
        // Identity matched (step 1), objection overridden (step 4), redaction (step 5).
        let m = F.discharge(subject: F.subject(nil), labels: [.safeguarding, .substanceMisuse])
        let fact = identityFact(nhsNumber: F.person, family: "testperson", birthDate: CalendarDate("1950-01-01")!, postcode: "wa80aa")
        let r = F.route(m, consent: [F.objection()], identities: [fact])
        #expect(r.decision(for: "GP1")?.reasons == ["identity-matched", "objection-overridden:safeguarding", "sensitivity-redacted:substance-misuse"])
        // When a later step decides, its reason comes first.
        #expect(r.decision(for: "ICB")?.reasons == ["objection", "identity-matched"])
    }
}

@Suite struct IdentityStepTests {
    static let fact = identityFact(nhsNumber: F.person, family: "Testperson", birthDate: CalendarDate("1950-01-01")!, postcode: "WA8 0AA")

    @Test func uniqueMatchIsUsedAndMarked() throws {
        let r = F.route(F.discharge(subject: F.subject(nil)), identities: [Self.fact])
        #expect(r.identity == .matched(F.person))
        let d = try #require(r.decision(for: "GP1"))
        #expect(d.outcome == .deliver && d.reasons == [ReasonCode.identityMatched])
        #expect(d.delivery?.subject.nhsNumber == F.person)
        #expect(d.delivery?.subject.identityStatus == .matched)
    }

    @Test func ambiguousMatchGoesToReview() {
        let twin = identityFact(nhsNumber: F.other, family: "TESTPERSON", birthDate: CalendarDate("1950-01-01")!, postcode: "wa8 0aa")
        let r = F.route(F.discharge(subject: F.subject(nil)), identities: [Self.fact, twin])
        #expect(r.identity == .ambiguous(candidates: 2))
        #expect(r.decisions.map(\.recipient) == [Decision.reviewRecipient])
        #expect(outcome(r, "review") == (.review, [ReasonCode.identityUnresolved], []))
    }

    @Test func noMatchGoesToReview() {
        let elsewhere = identityFact(nhsNumber: F.person, family: "Testperson", birthDate: CalendarDate("1950-01-01")!, postcode: "WA7 1AA")
        let r = F.route(F.discharge(subject: F.subject(nil)), identities: [elsewhere])
        #expect(r.identity == .unresolved)
        #expect(r.decisions.count == 1 && r.decisions[0].outcome == .review && r.decisions[0].delivery == nil)
    }

    @Test func aMessageWithAnNHSNumberIsNotMatched() {
        let r = F.route(F.discharge(), identities: [identityFact(nhsNumber: F.other, family: "Testperson", birthDate: CalendarDate("1950-01-01")!, postcode: "WA8 0AA")])
        #expect(r.identity == .present(F.person))
        #expect(r.decision(for: "GP1")?.reasons == [])
    }
}

@Suite struct ExplainTests {
    @Test func explainHasTheDesignShapeAndStableKeyOrder() {
        let m = F.discharge(subject: F.subject(practice: nil), labels: [.mentalHealth])
        let r = F.route(m, consent: [F.optOut])
        let id = m.id.uuidString.lowercased()
        #expect(r.explainJSON == #"{"messageId":"\#(id)","decisions":[{"recipient":"ICB","recipientKind":"commissioner","outcome":"deny","agreement":{"id":"A-PLANNING","version":2},"reasons":["national-data-opt-out"],"removedFields":[]}]}"#)
        let review = F.route(F.discharge(subject: F.subject(nil)))
        #expect(review.explainJSON.contains(#"{"recipient":"review","recipientKind":"review","outcome":"review","agreement":null,"reasons":["identity-unresolved"],"removedFields":[]}"#))
    }

    @Test func explainIsValidJSON() throws {
        let r = F.route(F.discharge(labels: [.substanceMisuse], careNeeds: true))
        let object = try JSONSerialization.jsonObject(with: Data(r.explainJSON.utf8)) as? [String: Any]
        #expect((object?["decisions"] as? [Any])?.count == 4)
    }

    @Test func routingIsDeterministic() {
        let m = F.discharge(labels: [.substanceMisuse], careNeeds: true)
        #expect(F.route(m) == F.route(m))
    }
}

@Suite struct ConsentParsingTests {
    @Test func parsesTheDesignExamples() throws {
        let text = """
        {"nhsNumber": "9990000379", "directive": "objection", "scope": "all", "recordedAt": "2026-01-05T10:00:00Z", "recordedBy": "IG team"}
        {"nhsNumber": "9990000379", "directive": "objection", "scope": ["RWW"], "recordedAt": "2026-01-06T10:00:00Z", "recordedBy": "IG team"}

        {"nhsNumber": "9990000379", "directive": "withdraw-objection", "scope": "all", "recordedAt": "2026-01-07T10:00:00Z", "recordedBy": "IG team"}
        {"nhsNumber": "9990000379", "directive": "national-data-opt-out", "recordedAt": "2026-01-08T10:00:00Z", "recordedBy": "NHS England"}
        """
        let directives = try ConsentState.parseJSONLines(text)
        #expect(directives.map(\.directive) == [.objection, .objection, .withdrawObjection, .nationalDataOptOut])
        #expect(directives[1].scope == .organisations(["RWW"]))
        #expect(directives[3].scope == nil)
        let state = ConsentState(directives: directives)
        #expect(!state.objects(F.person, to: "RWW", at: F.now))
        #expect(state.objects(F.person, to: "RWW", at: F.at("2026-01-06T12:00:00Z")))
        #expect(state.hasNationalDataOptOut(F.person, at: F.now))
    }

    @Test func reportsTheBadLine() {
        let text = """
        {"nhsNumber": "9990000379", "directive": "objection", "scope": "all", "recordedAt": "2026-01-05T10:00:00Z"}
        {"nhsNumber": "9990000378", "directive": "objection", "scope": "all", "recordedAt": "2026-01-05T10:00:00Z"}
        """
        #expect(throws: ConsentParseError.self) { try ConsentState.parseJSONLines(text) }
        do {
            _ = try ConsentState.parseJSONLines(text)
        } catch {
            #expect(error.line == 2)
            #expect(error.message.contains("nhs-number-invalid"))
        }
        #expect(throws: ConsentParseError.self) {
            try ConsentState.parseJSONLines(#"{"nhsNumber": "9990000379", "directive": "objection", "recordedAt": "2026-01-05T10:00:00Z"}"#)
        }
        #expect(throws: ConsentParseError.self) {
            try ConsentState.parseJSONLines(#"{"nhsNumber": "9990000379", "directive": "national-data-opt-out", "scope": "all", "recordedAt": "2026-01-05T10:00:00Z"}"#)
        }
    }
}
