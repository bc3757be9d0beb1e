import HXCanonical
import HXConfigFile
import Testing
@testable import HXPlace

/// The `delivery` block of organisations.yaml: what a trust IT engineer writes,
/// and the error (file, line, problem) for each mistake they can make.
@Suite struct DeliveryConfigurationTests {
    /// The base organisations with `block` (indented under `delivery:`) added to GP1, the block from line 14.
    func orgs(_ block: String) -> String {
        baseOrganisations.replacingOccurrences(
            of: "    pcn: north\n", with: "    pcn: north\n    delivery:\n" + block.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n") + "\n")
    }

    @Test func eachTransportReadsWithItsDefaults() throws {
        let mllp = try load([agreement()], orgs: orgs("transport: mllp\nformat: hl7v2\nmllp: {host: 127.0.0.1, port: 2575}"))
        #expect(mllp.organisation("GP1")?.delivery == DeliverySettings(
            transport: .mllp, format: .hl7v2, endpoint: .mllp(host: "127.0.0.1", port: 2575, ackTimeout: 30_000), retry: .standard))
        let folder = try load([agreement()], orgs: orgs(
            "transport: folder\nformat: canonical-json\nfolder: {path: /srv/hx/outbox}\nretry: {initial: 500ms, max: 1m, giveUpAfter: 2d}"))
        #expect(folder.organisation("GP1")?.delivery?.endpoint == .folder(path: "/srv/hx/outbox"))
        #expect(folder.organisation("GP1")?.delivery?.retry == DeliverySettings.Retry(initial: 500, max: 60_000, giveUpAfter: 172_800_000))
        let mesh = try load([agreement()], orgs: orgs("""
            transport: mesh
            format: itk3
            mesh: {mailbox: X26HX0001, to: N81035OT001, workflow: TOC_FHIR_IP_DISCH, ackWorkflow: TOC_FHIR_IP_DISCH_ACK}
            acknowledgements: {infrastructure: 1h, business: 24h}
            """))
        #expect(mesh.organisation("GP1")?.delivery?.acknowledgements == DeliverySettings.Acknowledgements(infrastructure: 3_600_000, business: 86_400_000))
        let fhir = try load([agreement()], orgs: orgs("transport: fhir-http\nformat: fhir-r4\nfhirHttp: {url: 'https://asc.example.gov.uk/fhir'}"))
        #expect(fhir.organisation("GP1")?.delivery?.endpoint == .fhirHTTP(url: "https://asc.example.gov.uk/fhir"))
        #expect(fhir.organisation("ACUTE")?.delivery == nil, "an organisation without a block keeps only its topic")
    }

    @Test func unknownTransportAndFormat() {
        let found = issues([agreement()], orgs: orgs("transport: pigeon\nformat: fax\nfolder: {path: /x}"))
        has(found, file: "organisations.yaml", line: 14, containing: "unknown transport 'pigeon'")
        has(found, file: "organisations.yaml", line: 15, containing: "unknown format 'fax'")
    }

    @Test func aFormatTheTransportCannotCarry() {
        has(issues([agreement()], orgs: orgs("transport: mllp\nformat: fhir-r4\nmllp: {host: h, port: 2575}")),
            file: "organisations.yaml", line: 15, containing: "transport mllp cannot carry format fhir-r4")
    }

    @Test func aMissingOrForeignEndpoint() {
        has(issues([agreement()], orgs: orgs("transport: mllp\nformat: hl7v2")),
            file: "organisations.yaml", line: 14, containing: "needs a 'mllp' block")
        has(issues([agreement()], orgs: orgs("transport: folder\nformat: hl7v2\nfolder: {path: /x}\nmllp: {host: h, port: 1}")),
            file: "organisations.yaml", line: 17, containing: "'mllp' is for transport mllp, but the transport is folder")
        has(issues([agreement()], orgs: orgs("transport: mllp\nformat: hl7v2\nmllp: {port: 2575}")),
            file: "organisations.yaml", line: 16, containing: "'host' is required")
    }

    @Test func badValues() {
        has(issues([agreement()], orgs: orgs("transport: mllp\nformat: hl7v2\nmllp: {host: h, port: 70000}")),
            file: "organisations.yaml", line: 16, containing: "port must be between 1 and 65535")
        has(issues([agreement()], orgs: orgs("transport: mllp\nformat: hl7v2\nmllp: {host: h, port: 2575, ackTimeout: soon}")),
            file: "organisations.yaml", line: 16, containing: "ackTimeout must be a duration such as 500ms, 30s")
        has(issues([agreement()], orgs: orgs("transport: folder\nformat: hl7v2\nfolder: {path: outbox}")),
            file: "organisations.yaml", line: 16, containing: "path must be absolute")
        has(issues([agreement()], orgs: orgs("transport: fhir-http\nformat: fhir-r4\nfhirHttp: {url: 'http://asc.example.gov.uk/fhir'}")),
            file: "organisations.yaml", line: 16, containing: "must use https")
        has(issues([agreement()], orgs: orgs("transport: folder\nformat: hl7v2\nfolder: {path: /x}\nretry: {initial: 1h, max: 5m}")),
            file: "organisations.yaml", line: 17, containing: "initial (1h) is longer than max (5m)")
        has(issues([agreement()], orgs: orgs("transport: folder\nformat: hl7v2\nfolder: {path: /x}\nacknowledgements: {business: 1h}")),
            file: "organisations.yaml", line: 17, containing: "acknowledgements are ITK3's over MESH")
    }

    @Test func everyProblemIsReportedAtOnce() {
        let found = issues([agreement()], orgs: orgs("transport: mllp\nformat: fhir-r4\nmllp: {host: h, port: 0, ackTimeout: 5x}"))
        #expect(found.filter { $0.severity == .error }.count == 3, "\(found)")
    }

    @Test func durations() {
        #expect(ConfigDuration.milliseconds("500ms") == 500)
        #expect(ConfigDuration.milliseconds("30s") == 30_000)
        #expect(ConfigDuration.milliseconds("15m") == 900_000)
        #expect(ConfigDuration.milliseconds("72h") == 259_200_000)
        #expect(ConfigDuration.milliseconds("7d") == 604_800_000)
        for bad in ["", "s", "0s", "-5s", "5", "5 s", "1.5h", "5x", "ms"] { #expect(ConfigDuration.milliseconds(bad) == nil, "\(bad)") }
        #expect(ConfigDuration.text(259_200_000) == "3d" && ConfigDuration.text(90_000) == "90s" && ConfigDuration.text(1_500) == "1500ms")
    }

    @Test func theBlockEntersTheDigestOnlyWhenPresent() throws {
        let without = try load([agreement()])
        let with = try load([agreement()], orgs: orgs("transport: folder\nformat: hl7v2\nfolder: {path: /srv/a}"))
        let moved = try load([agreement()], orgs: orgs("transport: folder\nformat: hl7v2\nfolder: {path: /srv/b}"))
        #expect(without.configurationDigest != with.configurationDigest && with.configurationDigest != moved.configurationDigest)
        #expect(!ConfigurationDigest.canonicalForm(organisations: without.organisations, groups: without.groups, agreements: without.agreements)
            .contains("delivery"), "configurations without delivery blocks keep the digests their audit records carry")
    }
}
