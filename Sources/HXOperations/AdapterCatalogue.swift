import Foundation
import HXConfigFile
import HXTranslate

/// The adapters' configuration as it is on disk now: read again for every
/// replay, so a fix to an adapter.yaml is what the replay translates with,
/// without restarting anything.
package struct AdapterCatalogue: Sendable {
    package let directory: URL
    /// The place's sensitivity code list, which every adapter.yaml is checked against.
    package let sensitivityCodes: URL

    package init(directory: URL, sensitivityCodes: URL) {
        self.directory = directory
        self.sensitivityCodes = sensitivityCodes
    }

    /// Every adapter folder's configuration by name; problems name file and line.
    package func load() throws(ConfigErrors) -> [String: AdapterConfiguration] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var found: [String: AdapterConfiguration] = [:]
        var issues: [ConfigIssue] = []
        for name in names.sorted() {
            let folder = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("adapter.yaml").path) else { continue }
            switch AdapterConfiguration.load(directory: folder, sensitivityCodes: sensitivityCodes) {
            case .success(let c): found[c.name] = c
            case .failure(let e): issues += e.issues
            }
        }
        guard issues.isEmpty else { throw ConfigErrors(issues) }
        return found
    }
}
