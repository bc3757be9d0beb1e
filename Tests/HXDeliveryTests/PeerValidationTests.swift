import Foundation
import HXCanonical
import HXITK3
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
            for format in [DeliverySettings.Format.hl7v2, .fhirR4, .itk3] {
                let rendered = try DeliveryRenderer.render(m, decisionId: decision, recipient: "N81035", format: format, names: names)
                // The checker reads `.itk3.json` as an ITK3 message (FHIR STU3).
                let fileName = format == .itk3 ? "\(name.dropLast(5)).itk3.json" : "\(name.dropLast(5))-\(format.rawValue).\(rendered.fileExtension)"
                let file = folder.appendingPathComponent(fileName)
                try Data(rendered.bytes).write(to: file)
                files.append(file.path)
            }
        }
        #expect(files.count >= 30)
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

    /// ITK3 responses the exchange builds (positive and negative), read by fhir.resources' STU3 models.
    @Test func builtITK3ResponsesAreReadByIndependentParsers() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let header = try #require(ITK3Renderer.messageHeaderId(decisionId: decision))
        let at = try #require(RFC3339Timestamp("2026-07-14T10:30:00+01:00"))
        var files: [String] = []
        for code in [ITK3ResponseCode.success, .payloadValidationFailure, .unreadableMessage, .patientKnownHere] {
            let bytes = ITK3ResponseBuilder.build(respondingTo: header, code: code, text: code == .success ? nil : "refused: \(code.display)",
                                                  from: "X26", to: "RWW", sourceEndpoint: "X26HX0001", timestamp: at)
            let file = folder.appendingPathComponent("\(code.rawValue).itk3-response.json")
            try Data(bytes).write(to: file)
            files.append(file.path)
        }
        let (status, output) = try Self.check(files)
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == files.count, "\(output)")
    }

    /// The ITK3 check can fail: a message that asks for no business acknowledgement, and one
    /// with an element STU3 does not have (Bundle.timestamp came with R4), are refused.
    @Test func theITK3CheckerRefusesWhatIsWrong() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, m) = try #require(try sampleMessages().first { $0.name == "discharge-rww-home.json" })
        let message = String(decoding: try DeliveryRenderer.render(m, decisionId: decision, recipient: "N81035", format: .itk3, names: names).bytes, as: UTF8.self)
        let noBusAck = message.replacingOccurrences(of: #"{"url":"BusAckRequested","valueBoolean":true}"#, with: #"{"url":"BusAckRequested","valueBoolean":false}"#)
        #expect(noBusAck != message)
        try noBusAck.write(to: folder.appendingPathComponent("no-bus-ack.itk3.json"), atomically: true, encoding: .utf8)
        let r4ism = message.replacingOccurrences(of: #""type":"message","#, with: #""type":"message","timestamp":"2026-07-14T10:30:00+01:00","#)
        #expect(r4ism != message)
        try r4ism.write(to: folder.appendingPathComponent("timestamp.itk3.json"), atomically: true, encoding: .utf8)
        let (status, output) = try Self.check([folder.appendingPathComponent("no-bus-ack.itk3.json").path, folder.appendingPathComponent("timestamp.itk3.json").path])
        #expect(status == 1)
        #expect(output.contains("FAIL \(folder.path)/no-bus-ack.itk3.json: the handling extension does not ask for both"), "\(output)")
        #expect(output.contains("FAIL \(folder.path)/timestamp.itk3.json") && output.contains("timestamp"), "\(output)")
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
