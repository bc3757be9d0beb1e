import Foundation
import HL7v2
import HXCanonical
import HXConfigFile
import Yams

/// What one adapter receives and how it is translated (`adapters/NAME/adapter.yaml`).
package struct AdapterConfiguration: Sendable, Equatable {
    package enum Format: String, Sendable, CaseIterable {
        case hl7v2
        case fhirDischarge = "fhir-discharge"
        case socialCareCSV = "social-care-csv"
        case socialCareJSON = "social-care-json"
        case socialCareADW = "social-care-adw"
        case referralFHIR = "referral-fhir"
        case referralCSV = "referral-csv"

        /// The canonical topic its messages go to unless `topic` says otherwise.
        var defaultTopic: String {
            switch self {
            case .hl7v2, .fhirDischarge: MessageType.dischargeSummary.topic
            case .socialCareCSV, .socialCareJSON, .socialCareADW: MessageType.socialCareNotification.topic
            case .referralFHIR, .referralCSV: MessageType.referral.topic
            }
        }

        var usesColumns: Bool { self == .socialCareCSV || self == .referralCSV || self == .socialCareJSON }

        /// FHIR is UTF-8 by its specification; the other feeds come from
        /// systems that may predate it.
        var takesEncoding: Bool { self == .hl7v2 || self == .socialCareCSV || self == .socialCareJSON || self == .referralCSV }

        /// Fields a column mapping may name, and those it must.
        var columnKeys: (allowed: Set<String>, required: Set<String>) {
            switch self {
            case .socialCareCSV, .socialCareJSON:
                (SocialCareFields.allowed, SocialCareFields.required)
            case .referralCSV:
                (ReferralFields.allowed, ReferralFields.required)
            default:
                ([], [])
            }
        }
    }

    package enum SourceKind: Sendable, Equatable {
        case mllp(port: Int)
        case http(port: Int, path: String)
        case folder(path: String)
        /// Polls an NHS MESH mailbox of the exchange's for the documents a trust sends it (ITK3 or
        /// FHIR R4 messages), and answers each with an ITK3 infrastructure acknowledgement signed
        /// as `answerAs` (the exchange's host organisation, an ODS code).
        case mesh(mailbox: String, answerAs: String)
    }

    package var name: String
    /// ODS code (or a marked placeholder) of the sending organisation.
    package var organisation: String
    package var system: String
    package var format: Format
    package var source: SourceKind
    /// IANA zone for times written without an offset.
    package var timeZone: String
    package var maxInputBytes: Int
    /// The feed's character set when the input does not say (HL7 v2 MSH-18,
    /// a UTF-8 byte order mark): see `InputCharset`.
    package var encoding: TextEncoding
    /// Canonical field → column (CSV) or key (JSON) in the feed.
    package var columns: [String: String]
    /// Feed's own event names → canonical social care events.
    package var eventValues: [String: SocialCareEvent]
    package var topic: String
    /// Labels from `config/sensitivity-codes.yaml`.
    package var sensitivity: SensitivityCodes

    package static let defaultMaxInputBytes = 1 << 20

    package init(
        name: String, organisation: String, system: String, format: Format, source: SourceKind,
        timeZone: String = LocalTimestamp.defaultTimeZone, maxInputBytes: Int = defaultMaxInputBytes,
        columns: [String: String] = [:], eventValues: [String: SocialCareEvent] = [:], topic: String? = nil,
        sensitivity: SensitivityCodes = SensitivityCodes(), encoding: TextEncoding = .utf8
    ) {
        self.name = name
        self.organisation = organisation
        self.system = system
        self.format = format
        self.source = source
        self.timeZone = timeZone
        self.maxInputBytes = maxInputBytes
        self.encoding = encoding
        self.columns = columns
        self.eventValues = eventValues
        self.topic = topic ?? format.defaultTopic
        self.sensitivity = sensitivity
    }

    static let keys: Set<String> = [
        "name", "organisation", "system", "format", "source", "timeZone", "maxInputBytes", "columns", "eventValues", "topic",
        "description", "encoding",
    ]

    /// Parses adapter.yaml text. `sensitivity` is the place's code list.
    package static func parse(text: String, file: String, sensitivity: SensitivityCodes) -> Result<AdapterConfiguration, ConfigErrors> {
        let r = YAMLReader(file: file)
        guard let root = r.load(text: text) else { return .failure(ConfigErrors(r.issues)) }
        let m = r.mapping(root, what: "adapter", allowed: keys)
        let name = r.string(r.required(m, "name", what: "adapter", at: root), what: "name")
        if let name, let node = m["name"], !name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) {
            r.error("name must be lower case letters, digits and '-' (it names the adapter in topics and logs)", at: node)
        }
        let organisation = r.string(r.required(m, "organisation", what: "adapter", at: root), what: "organisation")
        let system = r.string(r.required(m, "system", what: "adapter", at: root), what: "system")
        var format: Format?
        if let node = r.required(m, "format", what: "adapter", at: root), let text = r.string(node, what: "format") {
            format = Format(rawValue: text)
            if format == nil {
                r.error("format: unknown format '\(text)' (expected one of: \(Format.allCases.map(\.rawValue).joined(separator: ", ")))", at: node)
            }
        }
        var source: SourceKind?
        if let node = r.required(m, "source", what: "adapter", at: root) {
            let s = r.mapping(node, what: "source", allowed: ["mllp", "http", "folder", "mesh"])
            if s.count != 1 {
                r.error("source must name exactly one of mllp, http, folder, mesh", at: node)
            } else if let (kind, body) = s.first {
                switch kind {
                case "mllp":
                    let b = r.mapping(body, what: "source.mllp", allowed: ["port"])
                    if let port = r.int(r.required(b, "port", what: "source.mllp", at: body), what: "source.mllp.port", range: 1...65535) {
                        source = .mllp(port: port)
                    }
                case "http":
                    let b = r.mapping(body, what: "source.http", allowed: ["port", "path"])
                    let port = r.int(r.required(b, "port", what: "source.http", at: body), what: "source.http.port", range: 1...65535)
                    let path = r.string(r.required(b, "path", what: "source.http", at: body), what: "source.http.path")
                    if let path, !path.hasPrefix("/"), let p = b["path"] { r.error("source.http.path must start with '/'", at: p) }
                    if let port, let path { source = .http(port: port, path: path) }
                case "mesh":
                    let b = r.mapping(body, what: "source.mesh", allowed: ["mailbox", "answerAs"])
                    let mailbox = r.string(r.required(b, "mailbox", what: "source.mesh", at: body), what: "source.mesh.mailbox")
                    let answerAs = r.string(r.required(b, "answerAs", what: "source.mesh", at: body), what: "source.mesh.answerAs")
                    // Mailbox ids are upper-case letters and digits (e.g. X26HX0001); a typo would poll someone else's name.
                    if let mailbox, mailbox.isEmpty || !mailbox.allSatisfy({ ($0.isASCII && $0.isUppercase) || $0.isNumber }), let n = b["mailbox"] {
                        r.error("source.mesh.mailbox '\(mailbox)' is not a MESH mailbox id (upper-case letters and digits)", at: n)
                    }
                    if let mailbox, let answerAs { source = .mesh(mailbox: mailbox, answerAs: answerAs) }
                default:
                    let b = r.mapping(body, what: "source.folder", allowed: ["path"])
                    if let path = r.string(r.required(b, "path", what: "source.folder", at: body), what: "source.folder.path") {
                        source = .folder(path: path)
                    }
                }
            }
        }
        var timeZone = LocalTimestamp.defaultTimeZone
        if let node = m["timeZone"], let text = r.string(node, what: "timeZone") {
            if TimeZone(identifier: text) == nil { r.error("timeZone: unknown IANA time zone '\(text)'", at: node) } else { timeZone = text }
        }
        let maxInputBytes = r.int(m["maxInputBytes"], what: "maxInputBytes", range: 1...(256 << 20)) ?? defaultMaxInputBytes
        var encoding = TextEncoding.utf8
        if let node = m["encoding"], let text = r.string(node, what: "encoding") {
            if let known = TextEncoding(name: text) {
                encoding = known
            } else {
                r.error("encoding: unknown character set '\(text)' (expected one of: \(TextEncoding.allCases.map(\.rawValue).joined(separator: ", ")))", at: node)
            }
            if let format, !format.takesEncoding, encoding != .utf8 {
                r.error("encoding: \(format.rawValue) is FHIR, which is always UTF-8", at: node)
            }
        }
        var columns: [String: String] = [:]
        if let node = m["columns"] {
            let keys: (allowed: Set<String>, required: Set<String>) = format?.columnKeys ?? ([], [])
            if let format, !format.usesColumns {
                r.error("columns only apply to the CSV and JSON formats, not \(format.rawValue)", at: node)
            }
            for (key, value) in r.mapping(node, what: "columns", allowed: keys.allowed) {
                if let column = r.string(value, what: "columns.\(key)") { columns[key] = column }
            }
            if let format, format.usesColumns, format != .socialCareJSON {
                for key in keys.required.sorted() where columns[key] == nil {
                    r.error("columns: '\(key)' is required for \(format.rawValue)", at: node)
                }
            }
        } else if let format, format == .socialCareCSV || format == .referralCSV {
            r.error("adapter: 'columns' is required for \(format.rawValue) (which column holds which field)", at: root)
        }
        var eventValues: [String: SocialCareEvent] = [:]
        if let node = m["eventValues"], case let .mapping(map) = node {
            for (k, v) in map {
                guard let key = k.string, let text = r.string(v, what: "eventValues.\(key)") else { continue }
                if let event = SocialCareEvent(rawValue: text) {
                    eventValues[SocialCareFields.eventKey(key)] = event
                } else {
                    r.error("eventValues.\(key): unknown event '\(text)' (expected one of: \(SocialCareEvent.allCases.map(\.rawValue).joined(separator: ", ")))", at: v)
                }
            }
        } else if let node = m["eventValues"] {
            r.error("eventValues must be a mapping of the feed's event names to canonical events", at: node)
        }
        let topic = r.string(m["topic"], what: "topic")
        if let topic, let format, topic != format.defaultTopic, let node = m["topic"] {
            r.warning("topic '\(topic)' differs from the usual \(format.defaultTopic)", at: node)
        }
        guard !r.hasErrors, let name, let organisation, let system, let format, let source else {
            return .failure(ConfigErrors(r.issues))
        }
        return .success(AdapterConfiguration(
            name: name, organisation: organisation, system: system, format: format, source: source, timeZone: timeZone,
            maxInputBytes: maxInputBytes, columns: columns, eventValues: eventValues, topic: topic, sensitivity: sensitivity,
            encoding: encoding))
    }

    /// Loads `DIR/adapter.yaml` and the place's sensitivity code list
    /// (by default `DIR/../../config/sensitivity-codes.yaml`, the repository layout).
    package static func load(directory: URL, sensitivityCodes: URL? = nil) -> Result<AdapterConfiguration, ConfigErrors> {
        // A variant, `adapters/NAME/VARIANT/adapter.yaml`, is adapter NAME receiving another way
        // (`sthk-edischarge/mesh`: over MESH rather than HTTP): same name, same repository.
        let parent = directory.deletingLastPathComponent()
        let isVariant = FileManager.default.fileExists(atPath: parent.appendingPathComponent("adapter.yaml").path)
        let adapterFolder = isVariant ? parent : directory
        let codesURL = sensitivityCodes
            ?? adapterFolder.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("config").appendingPathComponent("sensitivity-codes.yaml")
        let codes: SensitivityCodes
        switch SensitivityCodes.load(contentsOf: codesURL) {
        case .success(let c): codes = c
        case .failure(let e): return .failure(e)
        }
        let file = directory.appendingPathComponent("adapter.yaml")
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            return .failure(ConfigErrors([ConfigIssue(file: file.path, line: nil, column: nil, message: "cannot read adapter.yaml: \(error.localizedDescription)")]))
        }
        let result = parse(text: text, file: file.path, sensitivity: codes)
        if case .success(let c) = result, c.name != adapterFolder.lastPathComponent {
            // The folder name is what operators type; a mismatch is a copy-paste slip.
            return .failure(ConfigErrors([ConfigIssue(file: file.path, line: 1, column: nil, message: "name '\(c.name)' differs from the folder name '\(adapterFolder.lastPathComponent)'")]))
        }
        return result
    }
}
