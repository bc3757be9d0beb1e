import Foundation
import HXCanonical
import HXPlace
import Testing
@testable import HXDelivery

/// What we render, read by parsers we did not write: python-hl7 for HL7 v2 and
/// fhir.resources for FHIR (scripts/delivery-peer-check.py, in the virtual
/// environment scripts/setup.sh makes).
@Suite struct PeerValidationTests {
    static let python = root.appendingPathComponent(".venv/bin/python")
    static let checker = root.appendingPathComponent("scripts/delivery-peer-check.py")

    @Test func everyRenderedSampleIsReadByIndependentParsers() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [String] = []
        for (name, m) in try sampleMessages() where m.subject.nhsNumber != nil {
            for format in [DeliverySettings.Format.hl7v2, .fhirR4] {
                let rendered = try DeliveryRenderer.render(m, decisionId: decision, recipient: "N81035", format: format, names: names)
                let file = folder.appendingPathComponent("\(name.dropLast(5))-\(format.rawValue).\(rendered.fileExtension)")
                try Data(rendered.bytes).write(to: file)
                files.append(file.path)
            }
        }
        #expect(files.count >= 20)
        let (status, output) = try Self.check(files)
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == files.count, "\(output)")
    }

    /// The checker can fail: a Bundle missing a required element and an HL7
    /// message without the NHS number are refused, each with its reason.
    @Test func theCheckerRefusesWhatIsWrong() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, m) = try #require(try sampleMessages().first { $0.name == "discharge-rww-home.json" })
        let bundle = String(decoding: try DeliveryRenderer.render(m, decisionId: decision, recipient: "N81035", format: .fhirR4, names: names).bytes, as: UTF8.self)
        let broken = bundle.replacingOccurrences(of: "\"status\":\"final\",", with: "")
        #expect(broken != bundle)
        try broken.write(to: folder.appendingPathComponent("no-status.json"), atomically: true, encoding: .utf8)
        let hl7 = String(decoding: try DeliveryRenderer.render(m, decisionId: decision, recipient: "N81035", format: .hl7v2, names: names).bytes, as: UTF8.self)
        try hl7.replacingOccurrences(of: "^^^NHS^NH", with: "^^^PAS^MR").write(to: folder.appendingPathComponent("no-nhs.hl7"), atomically: true, encoding: .utf8)
        let (status, output) = try Self.check([folder.appendingPathComponent("no-status.json").path, folder.appendingPathComponent("no-nhs.hl7").path])
        #expect(status == 1)
        #expect(output.contains("FAIL \(folder.path)/no-status.json") && output.contains("status"), "\(output)")
        #expect(output.contains("FAIL \(folder.path)/no-nhs.hl7: PID-3 carries no NHS number"), "\(output)")
    }

    static func check(_ files: [String]) throws -> (Int32, String) {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            Issue.record("no \(python.path): scripts/setup.sh makes that virtual environment (python-hl7, fhir.resources)")
            return (-1, "")
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [checker.path] + files
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hx-render-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
