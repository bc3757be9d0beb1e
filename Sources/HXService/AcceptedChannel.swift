import NIOCore
import ServiceLifecycle
import Synchronization

/// Accepted connections travel from the listening socket to our code as plain
/// channels, with reading paused, and become `NIOAsyncChannel`s only when a
/// task takes them up.
///
/// Why: NIO traps ("Deinited NIOAsyncWriter without calling finish()") when an
/// async channel is dropped without being run, and a listener that stops drops
/// whatever was accepted at that moment: its stream of connections has already
/// finished (seen as a crash of the test run in CI). A dropped plain channel is
/// harmless.
package enum AcceptedChannel {
    /// Wraps `channel` for async use on its event loop, then lets it read.
    package static func wrap<Inbound: Sendable, Outbound: Sendable>(
        _ channel: any Channel, as _: NIOAsyncChannel<Inbound, Outbound>.Type = NIOAsyncChannel<Inbound, Outbound>.self
    ) async throws -> NIOAsyncChannel<Inbound, Outbound> {
        try await channel.eventLoop.submit {
            let wrapped = try NIOAsyncChannel<Inbound, Outbound>(wrappingChannelSynchronously: channel)
            // Paused by the listener's `childChannelOption(.autoRead, false)` until now,
            // so that nothing was read before a handler was there to take it.
            try channel.syncOptions?.setOption(.autoRead, value: true)
            return wrapped
        }.get()
    }
}

/// The connections of one listener, from accept until they close, and whether
/// each has a message or request in hand. Registered at accept, not when
/// served: a connection accepted just as the listener stops is never served,
/// and must still be closed.
package final class ConnectionTable: Sendable {
    private let state = Mutex<(stopping: Bool, open: [ObjectIdentifier: (channel: any Channel, busy: Bool)])>((false, [:]))

    package init() {}

    /// Adds an accepted connection until it closes; closes it at once when shutdown began.
    /// (Not by throwing: a failed child initializer also fails the listening socket's stream.)
    package func register(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let stopping = state.withLock { state in
            if !state.stopping { state.open[id] = (channel, false) }
            return state.stopping
        }
        if stopping { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in _ = self.state.withLock { $0.open.removeValue(forKey: id) } }
    }

    package var isStopping: Bool { state.withLock { $0.stopping } }

    /// Marks the connection busy, unless shutdown began (then the work is not taken).
    package func begin(_ channel: any Channel) -> Bool {
        state.withLock { state in
            guard !state.stopping else { return false }
            state.open[ObjectIdentifier(channel)]?.busy = true
            return true
        }
    }

    /// Marks the connection idle; false when shutdown began and it should close now.
    package func end(_ channel: any Channel) -> Bool {
        state.withLock { state in
            state.open[ObjectIdentifier(channel)]?.busy = false
            return !state.stopping
        }
    }

    /// Shutdown: closes the listening socket and the connections without work in
    /// hand (all of them with `includingBusy`); busy ones finish and close themselves.
    package func stop(listener: any Channel, includingBusy: Bool = false) {
        let closing = state.withLock { state in
            state.stopping = true
            return state.open.values.filter { includingBusy || !$0.busy }.map(\.channel)
        }
        listener.close(promise: nil)
        for channel in closing { channel.close(promise: nil) }
    }
}

/// Serves every accepted connection in a task of its own until graceful
/// shutdown, when `stop` runs; returns once every connection task has ended.
package func serveConnections(
    of server: NIOAsyncChannel<any Channel, Never>,
    stop: @escaping @Sendable () -> Void,
    serve: @escaping @Sendable (any Channel) async -> Void
) async throws {
    try await withGracefulShutdownHandler {
        try await server.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask { await serve(connection) }
                }
            }
        }
    } onGracefulShutdown: {
        stop()
    }
}
