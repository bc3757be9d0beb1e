import Foundation
import HXConfigFile

/// How long the audit index keeps records (`config/audit-index.yaml`); the
/// audit topic itself keeps everything, so pruning loses nothing the verifier
/// or a rebuilt index cannot find again.
package struct AuditRetention: Sendable, Equatable {
    package static let fileName = "audit-index.yaml"

    /// Whole years a record stays in the index after its time.
    package var years: Int

    package init(years: Int) { self.years = years }

    /// Reads `<directory>/audit-index.yaml`; problems name file, line and what is wrong.
    package static func load(directory: URL) throws(ConfigErrors) -> AuditRetention {
        let url = directory.appendingPathComponent(fileName)
        let reader = YAMLReader(file: url.path)
        guard let root = reader.load(contentsOf: url) else { throw ConfigErrors(reader.issues) }
        let entries = reader.mapping(root, what: fileName, allowed: ["retentionYears"])
        let years = reader.required(entries, "retentionYears", what: fileName, at: root)
            .flatMap { reader.int($0, what: "retentionYears", range: 1...100) }
        guard let years, !reader.hasErrors else { throw ConfigErrors(reader.issues) }
        return AuditRetention(years: years)
    }

    /// The first time kept, RFC 3339 UTC: the same calendar moment `years` before `now`
    /// (29 February falls back to 28 February in a common year).
    package func cutoff(now: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let then = calendar.date(byAdding: .year, value: -years, to: now) ?? now
        // Whole milliseconds, rounded: Date's binary fraction would otherwise lose one now and then.
        let ms = Int64((then.timeIntervalSince1970 * 1000).rounded())
        let seconds = Date(timeIntervalSince1970: TimeInterval(ms.quotientFloor(1000)))
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: seconds)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year ?? 0, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0,
                      c.second ?? 0, Int(ms - ms.quotientFloor(1000) * 1000))
    }
}

extension Int64 {
    fileprivate func quotientFloor(_ d: Int64) -> Int64 { self >= 0 ? self / d : (self - d + 1) / d }
}
