import Foundation
import HXCanonical
import HXConfigFile
import Testing
@testable import HXPlace

/// A small valid place; each test breaks one thing and checks the report.
let baseOrganisations = """
organisations:
  - code: ACUTE
    name: Test acute trust
    kind: acute-trust
  - code: HUB1
    name: Test hub
    kind: hub-team
  - code: GP1
    name: Test practice
    kind: gp-practice
    hub: HUB1
    pcn: north
  - code: ASC
    name: Test adult social care
    kind: adult-social-care
  - code: ICB
    name: Test ICB
    kind: commissioner
groups:
  gps: {kind: gp-practice}
  hubs: [HUB1]
"""

func agreement(
    id: String = "DSA-1", status: String = "active", from: String = "2025-01-01", to: String = "2026-12-31",
    purpose: String = "direct-care", sources: String = "[ACUTE]", recipients: String = #"["@gps", "@hubs"]"#,
    types: String = "[discharge-summary]", extra: String = ""
) -> String {
    """
    id: \(id)
    title: Test agreement
    version: 1
    status: \(status)
    validFrom: \(from)
    validTo: \(to)
    purpose: \(purpose)
    lawfulBasis: ["UK GDPR Art 6(1)(e)"]
    from: \(sources)
    to: \(recipients)
    messageTypes: \(types)
    sensitivity:
      allow: [mental-health]
    """ + (extra.isEmpty ? "" : "\n" + extra)
}

func load(_ agreements: [String], orgs: String = baseOrganisations, asOf: CalendarDate? = nil) throws(ConfigErrors) -> PlaceConfiguration {
    try PlaceConfiguration.parse(
        organisations: ("organisations.yaml", orgs),
        agreements: agreements.enumerated().map { ("dsa-\($0.offset + 1).yaml", $0.element) }, asOf: asOf)
}

/// The issues of a configuration expected to fail.
func issues(_ agreements: [String], orgs: String = baseOrganisations) -> [ConfigIssue] {
    do {
        _ = try load(agreements, orgs: orgs)
        Issue.record("expected the configuration to be rejected")
        return []
    } catch {
        return error.issues
    }
}

func has(_ issues: [ConfigIssue], file: String, line: Int, containing text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let found = issues.contains { $0.file == file && $0.line == line && $0.message.contains(text) && $0.severity == .error }
    #expect(found, "no error '\(text)' at \(file):\(line); got:\n\(issues.map(\.description).joined(separator: "\n"))", sourceLocation: sourceLocation)
}

@Suite struct ConfigValidationTests {
    @Test func baseIsValid() throws {
        let config = try load([agreement()])
        #expect(config.agreements.count == 1)
        #expect(config.agreements[0].recipients == ["GP1", "HUB1"])
        #expect(config.organisation("GP1")?.hub == "HUB1")
        #expect(config.warnings.isEmpty)
    }

    @Test func unknownKeyInOrganisation() {
        let orgs = baseOrganisations.replacingOccurrences(of: "    pcn: north", with: "    pcn: north\n    colour: blue")
        has(issues([agreement()], orgs: orgs), file: "organisations.yaml", line: 13, containing: "unknown key 'colour'")
    }

    @Test func unknownKeyInAgreement() {
        has(issues([agreement(extra: "expires: never")]), file: "dsa-1.yaml", line: 14, containing: "unknown key 'expires'")
    }

    @Test func unknownOrganisationAndGroupInAgreement() {
        let found = issues([agreement(sources: "[ACUTE, NOPE]", recipients: #"["@gps", "@nobody"]"#)])
        has(found, file: "dsa-1.yaml", line: 9, containing: "unknown organisation code 'NOPE'")
        has(found, file: "dsa-1.yaml", line: 10, containing: "unknown group '@nobody'")
    }

    @Test func unknownKind() {
        let orgs = baseOrganisations.replacingOccurrences(of: "kind: commissioner", with: "kind: ccg")
        has(issues([agreement()], orgs: orgs), file: "organisations.yaml", line: 18, containing: "unknown organisation kind 'ccg'")
    }

    @Test func unknownKindInSelector() {
        let orgs = baseOrganisations.replacingOccurrences(of: "{kind: gp-practice}", with: "{kind: gp}")
        has(issues([agreement()], orgs: orgs), file: "organisations.yaml", line: 20, containing: "unknown organisation kind 'gp'")
    }

    @Test func unknownSensitivityLabelMessageTypeAndPurpose() {
        let text = agreement(purpose: "marketing", types: "[discharge-summary, lab-result]")
            .replacingOccurrences(of: "allow: [mental-health]", with: "allow: [mental-health, genetics]")
        let found = issues([text])
        has(found, file: "dsa-1.yaml", line: 7, containing: "unknown purpose 'marketing'")
        has(found, file: "dsa-1.yaml", line: 11, containing: "unknown message type 'lab-result'")
        has(found, file: "dsa-1.yaml", line: 13, containing: "unknown sensitivity label 'genetics'")
    }

    @Test func validFromAfterValidTo() {
        has(issues([agreement(from: "2026-01-01", to: "2025-12-31")]), file: "dsa-1.yaml", line: 5, containing: "validFrom 2026-01-01 is after validTo 2025-12-31")
    }

    @Test func badDate() {
        has(issues([agreement(to: "2026-02-30")]), file: "dsa-1.yaml", line: 6, containing: "validTo must be a date")
    }

    @Test func duplicateAgreementIDs() {
        has(issues([agreement(), agreement(types: "[referral]")]), file: "dsa-2.yaml", line: 1, containing: "agreement id 'DSA-1' is also used by dsa-1.yaml:1")
    }

    @Test func duplicateOrganisationCodes() {
        let orgs = baseOrganisations.replacingOccurrences(of: "  - code: ICB\n", with: "  - code: acute\n")
        has(issues([agreement()], orgs: orgs), file: "organisations.yaml", line: 16, containing: "organisation code 'acute' is declared twice (as 'ACUTE'")
    }

    @Test func hubThatIsNotAHubTeam() {
        let orgs = baseOrganisations.replacingOccurrences(of: "hub: HUB1", with: "hub: ASC")
        has(issues([agreement()], orgs: orgs), file: "organisations.yaml", line: 11, containing: "hub 'ASC' of GP1 is a adult-social-care, not a hub-team")
    }

    @Test func unknownHub() {
        let orgs = baseOrganisations.replacingOccurrences(of: "hub: HUB1", with: "hub: HUB9")
        has(issues([agreement()], orgs: orgs), file: "organisations.yaml", line: 11, containing: "hub 'HUB9' of GP1 is not an organisation")
    }

    @Test func overlappingActiveAgreements() {
        let second = agreement(id: "DSA-2", from: "2026-06-01", to: "2027-12-31", recipients: "[GP1]")
        has(issues([agreement(), second]), file: "dsa-2.yaml", line: 1,
            containing: "agreement DSA-2 overlaps DSA-1 (dsa-1.yaml:1): both are active for discharge-summary from ACUTE to GP1 for direct-care between 2026-06-01 and 2026-12-31")
    }

    @Test func noOverlapWhenDatesPurposesOrStatusesDiffer() throws {
        let later = agreement(id: "DSA-2", from: "2027-01-01", to: "2027-12-31", recipients: "[GP1]")
        let suspended = agreement(id: "DSA-3", status: "suspended", recipients: "[GP1]")
        let planning = agreement(id: "DSA-4", purpose: "planning", recipients: "[GP1]")
        let config = try load([agreement(), later, suspended, planning])
        #expect(config.agreements.count == 4)
    }

    @Test func nonDirectCareMustNameRecipients() {
        has(issues([agreement(purpose: "planning", recipients: #"["@gps"]"#)]), file: "dsa-1.yaml", line: 10,
            containing: "a planning agreement must name its recipients explicitly")
    }

    @Test func labelInTwoRulesAndUnknownExcludedField() {
        let text = agreement(extra: "fields:\n  exclude: [payload.narrative, payload.secret, payload.referralId]\n")
            .replacingOccurrences(of: "allow: [mental-health]", with: "allow: [mental-health]\n  deny: [mental-health]")
        let found = issues([text])
        has(found, file: "dsa-1.yaml", line: 14, containing: "'mental-health' is in both allow and deny")
        has(found, file: "dsa-1.yaml", line: 16, containing: "'payload.secret' is not a field that can be excluded")
    }

    @Test func excludedFieldMustBelongToTheMessageTypes() {
        let text = agreement(extra: "fields:\n  exclude: [payload.clinicalSummary]")
        has(issues([text]), file: "dsa-1.yaml", line: 15, containing: "'payload.clinicalSummary' is not a field of discharge-summary")
    }

    @Test func missingRequiredKey() {
        let text = agreement().replacingOccurrences(of: "lawfulBasis: [\"UK GDPR Art 6(1)(e)\"]\n", with: "")
        has(issues([text]), file: "dsa-1.yaml", line: 1, containing: "'lawfulBasis' is required")
    }

    @Test func syntaxErrorHasItsLine() {
        // Line 14 holds "from: [unclosed" (15 was the line after the file's end, see below).
        has(issues([agreement() + "\nfrom: [unclosed"]), file: "dsa-1.yaml", line: 14, containing: "not valid YAML")
    }

    /// Found by `scripts/fuzz.sh agreement`: an error at the end of a file without a final
    /// line break was reported on the line after the last (libyaml's end of stream), here 3:1.
    @Test func syntaxErrorAtTheEndOfTheFileIsOnItsLastLine() {
        let text = "id: DSA-1\nlawfulBasis: [\"UK GDPR Art 6(1)(e)\", # unclosed"  // the fuzzer's input, shortened
        let found = issues([text])
        has(found, file: "dsa-1.yaml", line: 2, containing: "not valid YAML")
        #expect(found.first?.column == 48)  // just after "unclosed"
        // With the final line break the end of the stream is the (empty) third line, as written.
        has(issues([text + "\n"]), file: "dsa-1.yaml", line: 3, containing: "not valid YAML")
    }

    @Test func everyErrorIsReportedAtOnce() {
        let orgs = baseOrganisations.replacingOccurrences(of: "kind: commissioner", with: "kind: ccg")
        let found = issues([
            agreement(from: "2026-01-01", to: "2025-01-01"),
            agreement(id: "DSA-2", sources: "[NOPE]", types: "[referral]"),
        ], orgs: orgs)
        #expect(found.filter { $0.severity == .error }.count == 3)
        #expect(Set(found.map(\.file)) == ["organisations.yaml", "dsa-1.yaml", "dsa-2.yaml"])
    }

    @Test func expiryWarnings() throws {
        let soon = agreement(id: "DSA-2", from: "2025-01-01", to: "2026-03-31", types: "[referral]")
        let ended = agreement(id: "DSA-3", from: "2024-01-01", to: "2025-12-31", types: "[social-care-notification]")
        let config = try load([agreement(), soon, ended], asOf: CalendarDate("2026-01-15")!)
        let warnings = config.warnings.filter { $0.severity == .warning }
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.file == "dsa-2.yaml" && $0.line == 1 && $0.message.contains("ends on 2026-03-31, in 75 days") })
        #expect(warnings.contains { $0.file == "dsa-3.yaml" && $0.message.contains("ended on 2025-12-31 but is still marked active") })
        // 90 days is the edge: DSA-1 ends 2026-12-31.
        #expect(config.expiryWarnings(asOf: CalendarDate("2026-10-02")!).filter { $0.message.contains("DSA-1 ends on 2026-12-31, in 90 days") }.count == 1)
        #expect(config.expiryWarnings(asOf: CalendarDate("2026-10-01")!).filter { $0.message.contains("DSA-1") }.isEmpty)
    }

    @Test func overrideOfALabelNotAllowedIsAWarning() throws {
        let config = try load([agreement(extra: "objections:\n  overridableFor: [safeguarding]")])
        #expect(config.warnings.count == 1)
        #expect(config.warnings[0].line == 15 && config.warnings[0].severity == .warning)
    }

    @Test func selectorsExpand() throws {
        let orgs = baseOrganisations + "\n  north: {kind: gp-practice, pcn: north}\n  south: {pcn: south}"
        let config = try load([agreement()], orgs: orgs)
        #expect(config.groups.first { $0.name == "north" }?.members == ["GP1"])
        #expect(config.groups.first { $0.name == "south" }?.members == [])
        #expect(config.warnings.contains { $0.message.contains("group 'south' has no members") })
    }
}
