import Foundation
import HXAdapterRuntime
import HXOperations
import HXTranslate
import Logging
import Prometheus

/// The adapters of `hx run`: every adapter under adapters/, as `hx adapter run`
/// builds it, listening on 127.0.0.1. Drop folders move under `drops`
/// (emptied each run: a new broker has seen none of their files).
package enum RunAdapters {
    package struct Running {
        package var name: String
        package var endpoint: SourceFeeder.Endpoint
        package var samples: URL
        package var service: AdapterService
    }

    /// Builds (and binds) every adapter; one whose source cannot open is a `DevStackProblem`.
    package static func start(catalogue: AdapterCatalogue, servers: String, anyPorts: Bool, drops: URL, logger: Logger) async throws -> [Running] {
        let configurations = try catalogue.load()
        var running: [Running] = []
        for (name, configuration) in configurations.sorted(by: { $0.key < $1.key }) {
            let directory = catalogue.directory.appendingPathComponent(name, isDirectory: true)
            var settings = AdapterCommandRunner.Settings()
            if case .folder = configuration.source {
                let folder = drops.appendingPathComponent(name, isDirectory: true)
                try? FileManager.default.removeItem(at: folder)
                settings.dropFolder = folder.path
            }
            settings.listenHost = "127.0.0.1"
            settings.folderPollInterval = .milliseconds(200)
            if anyPorts {
                settings.mllpPort = 0
                settings.httpPort = 0
            }
            let service: AdapterService
            do {
                service = try await AdapterCommandRunner.makeService(
                    configuration: configuration, adapterDirectory: directory, bootstrapServers: servers, metricsPort: nil,
                    registry: PrometheusCollectorRegistry(), settings: settings, logger: logger)
            } catch {
                throw DevStackProblem("adapter \(name) could not open its source (\(configuration.source)): \(error). Is the port in use? `--adapter-ports any` chooses free ones.")
            }
            let endpoint: SourceFeeder.Endpoint
            switch service.source {
            case let listener as MLLPListener: endpoint = .mllp(host: "127.0.0.1", port: listener.port)
            case let listener as FHIRHTTPListener: endpoint = .http(host: "127.0.0.1", port: listener.port, path: listener.path)
            case let folder as DropFolderSource: endpoint = .folder(folder.folder)
            default: throw DevStackProblem("adapter \(name): a source hx run cannot feed")
            }
            running.append(Running(name: name, endpoint: endpoint, samples: directory.appendingPathComponent("samples", isDirectory: true), service: service))
        }
        return running
    }
}
