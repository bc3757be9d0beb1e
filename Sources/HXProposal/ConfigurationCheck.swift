import Foundation
import HXAuditIndex
import HXCanonical
import HXConfigFile
import HXPlace
import HXTopics
import HXTranslate

/// The rules of `hx config check`, for the command, for `hx config impact`'s
/// proposal and for a proposal uploaded to the console: one set of rules, so
/// the three never disagree about what is valid.
package enum ConfigurationCheck {
    /// Every problem of the configuration in `url` (errors and warnings, with file and
    /// line), and the place when it loads.
    package static func check(_ url: URL, asOf date: Date = Date()) -> (issues: [ConfigIssue], place: PlaceConfiguration?) {
        var issues: [ConfigIssue] = []
        var loaded: PlaceConfiguration?
        do {
            let today = date.formatted(.iso8601.year().month().day())
            let place = try PlaceConfiguration.load(directory: url, asOf: CalendarDate(today))
            issues += place.warnings
            loaded = place
        } catch {
            issues += error.issues
        }
        do { _ = try TopicCatalog.load(configDirectory: url) } catch { issues += error.issues }
        // Only `hx audit prune` needs it; a place without an audit index may leave it out.
        if FileManager.default.fileExists(atPath: url.appendingPathComponent(AuditRetention.fileName).path) {
            do { _ = try AuditRetention.load(directory: url) } catch { issues += error.issues }
        }
        if case .failure(let errors) = SensitivityCodes.load(contentsOf: url.appendingPathComponent("sensitivity-codes.yaml")) {
            issues += errors.issues
        }
        return (issues, loaded)
    }
}
