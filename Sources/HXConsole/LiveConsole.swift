import Foundation
import HXAudit
import HXAuditIndex
import HXKafka
import HXOperations
import HXPlace
import Logging
import Prometheus
import ServiceLifecycle

/// The console and what it runs on, assembled once for `hx console` and `hx run`.
package struct LiveConsole {
    let observer: ClusterObserver
    let backend: LiveConsoleBackend
    let store: any AuditIndexStore
    let application: ConsoleApplication
    let host: String
    let port: Int
    let reviewGauges: ReviewQueueGauges

    package init(
        client: KafkaClientConfiguration, place: PlaceConfiguration, adapters: AdapterCatalogue, index store: any AuditIndexStore,
        staff: StaffDirectory, key: AuditKey?, sampleInterval: Duration, host: String, port: Int, prometheus: URL? = nil, oidc: OIDCConfiguration? = nil, logger: Logger
    ) throws {
        observer = ClusterObserver(client: client, interval: sampleInterval, logger: logger)
        backend = LiveConsoleBackend(
            client: client, place: place, adapters: adapters, index: store, observer: observer, key: key, prometheus: prometheus, logger: logger)
        let registry = PrometheusCollectorRegistry()
        application = try ConsoleApplication(
            backend: backend, staff: staff, registry: registry, logger: logger, oidc: oidc.map { OIDCSignIn(configuration: $0) })
        reviewGauges = ReviewQueueGauges(backend: backend, registry: registry, interval: sampleInterval, logger: logger)
        self.store = store
        self.host = host
        self.port = port
    }

    /// The web server and the cluster sampler, as services of a group.
    package func services(stopGroupWithServer: Bool) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let server = application.application(host: host, port: port)
        return [
            stopGroupWithServer
                ? .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
                : .init(service: server),
            .init(service: observer),
            .init(service: reviewGauges),
        ]
    }

    /// The dead-letter reader and the index, once the group has stopped.
    package func close() async {
        await backend.close()
        await store.close()
    }
}
