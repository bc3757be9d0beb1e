import HXDevBroker
import ServiceLifecycle

/// The development broker as a service: stopped when the group shuts down; if
/// the broker process dies on its own, the service ends and so does the group.
package struct DevBrokerService: Service {
    package enum Broker: Sendable {
        /// Already started (`hx run` needs it before the group runs).
        case started(DevBroker)
        /// Started by the service itself, so that a signal arriving while it
        /// starts is already the group's to handle (`hx dev broker`).
        case onPort(Int, announce: @Sendable (DevBroker) -> Void)
    }

    let broker: Broker

    package init(broker: Broker) {
        self.broker = broker
    }

    package func run() async throws {
        let running: DevBroker
        switch broker {
        case .started(let started):
            running = started
        case .onPort(let port, let announce):
            running = try await DevBroker.start(port: port)
            announce(running)
        }
        while running.isRunning && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .milliseconds(200))
        }
        running.stop()
    }
}
