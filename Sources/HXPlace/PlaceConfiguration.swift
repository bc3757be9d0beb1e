import Foundation
import HXCanonical
import HXConfigFile
import HXIdentityMatch

/// The place's configuration: who the parties are, how they group, and the
/// data sharing agreements between them (docs/design.md "Place configuration").
package struct PlaceConfiguration: Sendable, Equatable {
    package static let organisationsFile = "organisations.yaml"
    package static let agreementsDirectory = "sharing-agreements"
    /// Agreements ending within this many days of the check date are reported.
    package static let expiryWarningDays = 90

    package private(set) var organisations: [Organisation]
    package private(set) var groups: [OrganisationGroup]
    package private(set) var agreements: [SharingAgreement]
    /// `identity.yaml`: when a demographic match is linked. nil without the file:
    /// matching is then the exact look-up (docs/design.md "Consent and identity").
    package private(set) var identityRule: LinkRule?
    /// Problems that do not stop the configuration being used.
    package var warnings: [ConfigIssue]
    /// SHA-256 (hex) of the canonical form: see `ConfigurationDigest`.
    package let configurationDigest: String

    private let byCode: [String: Organisation]

    package init(
        organisations: [Organisation], groups: [OrganisationGroup], agreements: [SharingAgreement], identityRule: LinkRule? = nil,
        warnings: [ConfigIssue] = []
    ) {
        self.organisations = organisations
        self.groups = groups
        self.agreements = agreements
        self.identityRule = identityRule
        self.warnings = warnings
        var index: [String: Organisation] = [:]
        for o in organisations where index[o.code] == nil { index[o.code] = o }
        byCode = index
        configurationDigest = ConfigurationDigest.compute(organisations: organisations, groups: groups, agreements: agreements, identityRule: identityRule)
    }

    package static func == (a: PlaceConfiguration, b: PlaceConfiguration) -> Bool {
        a.organisations == b.organisations && a.groups == b.groups && a.agreements == b.agreements && a.identityRule == b.identityRule
            && a.warnings == b.warnings
    }

    package func organisation(_ code: String) -> Organisation? { byCode[code] }

    package func organisations(ofKind kind: OrganisationKind) -> [Organisation] { organisations.filter { $0.kind == kind } }

    package func agreement(id: String) -> SharingAgreement? { agreements.first { $0.id == id } }

    // MARK: Loading

    /// Loads `DIR/organisations.yaml`, `DIR/sharing-agreements/*.yaml` and `DIR/identity.yaml` when present,
    /// reporting every error of every file at once. With `asOf`, agreements
    /// expiring within 90 days of that date (or already expired) are warned about.
    package static func load(directory: URL, asOf: CalendarDate? = nil) throws(ConfigErrors) -> PlaceConfiguration {
        let orgURL = directory.appendingPathComponent(organisationsFile)
        let orgText: String
        var issues: [ConfigIssue] = []
        do {
            orgText = try String(contentsOf: orgURL, encoding: .utf8)
        } catch {
            issues.append(ConfigIssue(file: orgURL.path, line: nil, column: nil, message: "cannot read the file: \(error.localizedDescription)"))
            orgText = ""
        }
        let agreementsURL = directory.appendingPathComponent(agreementsDirectory)
        var files: [(file: String, text: String)] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: agreementsURL.path)) ?? []
        // Sorted so that "the later one" in duplicate and overlap errors is stable.
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let url = agreementsURL.appendingPathComponent(name)
            do {
                files.append((url.path, try String(contentsOf: url, encoding: .utf8)))
            } catch {
                issues.append(ConfigIssue(file: url.path, line: nil, column: nil, message: "cannot read the file: \(error.localizedDescription)"))
            }
        }
        let identityURL = directory.appendingPathComponent(IdentityRuleLoader.fileName)
        var identity: (file: String, text: String)?
        if FileManager.default.fileExists(atPath: identityURL.path) {
            do {
                identity = (identityURL.path, try String(contentsOf: identityURL, encoding: .utf8))
            } catch {
                issues.append(ConfigIssue(file: identityURL.path, line: nil, column: nil, message: "cannot read the file: \(error.localizedDescription)"))
            }
        }
        return try parse(organisations: (orgURL.path, orgText), agreements: files, identity: identity, asOf: asOf, readIssues: issues)
    }

    /// The same as `load`, from texts: for tests and for tools that hold the files already.
    package static func parse(
        organisations: (file: String, text: String), agreements: [(file: String, text: String)],
        identity: (file: String, text: String)? = nil, asOf: CalendarDate? = nil
    ) throws(ConfigErrors) -> PlaceConfiguration {
        try parse(organisations: organisations, agreements: agreements, identity: identity, asOf: asOf, readIssues: [])
    }

    static func parse(
        organisations: (file: String, text: String), agreements: [(file: String, text: String)],
        identity: (file: String, text: String)?, asOf: CalendarDate?, readIssues: [ConfigIssue]
    ) throws(ConfigErrors) -> PlaceConfiguration {
        var loader = Loader()
        loader.issues = readIssues
        loader.readOrganisations(file: organisations.file, text: organisations.text)
        for file in agreements { loader.readAgreement(file: file.file, text: file.text) }
        loader.checkOverlaps()
        var rule: LinkRule?
        if let identity {
            let read = IdentityRuleLoader.parse(file: identity.file, text: identity.text)
            rule = read.rule
            loader.issues += read.issues
        }
        var config = PlaceConfiguration(
            organisations: loader.organisations, groups: loader.groups, agreements: loader.agreements, identityRule: rule)
        if let asOf { loader.issues += config.expiryWarnings(asOf: asOf) }
        if loader.issues.contains(where: { $0.severity == .error }) { throw ConfigErrors(loader.issues) }
        config.warnings = loader.issues
        return config
    }

    /// Active agreements that have ended before `asOf`, or end within 90 days of it.
    package func expiryWarnings(asOf: CalendarDate, withinDays days: Int = expiryWarningDays) -> [ConfigIssue] {
        var out: [ConfigIssue] = []
        for a in agreements where a.status == .active {
            let left = a.validTo.dayNumber - asOf.dayNumber
            let message: String
            if left < 0 {
                message = "agreement \(a.id) ended on \(a.validTo) but is still marked active: renew it or mark it retired"
            } else if left <= days {
                message = "agreement \(a.id) ends on \(a.validTo), in \(left) day\(left == 1 ? "" : "s"): renew it before then"
            } else {
                continue
            }
            out.append(ConfigIssue(file: a.location.file, line: a.location.line, column: nil, severity: .warning, message: message))
        }
        return out
    }
}
