import Foundation
import HL7v2
import HXCanonical
import HXPlace
import Testing
@testable import HXDelivery

/// The repository's root, from this file's place in it.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Every canonical test message of config/tests/messages, as the router's agreement cases use them.
func sampleMessages() throws -> [(name: String, message: CanonicalMessage)] {
    let folder = root.appendingPathComponent("config/tests/messages")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
    #expect(names.count >= 10, "the sample messages are in \(folder.path)")
    return try names.map { name in
        (name, try CanonicalJSON.decode(Data(contentsOf: folder.appendingPathComponent(name))))
    }
}

let halton = Result { try PlaceConfiguration.load(directory: root.appendingPathComponent("config")) }
func names(_ code: String) -> String? { (try? halton.get())?.organisation(code)?.name }

let decision = "6f1c2b7e-93a4-5d10-8e2f-0b9d4c3a7e11"

@Suite struct RendererTests {
    func render(_ m: CanonicalMessage, _ format: DeliverySettings.Format, decisionId: String = decision, recipient: String = "N81035") throws -> RenderedDelivery {
        try DeliveryRenderer.render(m, decisionId: decisionId, recipient: recipient, format: format, names: names)
    }

    @Test func theSameDecisionGivesTheSameBytesAndAnotherDecisionOtherIds() throws {
        for (name, m) in try sampleMessages() where m.subject.nhsNumber != nil {
            for format in [DeliverySettings.Format.hl7v2, .fhirR4, .canonicalJSON] {
                #expect(try render(m, format) == render(m, format), "\(name) \(format)")
            }
            let other = "0a8d1f4c-2b6e-5a39-9c71-5e4f3d2b1a00"
            #expect(try render(m, .hl7v2) != render(m, .hl7v2, decisionId: other), "\(name): MSH-10 and TXA-12 come from the decision")
            let bundle = try json(render(m, .fhirR4, decisionId: other).bytes)
            #expect(bundle["id"] as? String == other)
        }
    }

    @Test func hl7v2IsAnMDMT02CarryingTheDocument() throws {
        let (_, m) = try #require(try sampleMessages().first { $0.name == "discharge-rww-home.json" })
        let rendered = try render(m, .hl7v2)
        #expect(rendered.fileExtension == "hl7")
        let hl7 = try HL7Message(rendered.bytes)
        #expect(hl7["MSH-9"] == "MDM^T02^MDM_T02" || (hl7["MSH-9.1"] == "MDM" && hl7["MSH-9.2"] == "T02"))
        #expect(hl7["MSH-10"] == "6f1c2b7e93a45d108e2f", "the first 20 hex digits of the decision id (v2.4 MSH-10 holds 20)")
        #expect(hl7["MSH-12"] == "2.4" && hl7["MSH-6"] == "N81035")
        #expect(hl7["PID-3.1"] == m.subject.nhsNumber?.digits && hl7["PID-3.4"] == "NHS")
        #expect(hl7["TXA-2"] == "DS" && hl7["TXA-12.1"] == decision)
        let lines = hl7.segments(named: "OBX").compactMap { $0.value(field: 5) }
        #expect(lines.first == "Discharge summary")
        #expect(lines.contains { $0.hasPrefix("NHS number: ") })
        guard case .dischargeSummary(let d) = m.payload else { Issue.record("not a discharge"); return }
        for diagnosis in d.diagnoses {
            #expect(lines.contains { $0.contains(diagnosis.display ?? "?") }, "every diagnosis is readable")
        }
    }

    @Test func hl7v2EscapesWhatTheSenderWrote() throws {
        var (_, m) = try #require(try sampleMessages().first { $0.name == "discharge-rww-home.json" })
        guard case .dischargeSummary(var d) = m.payload else { Issue.record("not a discharge"); return }
        d.narrative = "Pain 3|10 ^ stable ~ see A&E notes \\ plan\r\nSecond line"
        m.payload = .dischargeSummary(d)
        let hl7 = try HL7Message(render(m, .hl7v2).bytes)
        let lines = hl7.segments(named: "OBX").compactMap { $0.value(field: 5) }
        #expect(lines.contains("  Pain 3|10 ^ stable ~ see A&E notes \\ plan"), "delimiters escaped and read back: \(lines)")
        #expect(lines.contains("  Second line"), "a line break starts a new OBX, never a new segment")
    }

    @Test func fhirR4IsADocumentBundle() throws {
        let (_, m) = try #require(try sampleMessages().first { $0.name == "discharge-rww-home.json" })
        let bundle = try json(render(m, .fhirR4).bytes)
        #expect(bundle["resourceType"] as? String == "Bundle" && bundle["type"] as? String == "document")
        let resources = (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
        #expect(resources.first?["resourceType"] as? String == "Composition")
        let patient = try #require(resources.first { $0["resourceType"] as? String == "Patient" })
        let identifiers = patient["identifier"] as? [[String: Any]] ?? []
        #expect(identifiers.contains { $0["system"] as? String == "https://fhir.nhs.uk/Id/nhs-number" && $0["value"] as? String == m.subject.nhsNumber?.digits })
        #expect(resources.contains { $0["resourceType"] as? String == "Encounter" })
        let div = ((resources[0]["text"] as? [String: Any])?["div"] as? String) ?? ""
        #expect(div.hasPrefix("<div xmlns=\"http://www.w3.org/1999/xhtml\">") && div.contains("Discharge summary"))
    }

    @Test func canonicalJSONIsTheDeliveryRecordAsItIs() throws {
        let (_, m) = try #require(try sampleMessages().first { $0.name == "referral-gp-to-bridgewater.json" })
        #expect(try render(m, .canonicalJSON).bytes == CanonicalJSON.bytes(m))
    }

    @Test func whatCannotBeRenderedSaysWhy() throws {
        let all = try sampleMessages()
        let (_, noNumber) = try #require(all.first { $0.name == "discharge-rww-no-nhs-number.json" })
        #expect(throws: RenderError.self) { try render(noNumber, .hl7v2) }
        let (_, m) = try #require(all.first { $0.name == "discharge-rww-home.json" })
        #expect { try render(m, .hl7v2, decisionId: "not-a-uuid") } throws: { ($0 as? RenderError)?.code == .decisionIdInvalid }
        let place = try halton.get()
        #expect { try DeliveryRenderer.render(m, decisionId: decision, recipient: "NOPE", configuration: place) } throws: {
            ($0 as? RenderError)?.code == .recipientUnknown
        }
        let plain = try #require(place.organisations.first { $0.delivery == nil })
        #expect { try DeliveryRenderer.render(m, decisionId: decision, recipient: plain.code, configuration: place) } throws: {
            ($0 as? RenderError)?.code == .deliveryNotConfigured
        }
    }

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }
}
