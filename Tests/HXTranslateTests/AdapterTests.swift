import Foundation
import HXCanonical
import Testing
@testable import HXTranslate

@Suite struct AdapterTests {
    @Test(arguments: Paths.adapterNames)
    func adapterConfigurationLoads(_ name: String) throws {
        let c = try Fixtures.adapter(name)
        #expect(c.name == name)
        #expect(c.timeZone == "Europe/London")
        #expect(c.topic.hasPrefix("hx.canonical."))
    }

    @Test(arguments: Paths.adapterNames)
    func testsYAMLCasesPass(_ name: String) {
        let report = AdapterTestRunner.run(directory: Paths.adapters.appendingPathComponent(name))
        #expect(report.cases >= 3, "\(name) should have at least 3 cases")
        #expect(report.failures.isEmpty, "\(report.failures.map(\.description).joined(separator: "\n"))")
    }

    /// Each adapter ships 2-4 samples and at least one is deliberately rejected.
    @Test(arguments: Paths.adapterNames)
    func samplesIncludeARejectedInput(_ name: String) throws {
        let dir = Paths.adapters.appendingPathComponent(name).appendingPathComponent("samples")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect((2...4).contains(files.count))
        var rejected = 0
        for f in files {
            let outcomes = try Fixtures.translate(name, f)
            #expect(!outcomes.isEmpty)
            if outcomes.contains(where: { !$0.isSuccess }) { rejected += 1 }
            for o in outcomes {
                if let e = o.error { #expect(TranslationError.allCodes.contains(e.code), "undocumented code \(e.code)") }
                // Every message written must read back as valid canonical JSON.
                if let m = o.message { #expect(try CanonicalJSON.decode(CanonicalJSON.encode(m)) == m) }
            }
        }
        #expect(rejected >= 1)
    }

    @Test func runnerReportsFailuresWithFileAndLine() throws {
        let yaml = """
        cases:
          - name: wrong expectation
            input: samples/a03-discharge-home.hl7
            expect:
              subject.nhsNumber: "9990100012"
              payload.dischargeDestination: home
          - name: expects an error that does not happen
            input: samples/a03-discharge-home.hl7
            error: {code: nhs-number-invalid}
          - name: missing file
            input: samples/nope.hl7
            expect: {type: referral}
        """
        let config = try Fixtures.adapter("whh-pas-discharge")
        let report = AdapterTestRunner.run(testsYAML: yaml, file: "tests.yaml", configuration: config) { path in
            try? Fixtures.sample("whh-pas-discharge", String(path.dropFirst("samples/".count)))
        }
        #expect(report.cases == 3)
        #expect(report.failures.count == 3)
        #expect(report.failures[0].line == 5)
        #expect(report.failures[0].description.contains("tests.yaml:5: [wrong expectation] subject.nhsNumber: expected \"9990100012\", got \"9990100004\""))
        #expect(report.failures[1].line == 9)
        #expect(report.failures[2].message.contains("cannot read input file"))
    }

    @Test func runnerRejectsUnknownKeys() throws {
        let yaml = "cases:\n  - name: x\n    input: a\n    expectt: {}\n"
        let report = AdapterTestRunner.run(testsYAML: yaml, file: "t.yaml", configuration: try Fixtures.adapter("whh-pas-discharge")) { _ in Data() }
        #expect(report.failures.contains { $0.line == 4 && $0.message.contains("unknown key 'expectt'") })
    }
}

@Suite struct ConfigurationTests {
    @Test func unknownKeysAndBadValuesAreReportedWithLines() throws {
        let yaml = """
        name: test
        organisation: RWW
        system: PAS
        format: hl7v3
        source:
          mllp: {port: 99999}
        timeZone: Europe/Londres
        colour: blue
        """
        let result = AdapterConfiguration.parse(text: yaml, file: "adapter.yaml", sensitivity: try Fixtures.codes())
        guard case .failure(let errors) = result else { Issue.record("expected errors"); return }
        let byLine = Dictionary(grouping: errors.issues, by: { $0.line ?? 0 })
        #expect(byLine[4]?.first?.message.contains("unknown format 'hl7v3'") == true)
        #expect(byLine[6]?.first?.message.contains("between 1 and 65535") == true)
        #expect(byLine[7]?.first?.message.contains("unknown IANA time zone") == true)
        #expect(byLine[8]?.first?.message.contains("unknown key 'colour'") == true)
    }

    @Test func csvFormatsNeedRequiredColumns() throws {
        let yaml = """
        name: test
        organisation: HBC-ASC
        system: export
        format: social-care-csv
        source: {folder: {path: /tmp/in}}
        columns:
          nhsNumber: NHS No
          favouriteColour: Colour
        """
        guard case .failure(let errors) = AdapterConfiguration.parse(text: yaml, file: "a.yaml", sensitivity: SensitivityCodes()) else {
            Issue.record("expected errors")
            return
        }
        let text = errors.description
        #expect(text.contains("a.yaml:8:3: error: columns: unknown key 'favouriteColour'"))
        #expect(text.contains("'event' is required"))
        #expect(text.contains("'recordId' is required"))
    }

    /// `sthk-edischarge/mesh`: the same adapter receiving over MESH (a variant folder), loaded from its own file.
    @Test func theMESHVariantLoadsAsTheSameAdapter() throws {
        let c = try AdapterConfiguration.load(directory: Paths.adapters.appendingPathComponent("sthk-edischarge/mesh")).get()
        #expect(c.name == "sthk-edischarge" && c.format == .fhirDischarge)
        #expect(c.source == .mesh(mailbox: "X26HX0001", answerAs: "01F"))
        let bad = "name: t\norganisation: RWW\nsystem: PAS\nformat: fhir-discharge\nsource: {mesh: {mailbox: x26hx0001}}\n"
        guard case .failure(let errors) = AdapterConfiguration.parse(text: bad, file: "a.yaml", sensitivity: SensitivityCodes()) else {
            Issue.record("expected errors")
            return
        }
        #expect(errors.description.contains("a.yaml:5:") && errors.description.contains("'answerAs' is required"), "\(errors.description)")
        #expect(errors.description.contains("is not a MESH mailbox id"))
    }

    @Test func defaultsApply() throws {
        let yaml = "name: t\norganisation: RWW\nsystem: PAS\nformat: hl7v2\nsource: {http: {port: 8080, path: /in}}\n"
        let c = try AdapterConfiguration.parse(text: yaml, file: "a.yaml", sensitivity: SensitivityCodes()).get()
        #expect(c.timeZone == "Europe/London")
        #expect(c.maxInputBytes == 1 << 20)
        #expect(c.topic == "hx.canonical.discharge-summary.v1")
        #expect(c.source == .http(port: 8080, path: "/in"))
    }
}

@Suite struct SensitivityTests {
    @Test func icd10Ranges() throws {
        let codes = try Fixtures.codes()
        #expect(codes.labels(code: "F32.1", system: "ICD-10") == [.mentalHealth])
        #expect(codes.labels(code: "F10.2", system: "I10") == [.substanceMisuse])
        #expect(codes.labels(code: "F19", system: "ICD10") == [.substanceMisuse])
        #expect(codes.labels(code: "F64.0", system: "ICD-10") == [.genderIdentity])
        #expect(codes.labels(code: "A54.9", system: "ICD-10") == [.sexualHealth])
        #expect(codes.labels(code: "B20", system: "ICD-10") == [.sexualHealth])
        #expect(codes.labels(code: "O04.9", system: "ICD-10") == [.reproductiveHealth])
        #expect(codes.labels(code: "Z30.0", system: "ICD-10") == [.reproductiveHealth])
        #expect(codes.labels(code: "I21.4", system: "ICD-10").isEmpty)
        #expect(codes.labels(code: "F32.1", system: "SNOMED CT").isEmpty)  // wrong system: no match
        #expect(codes.labels(code: "93461009", system: "http://snomed.info/sct") == [.genderIdentity])
        #expect(codes.sources["RW4"] == [.mentalHealth])
        #expect(codes.events[.safeguardingConcern] == [.safeguarding])
    }

    @Test func badCodeListIsReportedWithLines() {
        let yaml = "icd10:\n  mental-health: [F99-F00]\n  happiness: [Z00]\nsnomed:\n  sexual-health: [\"abc\"]\n"
        guard case .failure(let e) = SensitivityCodes.load(text: yaml, file: "s.yaml") else {
            Issue.record("expected errors")
            return
        }
        #expect(e.issues.contains { $0.line == 2 && $0.message.contains("F99-F00") })
        #expect(e.issues.contains { $0.line == 3 && $0.message.contains("unknown key 'happiness'") })
        #expect(e.issues.contains { $0.line == 5 && $0.message.contains("not a SNOMED CT concept id") })
    }

    @Test func messageLabelsAreTheUnionOfItemLabels() throws {
        let m = try #require(try Fixtures.translate("sthk-edischarge", "edischarge-r4.json").first?.message)
        #expect(m.sensitivity == [.sexualHealth])
        #expect(Set(m.sensitivity).isSuperset(of: m.itemSensitivity))
    }
}

@Suite struct OutputEncodingTests {
    @Test func jsonLines() throws {
        let outcomes = try Fixtures.translate("whh-pas-discharge", "bad-nhs-number.hl7")
        let line = String(decoding: outcomes[0].jsonLine, as: UTF8.self)
        #expect(line == #"{"ok":false,"error":{"code":"nhs-number-invalid","location":"PID-3(2).1","message":"NHS number fails Modulus 11: check digit should be 2, found 7"}}"#)
        #expect(Translator.exitStatus(outcomes) == 65)
        let good = try Fixtures.translate("whh-pas-discharge", "a03-discharge-home.hl7")
        let bytes = good[0].jsonLine
        #expect(bytes.starts(with: Data(#"{"ok":true,"message":{"id":"#.utf8)))
        let m = try #require(good[0].message)
        // The canonical bytes are embedded unchanged.
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"ok":true,"message":"# + String(decoding: CanonicalJSON.encode(m), as: UTF8.self) + "}")
        #expect(Translator.exitStatus(good) == 0)
        let parsed = try JSONSerialization.jsonObject(with: Translator.jsonLines(good).dropLast()) as? [String: Any]
        #expect(parsed?["ok"] as? Bool == true)
    }

    @Test func translationIsDeterministic() throws {
        let a = try Fixtures.translate("sthk-edischarge", "edischarge-itk3-stu3.xml")
        let b = try Fixtures.translate("sthk-edischarge", "edischarge-itk3-stu3.xml")
        #expect(Translator.jsonLines(a) == Translator.jsonLines(b))
        let m = try #require(a.first?.message)
        #expect(m.id == CanonicalMessage.deriveID(sourceOrganisation: "RBN", sourceMessageID: "6f1c2a9e-5d3b-4c71-9e2a-000000000502"))
    }
}
