import Foundation
import HXCanonical
import Testing
@testable import HXITK3

/// ITK3 responses: what the practices send back, and what the exchange sends.
@Suite struct ITK3ResponseTests {
    let original = "2c1f4b9a-7d3e-5f60-9a8b-1c2d3e4f5a6b"
    let at = RFC3339Timestamp("2026-07-14T10:30:00+01:00")!

    func build(_ code: ITK3ResponseCode, text: String? = nil) -> [UInt8] {
        ITK3ResponseBuilder.build(respondingTo: original, code: code, text: text, from: "N81035", to: "X26", sourceEndpoint: "N81035OT001", timestamp: at)
    }

    @Test func aPositiveInfrastructureAcknowledgementRoundTrips() throws {
        let r = try ITK3Response.parse(build(.success))
        #expect(r.respondsTo == original)
        #expect(r.kind == .infrastructure && r.code == .ok && r.itkResponseCode == "20013" && r.isPositive)
        #expect(r.knownCode == .success && r.text == "Success")
        #expect(r.sender == "N81035")
        #expect(!r.id.isEmpty && r.id != original)
    }

    @Test func aBusinessAcknowledgementIsBusiness() throws {
        let r = try ITK3Response.parse(build(.patientKnownHere))
        #expect(r.kind == .business && r.code == .ok && r.itkResponseCode == "30001")
        let notKnown = try ITK3Response.parse(build(.patientNotKnownHere))
        #expect(notKnown.kind == .business && notKnown.code == .fatalError && !notKnown.isPositive)
    }

    @Test func aNegativeResponseCarriesItsCodeAndText() throws {
        let r = try ITK3Response.parse(build(.payloadValidationFailure, text: "the Composition has no subject"))
        #expect(r.kind == .infrastructure && r.code == .fatalError && !r.isPositive)
        #expect(r.itkResponseCode == "20009" && r.text == "the Composition has no subject")
    }

    @Test func theSameAnswerIsTheSameBytes() {
        #expect(build(.success) == build(.success), "a resent acknowledgement has the same ids")
        #expect(build(.success) != build(.unreadableMessage))
    }

    /// A response from a system that writes XML, with its own ids and a Bundle-level profile we do not check.
    @Test func anXMLResponseIsRead() throws {
        let xml = """
        <Bundle xmlns="http://hl7.org/fhir">
          <id value="b-1"/>
          <type value="message"/>
          <entry>
            <fullUrl value="urn:uuid:h-1"/>
            <resource><MessageHeader>
              <id value="h-1"/>
              <event><system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"/><code value="ITK008M"/></event>
              <sender><reference value="urn:uuid:o-1"/></sender>
              <timestamp value="2026-07-14T10:31:00+01:00"/>
              <source><endpoint value="N81035OT001"/></source>
              <response><identifier value="\(original)"/><code value="fatal-error"/><details><reference value="urn:uuid:oo-1"/></details></response>
            </MessageHeader></resource>
          </entry>
          <entry>
            <fullUrl value="urn:uuid:o-1"/>
            <resource><Organization><id value="o-1"/><identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="N81035"/></identifier></Organization></resource>
          </entry>
          <entry>
            <fullUrl value="urn:uuid:oo-1"/>
            <resource><OperationOutcome><id value="oo-1"/><issue><severity value="fatal"/><code value="not-found"/>
              <details><coding><system value="https://fhir.nhs.uk/STU3/CodeSystem/ITK-ResponseCodes-1"/><code value="20002"/><display value="Unrecognised Recipient Organisation"/></coding></details>
            </issue></OperationOutcome></resource>
          </entry>
        </Bundle>
        """
        let r = try ITK3Response.parse(Array(xml.utf8))
        #expect(r.respondsTo == original && r.code == .fatalError && r.itkResponseCode == "20002" && r.kind == .infrastructure)
        #expect(r.sender == "N81035" && r.id == "h-1" && r.text == "Unrecognised Recipient Organisation")
    }

    @Test func whatIsNotAnITK3ResponseIsRefusedWithACode() {
        func code(_ text: String) -> ITK3ResponseError.Code? {
            do {
                _ = try ITK3Response.parse(Array(text.utf8))
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code("garbage \u{0}\u{1}") == .unreadable)
        #expect(code("{\"not\":\"fhir\"}") == .unreadable)
        #expect(code(#"{"resourceType":"Patient"}"#) == .notMessageBundle)
        #expect(code(#"{"resourceType":"Bundle","type":"document","entry":[]}"#) == .notMessageBundle)
        #expect(code(#"{"resourceType":"Bundle","type":"message","entry":[]}"#) == .messageHeaderMissing)
        // A transfer-of-care document, not a response to one.
        #expect(code(#"{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"MessageHeader","event":{"code":"ITK003D"}}}]}"#) == .notResponse)
        #expect(code(#"{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"MessageHeader","event":{"code":"ITK003D"},"response":{"identifier":"x","code":"ok"}}}]}"#) == .notResponse)
        #expect(code(#"{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"MessageHeader","event":{"code":"ITK008M"},"response":{"code":"ok"}}}]}"#) == .invalid)
        #expect(code(#"{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"MessageHeader","event":{"code":"ITK008M"},"response":{"identifier":"x","code":"fine"}}}]}"#) == .invalid)
        // No OperationOutcome: no ITK3 response code.
        #expect(code(#"{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"MessageHeader","event":{"code":"ITK008M"},"response":{"identifier":"x","code":"ok"}}}]}"#) == .invalid)
        let odd = String(decoding: build(.success), as: UTF8.self).replacingOccurrences(of: "\"20013\"", with: "\"90013\"")
        #expect(code(odd) == .invalid)
    }

    @Test func everyResponseCodeHasItsKindAndResponseType() {
        for c in ITK3ResponseCode.allCases {
            #expect(c.rawValue.count == 5 && !c.display.isEmpty)
            #expect(c.kind == (c.rawValue.hasPrefix("3") ? .business : .infrastructure))
            #expect((c.responseType == .ok) == (c == .success || c == .patientKnownHere))
        }
    }
}
