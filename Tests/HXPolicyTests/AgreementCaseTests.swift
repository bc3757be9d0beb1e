import Foundation
import HXCanonical
import HXPlace
import HXPolicy
import Testing
@testable import HXPolicyTesting

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct AgreementCaseTests {
    @Test func haltonAgreementCasesAllPass() throws {
        let config = try PlaceConfiguration.load(directory: packageRoot.appendingPathComponent("config"))
        let report: PolicyTestReport
        do {
            report = try PolicyTestRunner.run(directory: packageRoot.appendingPathComponent("config/tests"), configuration: config)
        } catch {
            Issue.record("agreement test files rejected:\n\(error.description)")
            return
        }
        #expect(report.results.count >= 20)
        #expect(report.allPassed, "\(report.description)")
        #expect(report.summary == "\(report.results.count) passed, 0 failed")
    }

    static let base = packageRoot.appendingPathComponent("config/tests")

    @Test func aFailingCaseNamesItsFileLineAndWhatDiffered() throws {
        let text = """
        cases:
          - name: right
            message: messages/referral-gp-to-bridgewater.json
            at: 2026-03-02T12:00:00Z
            expect:
              - {recipient: RY2, outcome: deliver}
          - name: wrong
            message: messages/referral-gp-to-bridgewater.json
            at: 2026-03-02T12:00:00Z
            expect:
              - {recipient: RY2, outcome: deny, reasons: [objection]}
              - {recipient: QYG, outcome: deliver}
        """
        let config = try PlaceConfiguration.load(directory: packageRoot.appendingPathComponent("config"))
        let cases = try PolicyTestRunner.parse(text: text, file: "my-tests.yaml", baseDirectory: Self.base)
        let report = PolicyTestRunner.run(cases, configuration: config)
        #expect(report.summary == "1 passed, 1 failed")
        let failed = try #require(report.results.first { !$0.passed })
        #expect(failed.location == "my-tests.yaml:7")
        #expect(failed.failures.contains { $0.hasPrefix("line 11: RY2: expected outcome deny, got deliver") })
        #expect(failed.failures.contains { $0.hasPrefix("line 11: RY2: expected reasons [objection]") })
        #expect(failed.failures.contains { $0.hasPrefix("line 12: QYG: expected deliver, but it is not a candidate") })
        #expect(report.description.contains("my-tests.yaml:7: FAIL wrong"))
    }

    @Test func anUnexpectedRecipientFailsTheCase() throws {
        let text = """
        cases:
          - name: forgot the hub
            message: messages/social-care-safeguarding-concern.json
            at: 2026-03-02T12:00:00Z
            expect:
              - {recipient: N81119, outcome: deliver}
        """
        let config = try PlaceConfiguration.load(directory: packageRoot.appendingPathComponent("config"))
        let report = PolicyTestRunner.run(try PolicyTestRunner.parse(text: text, file: "t.yaml", baseDirectory: Self.base), configuration: config)
        #expect(report.results.first?.failures == ["unexpected decision for HUB-WIDNES-1: deliver reasons []"])
    }

    @Test func inlineMessagesAndInputErrors() throws {
        let inline = """
        cases:
          - name: inline
            at: 2026-03-02T12:00:00Z
            message:
              schema: hx.canonical/1
              id: 0b5f0f4e-5f0e-5d8e-9d7e-1a2b3c4d5e6f
              type: referral
              occurredAt: 2026-03-02T10:00:00Z
              source: {organisation: N81035, system: ehr, adapter: test, messageId: "1"}
              subject: {nhsNumber: "9990000379", identityStatus: verified, localIdentifiers: [], registeredPractice: N81035}
              sensitivity: []
              payload: {referralId: R1, fromOrganisation: N81035, toOrganisation: RY2, priority: routine, requestedAt: 2026-03-02T10:00:00Z, consentToShare: true}
            expect:
              - {recipient: RY2, outcome: deliver}
        """
        let config = try PlaceConfiguration.load(directory: packageRoot.appendingPathComponent("config"))
        let report = PolicyTestRunner.run(try PolicyTestRunner.parse(text: inline, file: "t.yaml", baseDirectory: Self.base), configuration: config)
        #expect(report.allPassed, "\(report.description)")

        let broken = """
        cases:
          - name: broken
            message: messages/no-such-file.json
            at: yesterday
            colour: red
            consent:
              - {nhsNumber: "9990000378", directive: objection, scope: all, recordedAt: 2026-01-01T00:00:00Z}
            expect:
              - {recipient: RY2, outcome: maybe}
        """
        do {
            _ = try PolicyTestRunner.parse(text: broken, file: "t.yaml", baseDirectory: Self.base)
            Issue.record("expected errors")
        } catch {
            let lines = Set(error.issues.compactMap(\.line))
            #expect(lines == [3, 4, 5, 7, 9], "\(error.description)")
        }
    }
}
