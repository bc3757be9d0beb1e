import HXCanonical
import HXPlace
import Testing
@testable import HXAudit

/// The agreement register on Halton's real agreements: what an IG lead is told to look at.
@Suite struct AgreementRegisterTests {
    func day(_ text: String) -> CalendarDate { CalendarDate(text)! }

    @Test func everyAgreementIsListedWithItsParties() throws {
        let place = try Fixture.configuration()
        let register = AgreementRegister(place, today: day("2026-12-05"), recent: nil, quarter: nil)
        #expect(register.entries.map(\.id) == place.agreements.map(\.id).sorted())
        let discharge = try #require(register.entries.first { $0.id == "DSA-HALTON-DISCHARGE-001" })
        #expect(discharge.status == .active && discharge.purpose == "direct-care" && discharge.version == 3)
        #expect(discharge.sources == ["RWW", "RBN"] && discharge.recipients.contains("N81035"))
        #expect(discharge.recent == nil, "without an index nothing is said about decisions")
        #expect(register.entries.allSatisfy { !$0.flags.contains(.quiet) }, "nor is anything called quiet")
    }

    @Test func endingSoonExpiredAndQuietAreFlagged() throws {
        let place = try Fixture.configuration()
        // DSA-HALTON-DISCHARGE-001 runs to 2027-03-31; DSA-HALTON-PLANNING-001 too.
        let early = AgreementRegister(place, today: day("2026-12-05"), recent: [:], quarter: ["DSA-HALTON-DISCHARGE-001": [.deliver: 3]])
        let discharge = try #require(early.entries.first { $0.id == "DSA-HALTON-DISCHARGE-001" })
        #expect(discharge.flags.isEmpty, "116 days before its end, with decisions")
        let planning = try #require(early.entries.first { $0.id == "DSA-HALTON-PLANNING-001" })
        #expect(planning.flags == [.quiet], "active and in force, decided nothing in 90 days")

        let late = AgreementRegister(place, today: day("2027-01-15"), recent: [:], quarter: ["DSA-HALTON-DISCHARGE-001": [.deny: 1]])
        #expect(late.entries.first { $0.id == "DSA-HALTON-DISCHARGE-001" }?.flags == [.endingSoon])
        let suspended = try #require(late.entries.first { $0.status == .suspended })
        #expect(suspended.flags.isEmpty, "a suspended agreement is not expected to decide")

        let after = AgreementRegister(place, today: day("2027-04-01"), recent: [:], quarter: [:])
        #expect(after.entries.first { $0.id == "DSA-HALTON-DISCHARGE-001" }?.flags == [.expiredButActive])
    }

    @Test func recentDecisionsAreCountedByOutcome() throws {
        let counts: [String: [AuditOutcome: Int]] = ["DSA-HALTON-DISCHARGE-001": [.deliver: 120, .deliverRedacted: 4, .deny: 2]]
        let register = AgreementRegister(try Fixture.configuration(), today: day("2026-12-05"), recent: counts, quarter: counts)
        #expect(register.entries.first { $0.id == "DSA-HALTON-DISCHARGE-001" }?.recent == counts["DSA-HALTON-DISCHARGE-001"])
        #expect(register.entries.first { $0.id == "DSA-HALTON-PLANNING-001" }?.recent == [:])
    }

    @Test func windowsStartAtMidnightUTCOfTheirFirstDay() {
        // The last 30 days up to and including 5 December: from 6 November.
        #expect(AgreementRegister.since(days: 30, today: day("2026-12-05")) == "2026-11-06T00:00:00.000Z")
        #expect(AgreementRegister.since(days: 1, today: day("2026-01-01")) == "2026-01-01T00:00:00.000Z")
    }
}
