import HXCanonical
import HXConfigFile
import Yams

/// Reads and cross-checks the configuration files, collecting every issue.
struct Loader {
    var issues: [ConfigIssue] = []
    var organisations: [Organisation] = []
    var groups: [OrganisationGroup] = []
    var agreements: [SharingAgreement] = []

    private var codes: Set<String> = []
    private var groupNames: Set<String> = []
    /// Where each agreement id was first seen, for the duplicate-id error.
    private var agreementIDs: [String: FileLocation] = [:]

    static let organisationKeys: Set<String> = ["code", "name", "kind", "hub", "pcn", "delivery"]
    static let selectorKeys: Set<String> = ["kind", "pcn", "hub"]
    static let agreementKeys: Set<String> = [
        "id", "title", "version", "status", "validFrom", "validTo", "purpose", "lawfulBasis", "from", "to",
        "messageTypes", "fields", "sensitivity", "objections",
    ]

    // MARK: organisations.yaml

    /// The senders a delivery block's `mesh.workflowsFrom` names, each with its key's node (for the line).
    static func workflowSenders(_ delivery: DeliverySettings, of code: String, in node: Node) -> [(code: String, sender: String, node: Node)] {
        guard !delivery.meshWorkflowsFrom.isEmpty, case .mapping(let d) = node,
              case .mapping(let mesh)? = d.first(where: { $0.key.string == "mesh" })?.value,
              case .mapping(let from)? = mesh.first(where: { $0.key.string == "workflowsFrom" })?.value else { return [] }
        return from.compactMap { entry in entry.key.string.map { (code, $0, entry.key) } }
    }

    mutating func readOrganisations(file: String, text: String) {
        let reader = YAMLReader(file: file)
        defer { issues += reader.issues }
        guard let root = reader.load(text: text) else { return }
        let top = reader.mapping(root, what: "organisations file", allowed: ["organisations", "groups"])
        var hubReferences: [(code: String, hub: String, node: Node)] = []
        var senderReferences: [(code: String, sender: String, node: Node)] = []
        var lowerCaseCodes: [String: String] = [:]
        if let list = reader.required(top, "organisations", what: "organisations file", at: root) {
            for node in reader.sequence(list, what: "organisations") {
                let e = reader.mapping(node, what: "organisation", allowed: Self.organisationKeys)
                let codeNode = reader.required(e, "code", what: "organisation", at: node)
                let nameNode = reader.required(e, "name", what: "organisation", at: node)
                let kindNode = reader.required(e, "kind", what: "organisation", at: node)
                guard let code = reader.string(codeNode, what: "organisation code") else { continue }
                if !Self.isValidCode(code) {
                    reader.error("organisation code '\(code)' may only hold letters, digits and '-' (it names the delivery topic)", at: codeNode)
                }
                // Delivery topics use the lower-case code, so codes differing only in case would share one.
                if let first = lowerCaseCodes[code.lowercased()] {
                    reader.error("organisation code '\(code)' is declared twice" + (first == code ? "" : " (as '\(first)': codes are compared without case)"), at: codeNode)
                    continue
                }
                lowerCaseCodes[code.lowercased()] = code
                let name = reader.string(nameNode, what: "organisation name") ?? ""
                var kind: OrganisationKind?
                if let kindText = reader.string(kindNode, what: "organisation kind") {
                    kind = OrganisationKind(rawValue: kindText)
                    if kind == nil { reader.error(Self.unknown("organisation kind", kindText, OrganisationKind.allCases.map(\.rawValue)), at: kindNode) }
                }
                let hub = reader.string(e["hub"], what: "hub")
                let pcn = reader.string(e["pcn"], what: "pcn")
                if let kind, kind != .gpPractice {
                    if let n = e["hub"] { reader.error("only a gp-practice has a hub; \(code) is a \(kind.rawValue)", at: n) }
                    if let n = e["pcn"] { reader.error("only a gp-practice belongs to a pcn; \(code) is a \(kind.rawValue)", at: n) }
                }
                if let hub, let n = e["hub"] { hubReferences.append((code, hub, n)) }
                guard let kind else { continue }
                codes.insert(code)
                let delivery = e["delivery"].flatMap { readDelivery($0, of: code, reader: reader) }
                if let delivery, let n = e["delivery"] { senderReferences += Self.workflowSenders(delivery, of: code, in: n) }
                organisations.append(Organisation(code: code, name: name, kind: kind, hub: hub, pcn: pcn, delivery: delivery))
            }
        }
        for ref in senderReferences where !codes.contains(ref.sender) {
            reader.error("delivery of \(ref.code): mesh.workflowsFrom: '\(ref.sender)' is not an organisation in this file", at: ref.node)
        }
        for ref in hubReferences {
            guard let hub = organisations.first(where: { $0.code == ref.hub }) else {
                reader.error("hub '\(ref.hub)' of \(ref.code) is not an organisation in this file", at: ref.node)
                continue
            }
            if hub.kind != .hubTeam {
                reader.error("hub '\(ref.hub)' of \(ref.code) is a \(hub.kind.rawValue), not a hub-team", at: ref.node)
            }
        }
        if let node = top["groups"] {
            guard case .mapping(let mapping) = node else {
                reader.error("groups must be a mapping of group names to lists or selectors", at: node)
                return
            }
            for (keyNode, value) in mapping {
                guard let name = keyNode.string, !name.isEmpty else {
                    reader.error("group names must be text", at: keyNode)
                    continue
                }
                if !Self.isValidGroupName(name) {
                    reader.error("group name '\(name)' may only hold lower-case letters, digits and '-'", at: keyNode)
                }
                if groupNames.contains(name) {
                    reader.error("group '\(name)' is declared twice", at: keyNode)
                    continue
                }
                guard let group = readGroup(name: name, node: value, reader: reader) else { continue }
                groupNames.insert(name)
                if group.members.isEmpty { reader.warning("group '\(name)' has no members", at: keyNode) }
                groups.append(group)
            }
        }
    }

    private func readGroup(name: String, node: Node, reader: YAMLReader) -> OrganisationGroup? {
        switch node {
        case .sequence:
            var members: [String] = []
            for item in reader.sequence(node, what: "group '\(name)'") {
                guard let code = reader.string(item, what: "group member") else { continue }
                if code.hasPrefix("@") {
                    reader.error("group '\(name)': groups list organisation codes, not other groups (\(code))", at: item)
                } else if !codes.contains(code) {
                    reader.error("group '\(name)': unknown organisation code '\(code)'", at: item)
                } else if members.contains(code) {
                    reader.error("group '\(name)': '\(code)' is listed twice", at: item)
                } else {
                    members.append(code)
                }
            }
            return OrganisationGroup(name: name, definition: .list(members), members: members)
        case .mapping:
            let e = reader.mapping(node, what: "group '\(name)' selector", allowed: Self.selectorKeys)
            if e.isEmpty {
                reader.error("group '\(name)': a selector needs at least one of kind, pcn, hub", at: node)
                return nil
            }
            var kind: OrganisationKind?
            if let kindNode = e["kind"], let text = reader.string(kindNode, what: "kind") {
                kind = OrganisationKind(rawValue: text)
                if kind == nil {
                    reader.error(Self.unknown("organisation kind", text, OrganisationKind.allCases.map(\.rawValue)), at: kindNode)
                    return nil
                }
            }
            let pcn = reader.string(e["pcn"], what: "pcn")
            let hub = reader.string(e["hub"], what: "hub")
            if let hub, let n = e["hub"], !codes.contains(hub) {
                reader.error("group '\(name)': unknown hub '\(hub)'", at: n)
            }
            let members = organisations.filter { o in
                (kind == nil || o.kind == kind) && (pcn == nil || o.pcn == pcn) && (hub == nil || o.hub == hub)
            }.map(\.code)
            return OrganisationGroup(name: name, definition: .selector(kind: kind, pcn: pcn, hub: hub), members: members)
        default:
            reader.error("group '\(name)' must be a list of organisation codes or a selector such as {kind: gp-practice}", at: node)
            return nil
        }
    }

    // MARK: sharing-agreements/*.yaml

    mutating func readAgreement(file: String, text: String) {
        let reader = YAMLReader(file: file)
        defer { issues += reader.issues }
        guard let root = reader.load(text: text) else { return }
        let what = "agreement"
        let e = reader.mapping(root, what: what, allowed: Self.agreementKeys)
        var ok = true
        func need(_ key: String) -> Node? {
            let n = reader.required(e, key, what: what, at: root)
            if n == nil { ok = false }
            return n
        }
        let idNode = need("id")
        let id = reader.string(idNode, what: "id")
        let location = FileLocation(file: file, line: idNode?.mark?.line ?? root.mark?.line)
        if let id {
            if !Self.isValidCode(id) {
                reader.error("agreement id '\(id)' may only hold letters, digits and '-'", at: idNode)
            }
            if let first = agreementIDs[id] {
                reader.error("agreement id '\(id)' is also used by \(first)", at: idNode)
                ok = false
            } else {
                agreementIDs[id] = location
            }
        }
        let title = reader.string(need("title"), what: "title")
        let version = reader.int(need("version"), what: "version", range: 1...1_000_000)
        let status: AgreementStatus? = enumValue(need("status"), what: "status", reader: reader)
        let validFromNode = need("validFrom")
        let validToNode = need("validTo")
        let validFrom = date(validFromNode, what: "validFrom", reader: reader)
        let validTo = date(validToNode, what: "validTo", reader: reader)
        if let validFrom, let validTo, validTo.dayNumber < validFrom.dayNumber {
            reader.error("validFrom \(validFrom) is after validTo \(validTo)", at: validFromNode)
        }
        let purposeNode = need("purpose")
        let purpose: Purpose? = enumValue(purposeNode, what: "purpose", reader: reader)
        let lawfulBasisNode = need("lawfulBasis")
        let lawfulBasis = stringList(lawfulBasisNode, what: "lawfulBasis", reader: reader)
        if let lawfulBasisNode, lawfulBasis.isEmpty {
            reader.error("lawfulBasis must name at least one lawful basis (e.g. UK GDPR Art 6(1)(e))", at: lawfulBasisNode)
        }
        let (from, sources) = parties(need("from"), what: "from", purpose: nil, reader: reader)
        let (to, recipients) = parties(need("to"), what: "to", purpose: purpose, reader: reader)
        var messageTypes: [MessageType] = []
        if let node = need("messageTypes") {
            let items = reader.sequence(node, what: "messageTypes")
            if items.isEmpty, case .sequence = node { reader.error("messageTypes must name at least one message type", at: node) }
            for item in items {
                if let t: MessageType = enumValue(item, what: "message type", reader: reader) {
                    if messageTypes.contains(t) { reader.error("message type '\(t.rawValue)' is listed twice", at: item) } else { messageTypes.append(t) }
                }
            }
        }
        var excluded: [String] = []
        if let node = e["fields"] {
            let f = reader.mapping(node, what: "fields", allowed: ["exclude"])
            if let list = f["exclude"] {
                for item in reader.sequence(list, what: "fields.exclude") {
                    guard let path = reader.string(item, what: "field") else { continue }
                    let known = Set(MessageType.allCases.flatMap(ExcludableFields.all(for:)))
                    let forTypes = Set(messageTypes.flatMap(ExcludableFields.all(for:)))
                    if !known.contains(path) {
                        reader.error("fields.exclude: '\(path)' is not a field that can be excluded (one of: \(known.sorted().joined(separator: ", ")))", at: item)
                    } else if !messageTypes.isEmpty && !forTypes.contains(path) {
                        reader.error("fields.exclude: '\(path)' is not a field of \(messageTypes.map(\.rawValue).joined(separator: " or "))", at: item)
                    } else if excluded.contains(path) {
                        reader.error("fields.exclude: '\(path)' is listed twice", at: item)
                    } else {
                        excluded.append(path)
                    }
                }
            }
        }
        var allow: [SensitivityLabel] = [], redact: [SensitivityLabel] = [], deny: [SensitivityLabel] = []
        if let node = e["sensitivity"] {
            let s = reader.mapping(node, what: "sensitivity", allowed: ["allow", "redact", "deny"])
            var seen: [SensitivityLabel: String] = [:]
            for (key, into) in [("allow", 0), ("redact", 1), ("deny", 2)] {
                guard let list = s[key] else { continue }
                for item in reader.sequence(list, what: "sensitivity.\(key)") {
                    guard let label: SensitivityLabel = enumValue(item, what: "sensitivity label", reader: reader) else { continue }
                    if let other = seen[label] {
                        reader.error("sensitivity label '\(label.rawValue)' is in both \(other) and \(key): an agreement gives each label one rule", at: item)
                        continue
                    }
                    seen[label] = key
                    switch into {
                    case 0: allow.append(label)
                    case 1: redact.append(label)
                    default: deny.append(label)
                    }
                }
            }
        }
        var overrides: [SensitivityLabel] = []
        if let node = e["objections"] {
            let o = reader.mapping(node, what: "objections", allowed: ["overridableFor"])
            if let list = o["overridableFor"] {
                for item in reader.sequence(list, what: "objections.overridableFor") {
                    guard let label: SensitivityLabel = enumValue(item, what: "sensitivity label", reader: reader) else { continue }
                    overrides.append(label)
                    // Overriding an objection only to then redact or deny the very
                    // reason for the override would deliver nothing of use.
                    if !allow.contains(label) {
                        reader.warning("objections are overridable for '\(label.rawValue)' but sensitivity does not allow '\(label.rawValue)'", at: item)
                    }
                }
            }
        }
        guard ok, let id, let title, let version, let status, let validFrom, let validTo, let purpose else { return }
        agreements.append(SharingAgreement(
            id: id, title: title, version: version, status: status, validFrom: validFrom, validTo: validTo,
            purpose: purpose, lawfulBasis: lawfulBasis, from: from, to: to, sources: sources, recipients: recipients,
            messageTypes: messageTypes, excludedFields: excluded, allow: allow, redact: redact, deny: deny,
            objectionOverrides: overrides, location: location))
    }

    /// `from` / `to`: organisation codes and @groups, expanded.
    private func parties(_ node: Node?, what: String, purpose: Purpose?, reader: YAMLReader) -> ([PartyReference], [String]) {
        guard let node else { return ([], []) }
        var refs: [PartyReference] = []
        var expanded: [String] = []
        let items = reader.sequence(node, what: what)
        if items.isEmpty, case .sequence = node { reader.error("\(what) must name at least one organisation or @group", at: node) }
        for item in items {
            guard let text = reader.string(item, what: "\(what) entry") else { continue }
            let ref = PartyReference(text)
            if refs.contains(ref) {
                reader.error("\(what): '\(text)' is listed twice", at: item)
                continue
            }
            refs.append(ref)
            switch ref {
            case .organisation(let code):
                if !codes.contains(code) {
                    reader.error("\(what): unknown organisation code '\(code)' (not in organisations.yaml)", at: item)
                    continue
                }
                if !expanded.contains(code) { expanded.append(code) }
            case .group(let name):
                guard let group = groups.first(where: { $0.name == name }) else {
                    reader.error("\(what): unknown group '@\(name)' (not in organisations.yaml groups)", at: item)
                    continue
                }
                // docs/design.md: an agreement for anything but direct care names its recipients explicitly.
                if let purpose, purpose != .directCare {
                    reader.error("to: a \(purpose.rawValue) agreement must name its recipients explicitly by code, not by group (@\(name))", at: item)
                }
                for code in group.members where !expanded.contains(code) { expanded.append(code) }
            }
        }
        return (refs, expanded)
    }

    private func stringList(_ node: Node?, what: String, reader: YAMLReader) -> [String] {
        guard let node else { return [] }
        return reader.sequence(node, what: what).compactMap { reader.string($0, what: "\(what) entry") }
    }

    private func date(_ node: Node?, what: String, reader: YAMLReader) -> CalendarDate? {
        guard let text = reader.string(node, what: what) else { return nil }
        guard let d = CalendarDate(text) else {
            reader.error("\(what) must be a date written YYYY-MM-DD, not '\(text)'", at: node)
            return nil
        }
        return d
    }

    private func enumValue<E: RawRepresentable & CaseIterable>(_ node: Node?, what: String, reader: YAMLReader) -> E?
    where E.RawValue == String {
        guard let text = reader.string(node, what: what) else { return nil }
        guard let value = E(rawValue: text) else {
            reader.error(Self.unknown(what, text, E.allCases.map(\.rawValue)), at: node)
            return nil
        }
        return value
    }

    // MARK: Overlaps

    /// Two active agreements that both cover one source → recipient, message
    /// type and purpose on some day leave it unclear which one's rules apply.
    mutating func checkOverlaps() {
        let active = agreements.filter { $0.status == .active }
        for (j, later) in active.enumerated() {
            for earlier in active[..<j] where earlier.purpose == later.purpose {
                guard earlier.validFrom.dayNumber <= later.validTo.dayNumber,
                      later.validFrom.dayNumber <= earlier.validTo.dayNumber,
                      let type = later.messageTypes.first(where: earlier.messageTypes.contains),
                      let source = later.sources.first(where: earlier.sources.contains),
                      let recipient = later.recipients.first(where: earlier.recipients.contains)
                else { continue }
                let from = max(earlier.validFrom.dayNumber, later.validFrom.dayNumber) == earlier.validFrom.dayNumber
                    ? earlier.validFrom : later.validFrom
                let to = min(earlier.validTo.dayNumber, later.validTo.dayNumber) == earlier.validTo.dayNumber
                    ? earlier.validTo : later.validTo
                issues.append(ConfigIssue(
                    file: later.location.file, line: later.location.line, column: nil,
                    message: "agreement \(later.id) overlaps \(earlier.id) (\(earlier.location)): both are active for "
                        + "\(type.rawValue) from \(source) to \(recipient) for \(later.purpose.rawValue) between \(from) and \(to)"))
            }
        }
    }

    // MARK: Helpers

    static func isValidCode(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static func isValidGroupName(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static func unknown(_ what: String, _ value: String, _ known: [String]) -> String {
        "unknown \(what) '\(value)' (expected one of: \(known.joined(separator: ", ")))"
    }
}
