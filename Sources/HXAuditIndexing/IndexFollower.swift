import ServiceLifecycle

/// `hx audit index --follow` as a service of a group (`hx run`'s): indexes
/// every second until the group shuts down.
package struct IndexFollower: Service {
    let feed: AuditIndexFeed

    package init(feed: AuditIndexFeed) {
        self.feed = feed
    }

    package func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await feed.follow(every: .seconds(1))
            }
        } catch where Task.isCancelled || Task.isShuttingDownGracefully {
            // Stopped mid-read by the shutdown: what was stored is whole (one transaction a chunk).
        }
    }
}
