import NIOCore

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
