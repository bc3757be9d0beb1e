import Foundation
import HXAudit
import HXCanonical
import HXPlace
import HXSubjectAccess
import Testing

@Suite struct SubjectAccessReportTests {
    static let person = "9990000743"

    static func record(_ entry: AuditEntry, _ sequence: Int) -> AuditRecord {
        AuditRecord(entry: entry, chainId: "router:t:0", sequence: sequence, previousHash: String(repeating: "0", count: 64),
                    hash: String(repeating: "1", count: 64), hmac: nil)
    }

    static func report() throws -> (SubjectAccessReport, String) {
        let place = try PlaceConfiguration.load(directory: packageRoot.appendingPathComponent("config"))
        var redacted = Fixture.documentedEntry  // passed on to adult social care with the safeguarding narrative removed
        redacted.time = "2026-03-01T16:00:00.000Z"
        var shared = Fixture.documentedEntry
        shared.decisionId = "00000000-0000-4000-8000-000000000001"
        shared.recipient = "HUB-WIDNES-2"  // no delivery block: the team reads its delivery topic itself
        shared.outcome = .deliver
        shared.reasons = []
        shared.removedFields = []
        shared.time = "2026-02-01T09:15:00.000Z"
        var denied = Fixture.documentedEntry
        denied.decisionId = "00000000-0000-4000-8000-000000000002"
        denied.recipient = "WELLBEING-ENT"
        denied.outcome = .deny
        denied.reasons = ["objection"]
        denied.removedFields = []
        denied.agreementId = nil
        denied.agreementVersion = nil
        denied.time = "2026-03-05T10:00:00.000Z"
        var someoneElse = shared
        someoneElse.decisionId = "00000000-0000-4000-8000-000000000003"
        someoneElse.nhsNumber = "9990000751"
        someoneElse.source = AuditSource(organisation: "<script>", adapter: "x")
        // Adult social care's system (a delivery block: FHIR REST) took the redacted one two seconds later.
        let received = try AuditRecordBuilder.deliveryStatus(
            decisionId: redacted.decisionId, status: "sent", attempt: 1, time: Instant(millisecondsSinceEpoch: 1_772_380_802_000),
            recipient: "HBC-ASC", transport: "fhir-http", reasonCode: nil, detail: "HTTP 201", messageId: redacted.messageId,
            messageType: redacted.messageType, nhsNumber: person, agreementId: redacted.agreementId,
            input: (HXTopic.delivery("HBC-ASC"), 0, 3), configurationDigest: redacted.configurationDigest)
        let records = [redacted, shared, denied, someoneElse, received].enumerated().map { record($1, $0 + 1) }
        let report = SubjectAccessReport(nhsNumber: person, records: records, place: place, generatedAt: "2026-11-24T10:00:00.000Z")
        return (report, report.html())
    }

    @Test func listsEveryShareDenialAndRedactionOfThePersonOldestFirst() throws {
        let (report, html) = try Self.report()
        #expect(report.decisions.map(\.recipient) == ["HUB-WIDNES-2", "HBC-ASC", "WELLBEING-ENT"])
        #expect(html.contains("999 000 0743"))
        #expect(html.contains("In all: 1 passed on, 1 passed on with parts removed, 1 not passed on, 0 held for checking."))
        #expect(html.contains("1 Feb 2026 09:15 UTC"))
        #expect(html.contains("Passed on with parts removed"))
        #expect(html.contains("Parts removed before it was passed on: payload.narrative, payload.followUp[1]."))
        #expect(html.contains("Sensitive information (safeguarding) was removed before it was passed on."))
        #expect(html.contains("You objected to this sharing."))
        #expect(html.contains("Discharge summary"))
        #expect(report.decisions.count == 3, "a delivery's record is not a decision of its own")
    }

    @Test func saysWhenEachDeliveryReachedTheRecipientsSystem() throws {
        let (_, html) = try Self.report()
        #expect(html.contains("<th>Reached them</th>"))
        #expect(html.contains("Received by their system 1 Mar 2026 16:00 UTC"), "HBC-ASC's system took it")
        #expect(html.contains("Made available for them to collect"), "HUB-WIDNES-2 reads its delivery topic itself")
    }

    @Test func namesOrganisationsAndAgreementsFromThePlace() throws {
        let (report, html) = try Self.report()
        let sender = try #require(report.place.organisation("RWW"))
        #expect(html.contains(sender.name))
        let agreement = try #require(report.place.agreement(id: "DSA-HALTON-DISCHARGE-SOCIALCARE-001"))
        #expect(html.contains("\(agreement.title) (DSA-HALTON-DISCHARGE-SOCIALCARE-001, version 1)"))
    }

    @Test func showsNobodyElseAndEscapesWhatItShows() throws {
        let (_, html) = try Self.report()
        #expect(!html.contains("9990000751") && !html.contains("999 000 0751"))
        #expect(!html.contains("<script>"))
    }

    @Test func aPersonWithNoRecordsIsToldSo() throws {
        let place = try PlaceConfiguration.load(directory: packageRoot.appendingPathComponent("config"))
        let html = SubjectAccessReport(nhsNumber: "9990000778", records: [], place: place, generatedAt: "2026-11-24T10:00:00.000Z").html()
        #expect(html.contains("holds no record"))
    }
}
