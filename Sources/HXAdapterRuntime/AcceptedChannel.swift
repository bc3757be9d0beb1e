import NIOCore
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
enum AcceptedChannel {
    /// Wraps `channel` for async use on its event loop, then lets it read.
    static func wrap<Inbound: Sendable, Outbound: Sendable>(
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

/// A listener's connections from accept to close. Registered at accept, not
/// when served: a connection accepted as the listening socket closes is
/// dropped by NIO without being closed, and only this table can still close it.
final class ConnectionTable: Sendable {
    let state = Mutex<(stopping: Bool, open: [ObjectIdentifier: (channel: any Channel, busy: Bool)])>((false, [:]))

    /// Adds an accepted connection until it closes; closes it at once when shutdown began.
    /// (Not by throwing: a failed child initializer also fails the listening socket's stream.)
    func register(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let stopping = state.withLock { state in
            if !state.stopping { state.open[id] = (channel, false) }
            return state.stopping
        }
        if stopping { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in _ = self.state.withLock { $0.open.removeValue(forKey: id) } }
    }
}
