import HXCanonical
import HXConfigFile
import Testing
@testable import HXPlace

/// The MESH workflow per message type (`mesh.workflows`): what the MESH
/// transport sends each message on and polls for its ITK3 responses.
@Suite struct MeshWorkflowTests {
    /// GP1's delivery block is from line 14; the mesh block below is on line 16.
    func orgs(_ mesh: String) -> String {
        baseOrganisations.replacingOccurrences(
            of: "    pcn: north\n",
            with: "    pcn: north\n    delivery:\n      transport: mesh\n      format: itk3\n      mesh: \(mesh)\n")
    }

    let plain = "{mailbox: X26HX0001, to: N81035OT001, workflow: TOC_FHIR_IP_DISCH, ackWorkflow: TOC_FHIR_IP_DISCH_ACK}"

    @Test func withoutWorkflowsEveryTypeTakesTheBlocksWorkflow() throws {
        let place = try load([agreement()], orgs: orgs(plain))
        let delivery = try #require(place.organisation("GP1")?.delivery)
        #expect(delivery.meshWorkflows.isEmpty)
        for type in MessageType.allCases {
            #expect(delivery.meshWorkflow(for: type) == .init(workflow: "TOC_FHIR_IP_DISCH", ackWorkflow: "TOC_FHIR_IP_DISCH_ACK"))
        }
    }

    @Test func workflowsOverrideTheBlockPerMessageType() throws {
        let place = try load([agreement()], orgs: orgs("""
            {mailbox: X26HX0001, to: N81035OT001, workflow: TOC_FHIR_IP_DISCH, ackWorkflow: TOC_FHIR_IP_DISCH_ACK,
                     workflows: {discharge-summary: TOC_FHIR_MH_DISCH, referral: {workflow: LOCAL_REFERRAL, ackWorkflow: LOCAL_REFERRAL_RESPONSE}}}
            """))
        let delivery = try #require(place.organisation("GP1")?.delivery)
        #expect(delivery.meshWorkflow(for: .dischargeSummary) == .init(workflow: "TOC_FHIR_MH_DISCH", ackWorkflow: "TOC_FHIR_MH_DISCH_ACK"),
                "the acknowledgement workflow is <workflow>_ACK unless given")
        #expect(delivery.meshWorkflow(for: .referral) == .init(workflow: "LOCAL_REFERRAL", ackWorkflow: "LOCAL_REFERRAL_RESPONSE"))
        #expect(delivery.meshWorkflow(for: .socialCareNotification) == .init(workflow: "TOC_FHIR_IP_DISCH", ackWorkflow: "TOC_FHIR_IP_DISCH_ACK"))
        #expect(delivery.meshAckWorkflows == ["TOC_FHIR_IP_DISCH_ACK", "TOC_FHIR_MH_DISCH_ACK", "LOCAL_REFERRAL_RESPONSE"],
                "the workflows the transport polls for this recipient's answers")
    }

    /// One canonical type, two ITK3 workflows: a mental health trust's discharge summary goes on
    /// `TOC_FHIR_MH_DISCH`, chosen by the sending organisation (`workflowsFrom`) before `workflows`.
    @Test func workflowsFromChooseBySender() throws {
        let place = try load([agreement()], orgs: orgs("""
            {mailbox: X26HX0001, to: N81035OT001, workflow: TOC_FHIR_IP_DISCH, ackWorkflow: TOC_FHIR_IP_DISCH_ACK,
                     workflows: {referral: LOCAL_REFERRAL}, workflowsFrom: {ASC: {discharge-summary: TOC_FHIR_MH_DISCH}}}
            """))
        let delivery = try #require(place.organisation("GP1")?.delivery)
        #expect(delivery.meshWorkflowsFrom == ["ASC": [.dischargeSummary: .init(workflow: "TOC_FHIR_MH_DISCH", ackWorkflow: "TOC_FHIR_MH_DISCH_ACK")]])
        #expect(delivery.meshAckWorkflows == ["TOC_FHIR_IP_DISCH_ACK", "LOCAL_REFERRAL_ACK", "TOC_FHIR_MH_DISCH_ACK"],
                "the transport polls for the answers on the sender's workflow too")
        let form = ConfigurationDigest.canonicalForm(organisations: place.organisations, groups: place.groups, agreements: place.agreements)
        #expect(form.contains(#""meshWorkflowsFrom":{"ASC":{"discharge-summary":{"workflow":"TOC_FHIR_MH_DISCH","ackWorkflow":"TOC_FHIR_MH_DISCH_ACK"}}}"#))
    }

    @Test func workflowsFromNamesOrganisationsOfTheFile() {
        func with(_ from: String) -> [ConfigIssue] {
            issues([agreement()], orgs: orgs("{mailbox: X26HX0001, to: N81035OT001, workflow: TOC_FHIR_IP_DISCH, ackWorkflow: TOC_FHIR_IP_DISCH_ACK, workflowsFrom: \(from)}"))
        }
        has(with("{RW4: {discharge-summary: TOC_FHIR_MH_DISCH}}"), file: "organisations.yaml", line: 16, containing: "'RW4' is not an organisation in this file")
        has(with("{ASC: {discharge-summry: TOC_FHIR_MH_DISCH}}"), file: "organisations.yaml", line: 16, containing: "unknown key 'discharge-summry'")
        has(with("[ASC]"), file: "organisations.yaml", line: 16, containing: "workflowsFrom must be a mapping")
    }

    @Test func onlyMeshHasWorkflows() {
        let folder = DeliverySettings(transport: .folder, format: .itk3, endpoint: .folder(path: "/x"))
        #expect(folder.meshWorkflow(for: .dischargeSummary) == nil && folder.meshAckWorkflows.isEmpty)
        #expect(DeliverySettings.standardMeshWorkflow(for: .dischargeSummary) == "TOC_FHIR_IP_DISCH")
        #expect(DeliverySettings.standardMeshWorkflow(for: .referral) == nil)
    }

    @Test func mistakesAreReportedWithFileAndLine() {
        func with(_ workflows: String) -> [ConfigIssue] {
            issues([agreement()], orgs: orgs("{mailbox: X26HX0001, to: N81035OT001, workflow: TOC_FHIR_IP_DISCH, ackWorkflow: TOC_FHIR_IP_DISCH_ACK, workflows: \(workflows)}"))
        }
        has(with("{discharge-summry: TOC_FHIR_MH_DISCH}"), file: "organisations.yaml", line: 16, containing: "unknown key 'discharge-summry'")
        has(with("{discharge-summary: toc_fhir_mh_disch}"), file: "organisations.yaml", line: 16, containing: "must be a MESH workflow id")
        has(with("{discharge-summary: TOC_FHIR_MH_DISCH_ACK}"), file: "organisations.yaml", line: 16, containing: "is an acknowledgement workflow")
        has(with("{referral: {ackWorkflow: X_ACK}}"), file: "organisations.yaml", line: 16, containing: "'workflow' is required")
        has(with("{referral: {workflow: X, ackWorkflow: 'x y'}}"), file: "organisations.yaml", line: 16, containing: "ackWorkflow must be a MESH workflow id")
        has(with("[TOC_FHIR_MH_DISCH]"), file: "organisations.yaml", line: 16, containing: "must be a mapping")
    }

    /// A configuration that does not use `workflows` keeps its digest (audit records carry it).
    @Test func theDigestMovesOnlyWhenWorkflowsAreUsed() throws {
        let without = try load([agreement()], orgs: orgs(plain))
        let form = ConfigurationDigest.canonicalForm(organisations: without.organisations, groups: without.groups, agreements: without.agreements)
        #expect(!form.contains("meshWorkflows"))
        #expect(form.contains(#""endpoint":{"mailbox":"X26HX0001","to":"N81035OT001","workflow":"TOC_FHIR_IP_DISCH","ackWorkflow":"TOC_FHIR_IP_DISCH_ACK"},"retry""#),
                "the form it always had")
        let with = try load([agreement()], orgs: orgs(
            "{mailbox: X26HX0001, to: N81035OT001, workflow: TOC_FHIR_IP_DISCH, ackWorkflow: TOC_FHIR_IP_DISCH_ACK, workflows: {discharge-summary: TOC_FHIR_MH_DISCH}}"))
        #expect(with.configurationDigest != without.configurationDigest)
    }
}
