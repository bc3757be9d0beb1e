/// One problem found in a configuration file, with where it is.
package struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    package enum Severity: String, Sendable { case error, warning }

    package var file: String
    package var line: Int?
    package var column: Int?
    package var severity: Severity
    package var message: String

    package init(file: String, line: Int?, column: Int?, severity: Severity = .error, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }

    /// `file:line:column: error: message`, the form editors and CI logs link to.
    package var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): \(severity.rawValue): \(message)"
    }
}

/// Every error found in a configuration, reported at once rather than one per run.
package struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    package var issues: [ConfigIssue]

    package init(_ issues: [ConfigIssue]) { self.issues = issues }

    package var description: String { issues.map(\.description).joined(separator: "\n") }
}
