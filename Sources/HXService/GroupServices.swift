import ServiceLifecycle

/// The metrics endpoint as a service of the group: stopped at shutdown.
package struct MetricsService: Service {
    let server: MetricsServer

    package init(server: MetricsServer) {
        self.server = server
    }

    package func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            server.stop()
        }
    }
}

/// Runs `action` when the group shuts down (or is cancelled), in the group's order.
package struct AtShutdown: Service {
    let action: @Sendable () async -> Void

    package init(action: @escaping @Sendable () async -> Void) {
        self.action = action
    }

    package func run() async throws {
        try? await gracefulShutdown()
        await action()
    }
}
