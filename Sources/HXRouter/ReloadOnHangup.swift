import Foundation
import HXConfigFile
import HXPlace
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP: load the configuration again and hand it to the router when it is valid.
package struct ReloadOnHangup: Service {
    let directory: URL
    let router: RouterService
    let logger: Logger

    package init(directory: URL, router: RouterService, logger: Logger) {
        self.directory = directory
        self.router = router
        self.logger = logger
    }

    package func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                let place: PlaceConfiguration
                do {
                    place = try PlaceConfiguration.load(directory: directory)
                } catch {
                    router.reloadRejected()
                    logger.error("configuration reload refused; the previous configuration stays in force", metadata: [
                        "problems": "\(((error as? ConfigErrors)?.issues ?? []).map { $0.description }.joined(separator: "; "))"])
                    continue
                }
                if place.configurationDigest == router.configurationDigest {
                    logger.notice("configuration unchanged on reload", metadata: ["configuration.digest": "\(place.configurationDigest)"])
                } else {
                    router.reload(place)
                }
            }
        }
    }
}
