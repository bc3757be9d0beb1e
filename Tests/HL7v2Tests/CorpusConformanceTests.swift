import Foundation
import Testing
@testable import HL7v2

/// Parses every published example in ../shared/corpus/hl7v2 (beside the
/// project, not part of it); skipped where that folder is absent.
enum Corpus {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/corpus/hl7v2").standardizedFileURL

    static let files: [URL] = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil))?
        .filter { $0.pathExtension == "hl7" }.sorted { $0.path < $1.path } ?? []
}

@Suite(.enabled(if: !Corpus.files.isEmpty, "shared corpus not present"))
struct CorpusConformanceTests {
    @Test func everyFileParses() throws {
        for url in Corpus.files {
            let data = try Data(contentsOf: url)
            let m = try HL7Message(data)
            #expect(m.messageCode == "ADT", "\(url.lastPathComponent)")
            #expect(m.controlID?.isEmpty == false)
            #expect(m.segmentNames.contains("PID"))
            // An NHS-number identifier is among PID-3's repetitions in each.
            let ids = m.repetitions("PID-3")
            #expect(ids.contains { $0.count >= 4 && $0[3] == ["NHS"] }, "\(url.lastPathComponent)")
            // Line endings do not matter: CR-separated gives the same values.
            let cr = try HL7Message(m.serialized())
            #expect(cr.segmentValues == m.segmentValues)
            // And our encoder reproduces every segment as received.
            #expect(HL7Encoder.encode(m.segmentValues, encoding: m.encoding) == m.serialized(), "\(url.lastPathComponent)")
        }
    }
}
