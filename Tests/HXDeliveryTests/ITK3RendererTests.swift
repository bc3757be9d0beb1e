import Foundation
import HXCanonical
import HXITK3
import HXPlace
import HXTranslate
import Testing
@testable import HXDelivery

/// The ITK3 message (FHIR STU3) a GP practice receives over MESH.
@Suite struct ITK3RendererTests {
    func render(_ m: CanonicalMessage, decisionId: String = decision, workflow: String? = nil) throws -> [String: Any] {
        let rendered = try DeliveryRenderer.render(m, decisionId: decisionId, recipient: "N81035", format: .itk3,
                                                   meshMailbox: "X26HX0001", meshWorkflow: workflow, names: names)
        #expect(rendered.mediaType == "application/fhir+json" && rendered.fileExtension == "json")
        return try #require(JSONSerialization.jsonObject(with: Data(rendered.bytes)) as? [String: Any])
    }

    func discharge() throws -> CanonicalMessage {
        try #require(try sampleMessages().first { $0.name == "discharge-rww-home.json" }).message
    }

    static func resources(_ bundle: [String: Any]) -> [[String: Any]] {
        ((bundle["entry"] as? [[String: Any]]) ?? []).compactMap { $0["resource"] as? [String: Any] }
    }

    @Test func idsComeFromTheDecisionAndStayTheSameAcrossRenders() throws {
        let m = try discharge()
        let a = try DeliveryRenderer.render(m, decisionId: decision, recipient: "N81035", format: .itk3, meshMailbox: "X26HX0001", names: names)
        let b = try DeliveryRenderer.render(m, decisionId: decision, recipient: "N81035", format: .itk3, meshMailbox: "X26HX0001", names: names)
        #expect(a == b, "the same decision gives the same bytes")
        let bundle = try render(m)
        let header = try #require(Self.resources(bundle).first)
        let id = try #require(DecisionIdentity(decision))
        #expect(header["resourceType"] as? String == "MessageHeader")
        #expect(header["id"] as? String == ITK3Renderer.messageHeaderId(decisionId: decision))
        #expect(header["id"] as? String == id.derived("ITK3|MessageHeader"))
        #expect(bundle["id"] as? String == ITK3Renderer.bundleId(decisionId: id))
        #expect(bundle["type"] as? String == "message")
        let other = try render(m, decisionId: "0a8d1f4c-2b6e-5a39-9c71-5e4f3d2b1a00")
        #expect(other["id"] as? String != bundle["id"] as? String)
        #expect(Self.resources(other).first?["id"] as? String != header["id"] as? String)
        #expect(ITK3Renderer.messageHeaderId(decisionId: "not-a-uuid") == nil)
    }

    @Test func theHeaderAsksForBothAcknowledgementsAndPointsAtTheDocument() throws {
        let bundle = try render(try discharge())
        let header = try #require(Self.resources(bundle).first)
        let handling = try #require((header["extension"] as? [[String: Any]])?.first { $0["url"] as? String == ITK3.handlingExtension })
        let keys = Dictionary(uniqueKeysWithValues: ((handling["extension"] as? [[String: Any]]) ?? []).map { ($0["url"] as? String ?? "", $0) })
        #expect(keys["InfAckRequested"]?["valueBoolean"] as? Bool == true)
        #expect(keys["BusAckRequested"]?["valueBoolean"] as? Bool == true)
        #expect((keys["RecipientType"]?["valueCoding"] as? [String: Any])?["code"] as? String == "FA")
        #expect(keys["SenderReference"]?["valueString"] as? String == decision, "the decision id comes back in any response that echoes it")
        let event = try #require(header["event"] as? [String: Any])
        #expect(event["system"] as? String == ITK3.messageEventSystem && event["code"] as? String == "ITK003D")
        #expect((header["source"] as? [String: Any])?["endpoint"] as? String == "X26HX0001")
        let focus = try #require((header["focus"] as? [[String: Any]])?.first?["reference"] as? String)
        let entries = try #require(bundle["entry"] as? [[String: Any]])
        let document = try #require(entries.first { $0["fullUrl"] as? String == focus }?["resource"] as? [String: Any])
        #expect(document["resourceType"] as? String == "Bundle" && document["type"] as? String == "document")
        #expect(document["id"] as? String == decision, "the document's id is the decision id, as in fhir-r4")
        // Sender and receiver by ODS code.
        func ods(_ ref: Any?) -> String? {
            let r = (ref as? [String: Any])?["reference"] as? String
            let org = entries.first { $0["fullUrl"] as? String == r }?["resource"] as? [String: Any]
            return ((org?["identifier"] as? [[String: Any]])?.first { $0["system"] as? String == ITK3.odsSystem })?["value"] as? String
        }
        #expect(ods(header["receiver"]) == "N81035")
        #expect(ods(header["sender"]) == "RWW")
    }

    @Test func theDocumentCarriesTheNHSNumberTheNarrativeAndTheSections() throws {
        let m = try discharge()
        let bundle = try render(m)
        let document = try #require(Self.resources(bundle).first { $0["resourceType"] as? String == "Bundle" })
        let resources = Self.resources(document)
        let composition = try #require(resources.first)
        #expect(composition["resourceType"] as? String == "Composition")
        let div = try #require((composition["text"] as? [String: Any])?["div"] as? String)
        #expect(div.hasPrefix("<div xmlns=\"http://www.w3.org/1999/xhtml\">") && div.contains("Discharge summary"))
        let patient = try #require(resources.first { $0["resourceType"] as? String == "Patient" })
        let nhs = (patient["identifier"] as? [[String: Any]])?.first { $0["system"] as? String == "https://fhir.nhs.uk/Id/nhs-number" }
        #expect(nhs?["value"] as? String == m.subject.nhsNumber?.digits)
        #expect(resources.contains { $0["resourceType"] as? String == "Encounter" })
        let sections = (composition["section"] as? [[String: Any]]) ?? []
        let codes = sections.compactMap { (($0["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String }
        #expect(codes.contains("887161000000102"), "diagnoses under their PRSB heading")
        #expect(sections.allSatisfy { (($0["text"] as? [String: Any])?["div"] as? String)?.contains("<li>") == true })
    }

    @Test func theWorkflowChoosesTheEvent() throws {
        let m = try discharge()
        func event(_ workflow: String?) throws -> String? {
            ((Self.resources(try render(m, workflow: workflow)).first?["event"]) as? [String: Any])?["code"] as? String
        }
        #expect(try event(nil) == "ITK003D")
        #expect(try event("TOC_FHIR_IP_DISCH") == "ITK003D")
        #expect(try event("TOC_FHIR_MH_DISCH") == "ITK004D")
        #expect(try event("TOC_FHIR_EC_DISCH") == "ITK005D")
    }

    /// What we send is what we would read: the exchange's own ITK3 message, taken in by the
    /// MESH inbound translation, gives back the person, the times and the coded diagnoses.
    @Test func ourITK3MessageReadsBackThroughTheInboundTranslation() throws {
        let m = try discharge()
        guard case .dischargeSummary(let sent) = m.payload else { Issue.record("not a discharge"); return }
        let bytes = try DeliveryRenderer.render(m, decisionId: decision, recipient: "N81035", format: .itk3, meshMailbox: "X26HX0001", names: names).bytes
        let codes = try SensitivityCodes.load(contentsOf: root.appendingPathComponent("config/sensitivity-codes.yaml")).get()
        let configuration = AdapterConfiguration(name: "mesh-inbound", organisation: "X26", system: "MESH", format: .fhirDischarge,
                                                 source: .folder(path: "/tmp"), sensitivity: codes)
        let back = try ITK3Inbound.translate(bytes, configuration: configuration).get()
        #expect(back.subject.nhsNumber == m.subject.nhsNumber && back.subject.birthDate == m.subject.birthDate)
        #expect(back.source.messageId == decision, "the document Bundle's id is the decision id")
        guard case .dischargeSummary(let d) = back.payload else { Issue.record("not a discharge"); return }
        // The translator writes UTC as +00:00 where the canonical message had Z: the same instant.
        func utc(_ t: RFC3339Timestamp?) -> String? { t.map { $0.rawValue.hasSuffix("Z") ? $0.rawValue.dropLast() + "+00:00" : $0.rawValue } }
        #expect(utc(d.dischargedAt) == utc(sent.dischargedAt) && utc(d.admittedAt) == utc(sent.admittedAt))
        #expect(d.dischargingOrganisation == m.source.organisation)
        #expect(!d.diagnoses.isEmpty || sent.diagnoses.isEmpty, "the diagnoses section is found by its PRSB heading")
        let header = try #require(ITK3Inbound.header(bytes))
        #expect(header.id == ITK3Renderer.messageHeaderId(decisionId: decision) && header.sender == m.source.organisation)
        #expect(header.infrastructureAckRequested && header.businessAckRequested && header.event == "ITK003D")
    }

    /// `hx deliver render --recipient N81035`: the practice's mesh block in config/organisations.yaml.
    @Test func aRecipientWhoseFormatIsITK3IsRenderedFromTheConfiguration() throws {
        let place = try PlaceConfiguration.load(directory: root.appendingPathComponent("config"))
        let delivery = try #require(place.organisation("N81035")?.delivery)
        #expect(delivery.transport == .mesh && delivery.format == .itk3)
        #expect(delivery.endpoint == .mesh(mailbox: "X26HX0002", to: "N81035OT001", workflow: "TOC_FHIR_IP_DISCH", ackWorkflow: "TOC_FHIR_IP_DISCH_ACK"))
        #expect(delivery.acknowledgements == DeliverySettings.Acknowledgements(infrastructure: 3_600_000, business: 86_400_000))
        let rendered = try DeliveryRenderer.render(try discharge(), decisionId: decision, recipient: "N81035", configuration: place)
        let bundle = try #require(JSONSerialization.jsonObject(with: Data(rendered.bytes)) as? [String: Any])
        #expect(bundle["type"] as? String == "message")
        #expect((Self.resources(bundle).first?["source"] as? [String: Any])?["endpoint"] as? String == "X26HX0002")
        // Every GP practice takes ITK3 over MESH, from the one sending mailbox to its own.
        let practices = place.organisations.filter { $0.kind == .gpPractice }
        #expect(practices.count == 14)
        for practice in practices {
            guard case .mesh(let from, let to, _, _) = practice.delivery?.endpoint else {
                Issue.record("\(practice.code) has no mesh delivery block")
                continue
            }
            #expect(from == "X26HX0002" && to == practice.code + "OT001", "\(practice.code)")
        }
    }

    /// `workflowsFrom`: a mental health trust's discharge summary on ITK3's own workflow and event,
    /// another sender's on the block's, through the renderer as the worker calls it.
    @Test func aSendersWorkflowChoosesTheEvent() throws {
        var fromMerseyCare = try discharge()
        fromMerseyCare.source.organisation = "RW4"
        let delivery = DeliverySettings(
            transport: .mesh, format: .itk3,
            endpoint: .mesh(mailbox: "X26HX0002", to: "N81035OT001", workflow: "TOC_FHIR_IP_DISCH", ackWorkflow: "TOC_FHIR_IP_DISCH_ACK"),
            meshWorkflowsFrom: ["RW4": [.dischargeSummary: .init(workflow: "TOC_FHIR_MH_DISCH", ackWorkflow: "TOC_FHIR_MH_DISCH_ACK")]])
        for (message, event) in [(fromMerseyCare, "ITK004D"), (try discharge(), "ITK003D")] {
            let rendered = try DeliveryRenderer.render(message, decisionId: decision, recipient: "N81035", delivery: delivery, names: names)
            let bundle = try #require(JSONSerialization.jsonObject(with: Data(rendered.bytes)) as? [String: Any])
            let header = try #require(Self.resources(bundle).first)
            #expect((header["event"] as? [String: Any])?["code"] as? String == event, "from \(message.source.organisation)")
        }
    }

    /// `hx deliver render` goes through the configuration: the mesh block's mailbox and the workflow for the type.
    @Test func renderingThroughADeliveryBlockUsesItsMailboxAndWorkflow() throws {
        let m = try discharge()
        let delivery = DeliverySettings(
            transport: .mesh, format: .itk3,
            endpoint: .mesh(mailbox: "X26HX0009", to: "N81035OT001", workflow: "TOC_FHIR_IP_DISCH", ackWorkflow: "TOC_FHIR_IP_DISCH_ACK"),
            meshWorkflows: [.dischargeSummary: .init(workflow: "TOC_FHIR_MH_DISCH", ackWorkflow: "TOC_FHIR_MH_DISCH_ACK")])
        #expect(delivery.meshWorkflow(for: m) == .init(workflow: "TOC_FHIR_MH_DISCH", ackWorkflow: "TOC_FHIR_MH_DISCH_ACK"), "what the transport asks")
        let rendered = try DeliveryRenderer.render(m, decisionId: decision, recipient: "N81035", delivery: delivery, names: names)
        let bundle = try #require(JSONSerialization.jsonObject(with: Data(rendered.bytes)) as? [String: Any])
        let header = try #require(Self.resources(bundle).first)
        #expect((header["source"] as? [String: Any])?["endpoint"] as? String == "X26HX0009")
        #expect((header["event"] as? [String: Any])?["code"] as? String == "ITK004D")
    }
}
