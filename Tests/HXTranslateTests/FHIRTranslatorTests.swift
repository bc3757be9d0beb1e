import Foundation
import HXCanonical
import Testing
@testable import HXTranslate

@Suite struct FHIRTranslatorTests {
    func discharge(_ text: String) throws -> TranslationOutcome {
        try #require(Fixtures.translate(text, try Fixtures.config(.fhirDischarge)).first)
    }

    @Test func bundleWithoutCompositionJSONAndXML() throws {
        let json = #"{"resourceType":"Bundle","id":"b1","type":"document","entry":[{"resource":{"resourceType":"Patient"}}]}"#
        let xml = #"<Bundle xmlns="http://hl7.org/fhir"><id value="b1"/><type value="document"/><entry><resource><Patient/></resource></entry></Bundle>"#
        for text in [json, xml] {
            let e = try #require(try discharge(text).error)
            #expect(e.code == "fhir-composition-missing" && e.location == "Bundle.entry")
        }
    }

    @Test func malformedInputs() throws {
        #expect(try discharge(#"{"resourceType":"Bundle","#).error?.code == "fhir-invalid")
        let xml = try #require(try discharge("<Bundle xmlns=\"http://hl7.org/fhir\">\n<id value=\"x\">\n</Bundle>").error)
        #expect(xml.code == "fhir-invalid" && xml.location.hasPrefix("line "), "\(xml)")
        #expect(try discharge("hello").error?.code == "fhir-invalid")
        let lone = try #require(try discharge(#"{"resourceType":"Composition"}"#).error)
        #expect(lone.code == "fhir-bundle-expected" && lone.location == "Composition")
    }

    @Test func invalidNHSNumberAndBirthDateHaveFHIRPaths() throws {
        func bundle(_ patient: String) -> String {
            #"{"resourceType":"Bundle","id":"b","type":"document","entry":[{"fullUrl":"urn:uuid:c","resource":{"resourceType":"Composition","date":"2026-07-01T10:00:00+01:00","subject":{"reference":"urn:uuid:p"}}},{"fullUrl":"urn:uuid:p","resource":"# + patient + "}]}"
        }
        let nhs = try #require(try discharge(bundle(#"{"resourceType":"Patient","identifier":[{"system":"http://x/local","value":"1"},{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990100017"}]}"#)).error)
        #expect(nhs.code == "nhs-number-invalid" && nhs.location == "Bundle.entry[1].resource.identifier[1].value")
        let birth = try #require(try discharge(bundle(#"{"resourceType":"Patient","birthDate":"1950-02-30"}"#)).error)
        #expect(birth.code == "date-invalid" && birth.location == "Bundle.entry[1].resource.birthDate")
        let ok = try #require(try discharge(bundle(#"{"resourceType":"Patient","birthDate":"1950"}"#)).message)
        #expect(ok.subject.birthDate == nil && ok.subject.identityStatus == .unresolved)
        // No Encounter: discharged at the Composition's date.
        guard case .dischargeSummary(let d) = ok.payload else { Issue.record("not a discharge"); return }
        #expect(d.dischargedAt.rawValue == "2026-07-01T10:00:00+01:00")
    }

    @Test func jsonAndXMLOfTheSameReferralAgree() throws {
        let json = #"""
        {"resourceType":"Bundle","id":"m1","type":"message","timestamp":"2026-02-01T09:00:00Z","entry":[
          {"fullUrl":"urn:uuid:h","resource":{"resourceType":"MessageHeader","focus":[{"reference":"urn:uuid:s"}],"destination":[{"receiver":{"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"RY2"}}}]}},
          {"fullUrl":"urn:uuid:s","resource":{"resourceType":"ServiceRequest","id":"sr1","priority":"stat","subject":{"reference":"urn:uuid:p"},"authoredOn":"2026-02-01"}},
          {"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990100004"}]}}]}
        """#
        let xml = #"""
        <Bundle xmlns="http://hl7.org/fhir"><id value="m1"/><type value="message"/><timestamp value="2026-02-01T09:00:00Z"/>
        <entry><fullUrl value="urn:uuid:h"/><resource><MessageHeader><destination><receiver><identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="RY2"/></identifier></receiver></destination><focus><reference value="urn:uuid:s"/></focus></MessageHeader></resource></entry>
        <entry><fullUrl value="urn:uuid:s"/><resource><ServiceRequest><id value="sr1"/><priority value="stat"/><subject><reference value="urn:uuid:p"/></subject><authoredOn value="2026-02-01"/></ServiceRequest></resource></entry>
        <entry><fullUrl value="urn:uuid:p"/><resource><Patient><identifier><system value="https://fhir.nhs.uk/Id/nhs-number"/><value value="9990100004"/></identifier></Patient></resource></entry>
        </Bundle>
        """#
        let config = try Fixtures.config(.referralFHIR)
        let a = Fixtures.translate(json, config), b = Fixtures.translate(xml, config)
        #expect(Translator.jsonLines(a) == Translator.jsonLines(b))
        let m = try #require(a.first?.message)
        guard case .referral(let r) = m.payload else { Issue.record("not a referral"); return }
        #expect(r.priority == .emergency && r.toOrganisation == "RY2" && r.referralId == "sr1")
        #expect(r.requestedAt.rawValue == "2026-02-01T00:00:00+00:00")
    }

    @Test func referralWithoutRecipientIsRejected() throws {
        let json = #"{"resourceType":"Bundle","id":"m","type":"message","entry":[{"resource":{"resourceType":"MessageHeader"}},{"resource":{"resourceType":"ServiceRequest","subject":{"reference":"Patient/1"},"authoredOn":"2026-01-01"}},{"resource":{"resourceType":"Patient","id":"1"}}]}"#
        let e = try #require(Fixtures.translate(json, try Fixtures.config(.referralFHIR)).first?.error)
        #expect(e.code == "referral-recipient-missing" && e.location == "Bundle.entry[1].resource.performer")
    }
}
