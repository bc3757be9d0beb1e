import Foundation
import Testing
@testable import HXCanonical

/// Validation against schemas/canonical-message.v1.schema.json with the
/// Python `jsonschema` package (there is no JSON Schema validator in Swift
/// here); skipped where python3 or jsonschema is missing.
enum SchemaCheck {
    static let schemaURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/canonical-message.v1.schema.json")

    static let available: Bool = {
        guard FileManager.default.fileExists(atPath: schemaURL.path) else { return false }
        return (try? run(["-c", "import jsonschema"]).status) == 0
    }()

    static let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
        for e in errors: print("/".join(map(str, e.absolute_path)) + ": " + e.message)
        sys.exit(1 if errors else 0)
        """

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func validate(_ json: Data) throws -> (valid: Bool, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hx-schema-\(UUID().uuidString).json")
        try json.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try run(["-c", script, schemaURL.path, file.path])
        return (result.status == 0, result.output)
    }
}

@Suite(.enabled(if: SchemaCheck.available, "python3 with jsonschema is needed"))
struct SchemaTests {
    @Test(arguments: Samples.all)
    func encoderOutputIsValid(message: CanonicalMessage) throws {
        let result = try SchemaCheck.validate(CanonicalJSON.encode(message))
        #expect(result.valid, "\(result.output)")
    }

    @Test func schemaRejectsBrokenMessages() throws {
        let good = try JSONSerialization.jsonObject(with: CanonicalJSON.encode(Samples.discharge)) as! [String: Any]
        let edits: [(String, ([String: Any]) -> [String: Any])] = [
            ("short NHS number", { o in var o = o; var s = o["subject"] as! [String: Any]; s["nhsNumber"] = "943476591"; o["subject"] = s; return o }),
            ("no offset", { o in var o = o; o["occurredAt"] = "2026-07-15T10:30:00"; return o }),
            ("unknown label", { o in var o = o; o["sensitivity"] = ["gossip"]; return o }),
            ("payload of another type", { o in var o = o; o["type"] = "referral"; return o }),
            ("null NHS number yet verified", { o in var o = o; var s = o["subject"] as! [String: Any]; s["nhsNumber"] = NSNull(); o["subject"] = s; return o }),
        ]
        for (name, edit) in edits {
            let result = try SchemaCheck.validate(try JSONSerialization.data(withJSONObject: edit(good)))
            #expect(!result.valid, "schema accepted: \(name)")
        }
    }
}
