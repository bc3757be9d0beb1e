import Foundation
import HXCanonical
import Testing
@testable import HXTranslate

/// Paths of the package, found from this file so tests run from any directory.
enum Paths {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let adapters = package.appendingPathComponent("adapters")
    static let sensitivityCodes = package.appendingPathComponent("config/sensitivity-codes.yaml")
    /// Tests/Fixtures: the conformance corpus, part of the repository (see its README.md).
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static let adapterNames = [
        "whh-pas-discharge", "sthk-edischarge", "mersey-care-discharge", "hbc-adult-social-care",
        "hbc-care-act-notices", "bridgewater-referrals", "social-prescribing-referrals",
    ]
}

enum Fixtures {
    static func codes() throws -> SensitivityCodes {
        try SensitivityCodes.load(contentsOf: Paths.sensitivityCodes).get()
    }

    static func adapter(_ name: String) throws -> AdapterConfiguration {
        try AdapterConfiguration.load(directory: Paths.adapters.appendingPathComponent(name)).get()
    }

    static func sample(_ adapter: String, _ file: String) throws -> Data {
        try Data(contentsOf: Paths.adapters.appendingPathComponent(adapter).appendingPathComponent("samples").appendingPathComponent(file))
    }

    static func translate(_ adapter: String, _ file: String) throws -> [TranslationOutcome] {
        Translator.translate(configuration: try Self.adapter(adapter), input: try sample(adapter, file))
    }

    /// A conformance fixture, by its path under Tests/Fixtures; a missing one
    /// fails the test naming the file (the corpus is in the repository, never skipped).
    static func corpus(_ file: String) throws -> Data {
        let url = Paths.corpus.appendingPathComponent(file)
        try #require(FileManager.default.fileExists(atPath: url.path),
                     "missing fixture Tests/Fixtures/\(file) (expected at \(url.path)); the corpus is part of the repository, see Tests/Fixtures/README.md")
        return try Data(contentsOf: url)
    }

    /// A configuration built in code, for inputs written inside a test.
    static func config(_ format: AdapterConfiguration.Format, columns: [String: String] = [:], maxInputBytes: Int = 1 << 20, timeZone: String = "Europe/London") throws -> AdapterConfiguration {
        AdapterConfiguration(
            name: "test-adapter", organisation: "RWW", system: "test", format: format, source: .folder(path: "/tmp"),
            timeZone: timeZone, maxInputBytes: maxInputBytes, columns: columns, sensitivity: try codes())
    }

    static func translate(_ text: String, _ configuration: AdapterConfiguration) -> [TranslationOutcome] {
        Translator.translate(configuration: configuration, input: Data(text.utf8))
    }
}
