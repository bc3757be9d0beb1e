import Foundation
import HXCanonical
import Testing
@testable import HXTranslate

/// The conformance fixtures in Tests/Fixtures (part of the repository; see its
/// README.md): each either translates or is rejected with a documented reason code.
struct CorpusConformanceTests {
    struct Expectation: Sendable, CustomStringConvertible {
        let file: String
        let format: AdapterConfiguration.Format
        /// nil: translates; else the reason code.
        let code: String?
        var description: String { file }
    }

    static let expectations: [Expectation] = [
        .init(file: "hl7v2/adt-a01-v24-admit-inpatient.hl7", format: .hl7v2, code: nil),
        .init(file: "hl7v2/adt-a28-v24-create-patient.hl7", format: .hl7v2, code: nil),
        .init(file: "hl7v2/epic-style-adt-a01-admit.hl7", format: .hl7v2, code: nil),
        .init(file: "hl7v2/epic-style-adt-a08-update.hl7", format: .hl7v2, code: nil),
        // A13 (cancel discharge) is not a discharge and not identity: not translated.
        .init(file: "hl7v2/epic-style-adt-a13-cancel-discharge.hl7", format: .hl7v2, code: "unsupported-message-type"),
        // A lone Composition: its patient and organisations are not included.
        .init(file: "fhir-discharge/ukcore-r4-composition-discharge.xml", format: .fhirDischarge, code: "fhir-bundle-expected"),
        // The BaRS message's NHS number (9990002224) fails Modulus 11.
        .init(file: "fhir-referral/bars-referral-primary-care-to-community-pharmacy.xml", format: .referralFHIR, code: "nhs-number-invalid"),
        .init(file: "fhir-referral/ukcore-r4-servicerequest-gp-referral.xml", format: .referralFHIR, code: "fhir-bundle-expected"),
        .init(file: "social-care/adw-dstu2-assessment-notice-bundle-example-1.xml", format: .socialCareADW, code: nil),
        // What trusts send over MESH: an ITK3 message around the document, an R4 message with a DocumentReference and Binary.
        .init(file: "mesh/itk3-stu3-edischarge-message.xml", format: .fhirDischarge, code: nil),
        .init(file: "mesh/r4-documentreference-binary-message.json", format: .fhirDischarge, code: nil),
    ]

    @Test(arguments: expectations)
    func corpusFile(_ e: Expectation) throws {
        let data = try Fixtures.corpus(e.file)
        let outcomes = Translator.translate(configuration: try Fixtures.config(e.format), input: data)
        #expect(outcomes.count == 1)
        let o = try #require(outcomes.first)
        if let code = e.code {
            #expect(o.error?.code == code, "\(o)")
            #expect(TranslationError.allCodes.contains(code))
        } else {
            #expect(o.isSuccess, "\(o)")
        }
    }

    @Test func everyFeedFileIsCovered() throws {
        let fm = FileManager.default
        var files: [String] = []
        for dir in ["hl7v2", "fhir-discharge", "fhir-referral", "social-care", "mesh"] {
            let folder = Paths.corpus.appendingPathComponent(dir)
            try #require(fm.fileExists(atPath: folder.path), "missing fixture folder Tests/Fixtures/\(dir) (expected at \(folder.path))")
            for f in try fm.contentsOfDirectory(atPath: folder.path) where f.hasSuffix(".hl7") || f.hasSuffix(".xml") || f.hasSuffix(".json") {
                files.append("\(dir)/\(f)")
            }
        }
        #expect(Set(files).isSubset(of: Set(Self.expectations.map(\.file))), "new corpus files need an expectation")
        // And every expectation has its file (corpusFile names a missing one too).
        #expect(Set(Self.expectations.map(\.file)).isSubset(of: Set(files)), "expected fixtures missing from Tests/Fixtures: \(Set(Self.expectations.map(\.file)).subtracting(files).sorted())")
    }

    @Test func knownValuesFromTheCorpus() throws {
        let adw = Translator.translate(configuration: try Fixtures.config(.socialCareADW), input: try Fixtures.corpus("social-care/adw-dstu2-assessment-notice-bundle-example-1.xml"))
        let m = try #require(adw.first?.message)
        #expect(m.subject.nhsNumber?.digits == "9413946000")
        #expect(m.subject.registeredPractice == "L83043")
        #expect(m.occurredAt.rawValue == "2017-05-01T15:02:00+00:00" || m.occurredAt.rawValue == "2017-05-01T15:02:11+00:00")
        guard case .socialCareNotification(let n) = m.payload else { Issue.record("wrong payload"); return }
        #expect(n.event == .assessmentNotice)
        #expect(n.team == "Hebburn Social Services' Community Team")
        let a01 = Translator.translate(configuration: try Fixtures.config(.hl7v2), input: try Fixtures.corpus("hl7v2/adt-a01-v24-admit-inpatient.hl7"))
        guard case .identity(let f)? = a01.first else { Issue.record("expected an identity fact"); return }
        #expect(f.nhsNumber.digits == "9992345675" && f.family == "WHITFIELD" && f.postcode == "WA7 9ZZ")
        // The Epic-style A01 carries a local MRN first: the NHS number is found in PID-3's second repetition.
        let epic = Translator.translate(configuration: try Fixtures.config(.hl7v2), input: try Fixtures.corpus("hl7v2/epic-style-adt-a01-admit.hl7"))
        guard case .identity(let g)? = epic.first else { Issue.record("expected an identity fact"); return }
        #expect(g.nhsNumber.digits == "9994567896" && g.family == "PEMBERTON")
        let csv = try #require(String(data: try Fixtures.corpus("nhs-number/uk-fci-testdata-9-valid-nhs-numbers.csv"), encoding: .utf8))
        let rows = try CSV.parse(csv.hasPrefix("\u{FEFF}") ? String(csv.dropFirst()) : csv)
        #expect(rows.count == 9 && rows.allSatisfy { NHSNumber.isValid($0.fields[0]) })
    }
}

extension CorpusConformanceTests {
    @Test func barsRejectionNamesThePatientIdentifier() throws {
        let data = try Fixtures.corpus("fhir-referral/bars-referral-primary-care-to-community-pharmacy.xml")
        let e = try #require(Translator.translate(configuration: try Fixtures.config(.referralFHIR), input: data).first?.error)
        #expect(e.location == "Bundle.entry[6].resource.identifier[0].value")
        #expect(e.message.contains("Modulus 11"))
    }
}
