// Shared by the translator targets (fhir, csv): what every translation must satisfy.
import Foundation
import HXCanonical
import HXTranslate

/// Stops the run with the reason; libFuzzer then saves the input.
func violated(_ what: String) -> Never {
    fatalError("invariant violated: \(what)")
}

/// The repository (scripts/fuzz.sh sets HX_FUZZ_ROOT), for the real adapter.yaml files.
let repositoryRoot = URL(fileURLWithPath: ProcessInfo.processInfo.environment["HX_FUZZ_ROOT"]
    ?? FileManager.default.currentDirectoryPath)

func loadAdapter(_ name: String) -> AdapterConfiguration {
    switch AdapterConfiguration.load(directory: repositoryRoot.appendingPathComponent("adapters").appendingPathComponent(name)) {
    case .success(let c): return c
    case .failure(let e): fatalError("cannot load adapters/\(name) (run from the repository or set HX_FUZZ_ROOT): \(e)")
    }
}

/// Either canonical messages whose JSON round-trips, or errors that say what
/// and where; never nothing; the same every time; `hx translate` lines are JSON.
func checkTranslation(_ configuration: AdapterConfiguration, _ input: Data) {
    let outcomes = Translator.translate(configuration: configuration, input: input)
    if outcomes.isEmpty { violated("\(configuration.name): no outcome at all") }
    for outcome in outcomes {
        switch outcome {
        case .message(let m):
            let bytes = CanonicalJSON.encode(m)
            let back: CanonicalMessage
            do {
                back = try CanonicalJSON.decode(bytes)
            } catch {
                violated("\(configuration.name): canonical JSON does not decode: \(error)\n\(String(decoding: bytes, as: UTF8.self))")
            }
            if back != m { violated("\(configuration.name): canonical JSON decodes to another message\n\(m)\n\(back)") }
            if CanonicalJSON.encode(back) != bytes { violated("\(configuration.name): canonical JSON is not stable") }
            if m.source.adapter != configuration.name || m.source.organisation != configuration.organisation {
                violated("\(configuration.name): message attributed to \(m.source)")
            }
        case .identity:
            break
        case .failure(let e):
            if e.code.isEmpty || e.location.isEmpty || e.message.isEmpty {
                violated("\(configuration.name): error without code, location or message: \(e)")
            }
        }
        let line = outcome.jsonLine
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any], object["ok"] is Bool else {
            violated("\(configuration.name): hx translate line is not a JSON object: \(String(decoding: line, as: UTF8.self))")
        }
    }
    // Pure: replays and `hx test` rely on the same input giving the same output.
    if Translator.translate(configuration: configuration, input: input) != outcomes {
        violated("\(configuration.name): translation is not deterministic")
    }
}
