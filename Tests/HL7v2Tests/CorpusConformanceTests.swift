import Foundation
import Testing
@testable import HL7v2

/// The HL7 v2 conformance fixtures in Tests/Fixtures/hl7v2 (part of the
/// repository; see Tests/Fixtures/README.md), found from this file.
enum Corpus {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/hl7v2")

    /// Every fixture this suite expects; a missing one fails the test by name.
    static let names = [
        "adt-a01-v24-admit-inpatient.hl7",
        "adt-a28-v24-create-patient.hl7",
        "epic-style-adt-a01-admit.hl7",
        "epic-style-adt-a08-update.hl7",
        "epic-style-adt-a13-cancel-discharge.hl7",
    ]

    static func data(_ name: String) throws -> Data {
        let url = directory.appendingPathComponent(name)
        try #require(FileManager.default.fileExists(atPath: url.path),
                     "missing fixture Tests/Fixtures/hl7v2/\(name) (expected at \(url.path)); the corpus is part of the repository, see Tests/Fixtures/README.md")
        return try Data(contentsOf: url)
    }
}

struct CorpusConformanceTests {
    @Test(arguments: Corpus.names)
    func fileParses(_ name: String) throws {
        let m = try HL7Message(try Corpus.data(name))
        #expect(m.messageCode == "ADT", "\(name)")
        #expect(m.controlID?.isEmpty == false)
        #expect(m.segmentNames.contains("PID"))
        // An NHS-number identifier is among PID-3's repetitions in each.
        let ids = m.repetitions("PID-3")
        #expect(ids.contains { $0.count >= 4 && $0[3] == ["NHS"] }, "\(name)")
        // Line endings do not matter: CR-separated gives the same values.
        let cr = try HL7Message(m.serialized())
        #expect(cr.segmentValues == m.segmentValues)
        // And our encoder reproduces every segment as received.
        #expect(HL7Encoder.encode(m.segmentValues, encoding: m.encoding) == m.serialized(), "\(name)")
    }

    /// A new .hl7 fixture is parsed too: it must be listed in `Corpus.names`.
    @Test func everyFixtureIsListed() throws {
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: Corpus.directory.path).filter { $0.hasSuffix(".hl7") }
        #expect(Set(onDisk) == Set(Corpus.names), "Tests/Fixtures/hl7v2 holds \(onDisk.sorted()); Corpus.names lists \(Corpus.names)")
    }
}
