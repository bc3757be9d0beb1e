import Foundation
import HXCanonical
import HXTranslate
import Testing
@testable import HXITK3

/// Documents trusts send over MESH, into canonical messages; what is refused
/// carries the reason code (dead letter) and the ITK3 response code (the
/// negative acknowledgement).
@Suite struct ITK3InboundTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/mesh")

    func fixture(_ name: String) throws -> [UInt8] {
        let url = Self.fixtures.appendingPathComponent(name)
        try #require(FileManager.default.fileExists(atPath: url.path), "missing fixture \(url.path) (Tests/Fixtures/README.md)")
        return Array(try Data(contentsOf: url))
    }

    func configuration() throws -> AdapterConfiguration {
        let codes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/sensitivity-codes.yaml")
        return AdapterConfiguration(name: "mesh-inbound", organisation: "RWW", system: "MESH", format: .fhirDischarge, source: .folder(path: "/tmp"),
                                    timeZone: "Europe/London", maxInputBytes: 1 << 20, columns: [:], sensitivity: try SensitivityCodes.load(contentsOf: codes).get())
    }

    func translate(_ bytes: [UInt8]) throws -> Result<CanonicalMessage, ITK3Inbound.Rejection> {
        ITK3Inbound.translate(bytes, configuration: try configuration())
    }

    @Test func anITK3MessageGivesItsDocument() throws {
        let bytes = try fixture("itk3-stu3-edischarge-message.xml")
        let m = try translate(bytes).get()
        #expect(m.subject.nhsNumber?.digits == "9990300003" && m.subject.registeredPractice == "N81035")
        #expect(m.source.messageId == "5a7c3e19-2b4d-4f60-8e1a-9c0b6d3f2a17", "the document's identifier, so a resent document is the same message")
        guard case .dischargeSummary(let d) = m.payload else { Issue.record("not a discharge"); return }
        #expect(d.diagnoses.first?.code == "385093006")
        #expect(d.medications.first?.name == "Amoxicillin 500mg capsules")
        #expect(d.dischargeDestination == .home && d.dischargingOrganisation == "RWW")
        #expect(d.admittedAt?.rawValue == "2026-03-06T09:15:00+00:00" && d.dischargedAt.rawValue == "2026-03-11T15:00:00+00:00")
        let header = try #require(ITK3Inbound.header(bytes))
        #expect(header == ITK3Inbound.Header(id: "0d4e2f71-8c5a-4b93-a1e6-3f9b7c2d5e02", sender: "RWW", event: "ITK003D",
                                             infrastructureAckRequested: true, businessAckRequested: true))
    }

    @Test func anR4DocumentReferenceWithATextBinaryGivesADischargeSummary() throws {
        let bytes = try fixture("r4-documentreference-binary-message.json")
        let m = try translate(bytes).get()
        #expect(m.subject.nhsNumber?.digits == "9990300011")
        #expect(m.source.messageId == "STHK-DL-2026-004417")
        #expect(m.occurredAt.rawValue == "2026-04-06T14:05:00+01:00")
        guard case .dischargeSummary(let d) = m.payload else { Issue.record("not a discharge"); return }
        #expect(d.dischargingOrganisation == "RBN" && d.dischargingClinician == "Dr Ravi Banerjee")
        #expect(d.admittedAt?.rawValue == "2026-04-02T19:40:00+01:00" && d.dischargedAt.rawValue == "2026-04-06T13:30:00+01:00")
        #expect(d.narrative?.contains("walks with a frame") == true)
        let header = try #require(ITK3Inbound.header(bytes))
        #expect(header.id == "7e3b9d20-4f1a-4c6e-b8d2-5a0c1e9f0002" && header.sender == "RBN" && !header.infrastructureAckRequested)
    }

    /// The attached document may itself be a FHIR document: it is translated as one.
    @Test func anAttachedFHIRDocumentIsTranslatedAsADocument() throws {
        let itk3 = String(decoding: try fixture("itk3-stu3-edischarge-message.xml"), as: UTF8.self)
        // The document Bundle of the ITK3 fixture, on its own.
        let start = try #require(itk3.range(of: "      <Bundle>"))
        let end = try #require(itk3.range(of: "      </Bundle>"))
        let document = "<Bundle xmlns=\"http://hl7.org/fhir\">" + itk3[start.upperBound..<end.lowerBound] + "</Bundle>"
        let m = try translate(r4Message(contentType: "application/fhir+xml", data: Data(document.utf8).base64EncodedString())).get()
        #expect(m.subject.nhsNumber?.digits == "9990300003" && m.source.messageId == "5a7c3e19-2b4d-4f60-8e1a-9c0b6d3f2a17")
    }

    @Test func refusalsCarryAReasonAndAnITK3ResponseCode() throws {
        func refused(_ bytes: [UInt8]) throws -> ITK3Inbound.Rejection? {
            if case .failure(let r) = try translate(bytes) { return r }
            return nil
        }
        let pdf = try #require(try refused(r4Message(contentType: "application/pdf", data: Data("%PDF-1.7 synthetic".utf8).base64EncodedString())))
        #expect(pdf.reasonCode == "fhir-attachment-unsupported" && pdf.responseCode == .unsupportedAttachmentType)
        let notBase64 = try #require(try refused(r4Message(contentType: "text/plain", data: "not base64 at all!")))
        #expect(notBase64.reasonCode == "fhir-attachment-invalid" && notBase64.responseCode == .payloadValidationFailure)
        let garbage = try #require(try refused(Array("%%% not FHIR".utf8)))
        #expect(garbage.reasonCode == "fhir-invalid" && garbage.responseCode == .unreadableMessage)
        // An ITK3 response arriving where documents are expected is not a document.
        let ack = ITK3ResponseBuilder.build(respondingTo: "x-1", code: .success, from: "N81035", to: "RWW", sourceEndpoint: "N81035OT001",
                                            timestamp: RFC3339Timestamp("2026-03-11T16:50:00+00:00")!)
        let response = try #require(try refused(ack))
        #expect(response.reasonCode == "unsupported-message-type" && response.responseCode == .messageDefinitionValueError)
        let headerless = try #require(try refused(Array(#"{"resourceType":"Bundle","type":"message","entry":[]}"#.utf8)))
        #expect(headerless.reasonCode == "fhir-messageheader-missing" && headerless.responseCode == .headerValidationFailure)
        let noFocus = try #require(try refused(Array(#"{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"MessageHeader","id":"h"}}]}"#.utf8)))
        #expect(noFocus.reasonCode == "fhir-document-missing" && noFocus.responseCode == .headerValidationFailure)
        // A bad NHS number in the document: the payload is refused.
        let badNHS = String(decoding: try fixture("itk3-stu3-edischarge-message.xml"), as: UTF8.self).replacingOccurrences(of: "9990300003", with: "9990300004")
        let payload = try #require(try refused(Array(badNHS.utf8)))
        #expect(payload.reasonCode == "nhs-number-invalid" && payload.responseCode == .payloadValidationFailure)
        #expect(ITK3Inbound.header(Array("%%%".utf8)) == nil)
        for code in TranslationError.Code.allCases {
            _ = ITK3Inbound.responseCode(for: TranslationError(code, "", at: "input"))
        }
    }

    /// The R4 fixture with another attachment.
    func r4Message(contentType: String, data: String) throws -> [UInt8] {
        var text = String(decoding: try fixture("r4-documentreference-binary-message.json"), as: UTF8.self)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var entries = try #require(json["entry"] as? [[String: Any]])
        for i in entries.indices {
            guard var r = entries[i]["resource"] as? [String: Any], r["resourceType"] as? String == "Binary" else { continue }
            r["contentType"] = contentType
            r["data"] = data
            entries[i]["resource"] = r
        }
        for i in entries.indices {
            guard var r = entries[i]["resource"] as? [String: Any], r["resourceType"] as? String == "DocumentReference",
                  var content = r["content"] as? [[String: Any]], var attachment = content[0]["attachment"] as? [String: Any] else { continue }
            attachment["contentType"] = contentType
            content[0]["attachment"] = attachment
            r["content"] = content
            entries[i]["resource"] = r
        }
        var copy = json
        copy["entry"] = entries
        text = String(decoding: try JSONSerialization.data(withJSONObject: copy), as: UTF8.self)
        return Array(text.utf8)
    }
}
