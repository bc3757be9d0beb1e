import Foundation
import HXCanonical
import HXConfigFile
import Testing
@testable import HXPlace

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let haltonConfig = packageRoot.appendingPathComponent("config")

@Suite struct HaltonConfigTests {
    @Test func loadsWithoutErrors() throws {
        let config: PlaceConfiguration
        do {
            config = try PlaceConfiguration.load(directory: haltonConfig)
        } catch {
            Issue.record("Halton configuration rejected:\n\(error.description)")
            return
        }
        // The one warning is deliberate (see DSA-HALTON-DISCHARGE-001's comment).
        #expect(config.warnings.count == 1)
        #expect(config.warnings.first?.message.contains("overridable for 'safeguarding'") == true)
        #expect(config.agreements.count == 10)
        #expect(Set(config.agreements.map(\.status)) == [.active, .suspended, .draft])
        #expect(config.agreements.contains { $0.purpose == .planning })
    }

    @Test func describesHaltonAsTheDesignSays() throws {
        let config = try PlaceConfiguration.load(directory: haltonConfig)
        for (code, kind) in [("RWW", OrganisationKind.acuteTrust), ("RBN", .acuteTrust), ("RY2", .communityTrust),
                             ("RW4", .mentalHealthTrust), ("RX7", .ambulance), ("HBC-ASC", .adultSocialCare),
                             ("HBC-CSC", .childrensSocialCare)] {
            #expect(config.organisation(code)?.kind == kind, "\(code)")
        }
        let practices = config.organisations(ofKind: .gpPractice)
        #expect(practices.count == 14)
        // Never an invented ODS code for a practice: each is a GP practice code confirmed from
        // ODS data (a letter and five digits; Halton's, of the former NHS Halton CCG, are N81...)
        // or a marked PLACEHOLDER-... code (organisations.yaml says which and where from).
        func isHaltonPracticeCode(_ code: String) -> Bool {
            let s = Array(code.unicodeScalars)
            return s.count == 6 && code.hasPrefix("N81") && s.dropFirst().allSatisfy { ("0"..."9").contains($0) }
        }
        #expect(practices.allSatisfy { $0.code.hasPrefix("PLACEHOLDER-") || isHaltonPracticeCode($0.code) })
        #expect(Set(practices.map(\.code)).count == 14)
        #expect(config.organisation("N81035")?.name == "Appleton Village Surgery")
        let perHub = Dictionary(grouping: practices, by: { $0.hub ?? "" }).mapValues(\.count)
        #expect(perHub == ["HUB-WIDNES-1": 4, "HUB-WIDNES-2": 4, "HUB-RUNCORN-1": 2, "HUB-RUNCORN-2": 4])
        #expect(practices.filter { $0.pcn == "widnes" }.allSatisfy { $0.hub?.hasPrefix("HUB-WIDNES") == true })
        #expect(practices.filter { $0.pcn == "runcorn" }.count == 6)
        #expect(config.groups.first { $0.name == "widnes-pcn-practices" }?.members.count == 8)
        #expect(config.organisations(ofKind: .hubTeam).count == 4)
    }

    @Test func expiryWarningsForHalton() throws {
        let config = try PlaceConfiguration.load(directory: haltonConfig, asOf: CalendarDate("2026-12-02")!)
        let expiring = config.warnings.filter { $0.message.contains("ends on") }
        #expect(expiring.count == 1)
        #expect(expiring.first?.message.contains("DSA-HALTON-SOCIAL-PRESCRIBING-001 ends on 2026-12-31, in 29 days") == true)
    }

    @Test func digestIsStable() throws {
        let a = try PlaceConfiguration.load(directory: haltonConfig)
        let b = try PlaceConfiguration.load(directory: haltonConfig)
        #expect(a.configurationDigest == b.configurationDigest)
        #expect(a.configurationDigest.count == 64)
        #expect(a.configurationDigest.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func digestIgnoresFormattingAndChangesWithMeaning() throws {
        let base = agreement()
        let original = try load([base]).configurationDigest
        // Comments, key order, quoting, list order and a group rewritten as an equivalent list: same meaning.
        let reformatted = "# a comment\n" + agreement(sources: #"["ACUTE"]"#, recipients: #"["@hubs", "@gps"]"#)
            .replacingOccurrences(of: "version: 1\n", with: "") + "\nversion: 1   # moved"
        let orgsAsList = baseOrganisations.replacingOccurrences(of: "{kind: gp-practice}", with: "[GP1]")
        #expect(try load([reformatted], orgs: orgsAsList).configurationDigest == original)
        // A new version, status, date, rule or recipient changes it.
        for changed in [
            base.replacingOccurrences(of: "version: 1", with: "version: 2"),
            base.replacingOccurrences(of: "status: active", with: "status: suspended"),
            base.replacingOccurrences(of: "validTo: 2026-12-31", with: "validTo: 2027-01-31"),
            base.replacingOccurrences(of: "allow: [mental-health]", with: "redact: [mental-health]"),
            agreement(recipients: #"["@gps"]"#),
        ] {
            #expect(try load([changed]).configurationDigest != original)
        }
        // So does a change to an organisation.
        let renamed = baseOrganisations.replacingOccurrences(of: "Test practice", with: "Test surgery")
        #expect(try load([base], orgs: renamed).configurationDigest != original)
    }

    @Test func digestOfHaltonChangesWhenAnAgreementChanges() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hx-digest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sharing-agreements"), withIntermediateDirectories: true)
        for file in ["organisations.yaml", "identity.yaml"] {
            try FileManager.default.copyItem(at: haltonConfig.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        let agreements = haltonConfig.appendingPathComponent("sharing-agreements")
        for name in try FileManager.default.contentsOfDirectory(atPath: agreements.path) {
            try FileManager.default.copyItem(at: agreements.appendingPathComponent(name), to: dir.appendingPathComponent("sharing-agreements/\(name)"))
        }
        let before = try PlaceConfiguration.load(directory: dir).configurationDigest
        #expect(before == (try PlaceConfiguration.load(directory: haltonConfig).configurationDigest))
        let file = dir.appendingPathComponent("sharing-agreements/DSA-HALTON-DISCHARGE-001.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try (text + "\n# a new comment changes nothing\n").write(to: file, atomically: true, encoding: .utf8)
        #expect(try PlaceConfiguration.load(directory: dir).configurationDigest == before)
        try text.replacingOccurrences(of: "exclude: [payload.narrative]", with: "exclude: [payload.narrative, payload.allergies]")
            .write(to: file, atomically: true, encoding: .utf8)
        #expect(try PlaceConfiguration.load(directory: dir).configurationDigest != before)
    }
}
