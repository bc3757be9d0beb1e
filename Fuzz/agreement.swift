// libFuzzer target `agreement` (scripts/fuzz.sh agreement): the text of one
// sharing agreement file, loaded with the real config/organisations.yaml.
import Foundation
import HXCanonical
import HXConfigFile
import HXPlace

/// Stops the run with the reason; libFuzzer then saves the input.
func violated(_ what: String) -> Never {
    fatalError("invariant violated: \(what)")
}

let organisationsFile: (file: String, text: String) = {
    let root = URL(fileURLWithPath: ProcessInfo.processInfo.environment["HX_FUZZ_ROOT"] ?? FileManager.default.currentDirectoryPath)
    let url = root.appendingPathComponent("config").appendingPathComponent(PlaceConfiguration.organisationsFile)
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
        fatalError("cannot read \(url.path) (run from the repository or set HX_FUZZ_ROOT)")
    }
    return ("config/organisations.yaml", text)
}()

let agreementFile = "config/sharing-agreements/FUZZ.yaml"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // The loader reads files as UTF-8 and reports what is not; only text reaches parse.
    guard let text = String(validating: UnsafeBufferPointer(start: data, count: size), as: UTF8.self) else { return 0 }
    let config: PlaceConfiguration
    do {
        config = try PlaceConfiguration.parse(organisations: organisationsFile, agreements: [(agreementFile, text)])
    } catch {
        if !error.issues.contains(where: { $0.severity == .error }) { violated("rejected without an error: \(error)") }
        checkIssues(error.issues, text)
        return 0
    }
    checkIssues(config.warnings, text)
    checkAccepted(config, text)
    return 0
}

/// Every problem is in the agreement (organisations.yaml is valid) and points into it.
func checkIssues(_ issues: [ConfigIssue], _ text: String) {
    // libyaml counts CR, LF, CRLF, NEL, LS and PS as line breaks: one more line than breaks at most.
    let lines = text.unicodeScalars.filter { "\r\n\u{85}\u{2028}\u{2029}".unicodeScalars.contains($0) }.count + 1
    for issue in issues {
        if issue.file != agreementFile { violated("issue in \(issue.file), not the agreement: \(issue)") }
        if issue.message.isEmpty { violated("issue without a message: \(issue)") }
        if let line = issue.line, !(1...lines).contains(line) { violated("line \(line) outside the file (\(lines) lines): \(issue)") }
        if let column = issue.column, column < 1 { violated("column \(column): \(issue)") }
    }
}

/// An accepted agreement is complete, names only known organisations, and loads the same again.
func checkAccepted(_ config: PlaceConfiguration, _ text: String) {
    guard config.agreements.count == 1, let a = config.agreements.first else {
        violated("accepted with \(config.agreements.count) agreements")
    }
    if a.validTo.dayNumber < a.validFrom.dayNumber { violated("\(a.id): validTo before validFrom") }
    if a.sources.isEmpty || a.recipients.isEmpty || a.messageTypes.isEmpty || a.lawfulBasis.isEmpty {
        violated("\(a.id): accepted without sources, recipients, message types or lawful basis")
    }
    for code in a.sources + a.recipients where config.organisation(code) == nil {
        violated("\(a.id): unknown organisation \(code) accepted")
    }
    if config.agreement(id: a.id) == nil { violated("agreement(id:) does not find \(a.id)") }
    // The digest goes into every audit record: the same files must give the same one.
    guard let again = try? PlaceConfiguration.parse(organisations: organisationsFile, agreements: [(agreementFile, text)]),
          again == config, again.configurationDigest == config.configurationDigest
    else { violated("loading the same files again gives another configuration") }
}
