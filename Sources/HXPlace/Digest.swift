import HXCanonical
import HXIdentityMatch

/// The digest of the configuration in force, recorded in every audit record.
///
/// It is SHA-256 over a canonical JSON form of the parsed configuration, not
/// over file bytes, so it changes only when meaning changes: comments,
/// whitespace, key order, quoting, file names and the order of set-like lists
/// (sources, recipients, labels, message types, excluded fields) do not move
/// it; any value that can change a decision (and an agreement's title and
/// lawful basis, which an auditor reads) does. Groups enter as their expanded
/// members, so rewriting a list as an equivalent selector changes nothing.
package enum ConfigurationDigest {
    /// Bump when the canonical form itself changes.
    package static let formVersion = "hx.place-digest/1"

    package static func compute(
        organisations: [Organisation], groups: [OrganisationGroup], agreements: [SharingAgreement], identityRule: LinkRule? = nil
    ) -> String {
        Digests.sha256Hex(Array(canonicalForm(organisations: organisations, groups: groups, agreements: agreements, identityRule: identityRule).utf8))
    }

    package static func canonicalForm(
        organisations: [Organisation], groups: [OrganisationGroup], agreements: [SharingAgreement], identityRule: LinkRule? = nil
    ) -> String {
        func opt(_ s: String?) -> JSONText { s.map(JSONText.string) ?? .null }
        func labels(_ l: [SensitivityLabel]) -> JSONText { .strings(Set(l.map(\.rawValue)).sorted()) }
        let orgs = organisations.sorted { $0.code < $1.code }.map { o -> JSONText in
            var fields: [(String, JSONText)] = [("code", .string(o.code)), ("name", .string(o.name)), ("kind", .string(o.kind.rawValue)),
                                                ("hub", opt(o.hub)), ("pcn", opt(o.pcn))]
            // Only when present, so a configuration without delivery blocks keeps its digest.
            if let d = o.delivery { fields.append(("delivery", deliveryForm(d))) }
            return .object(fields)
        }
        let grps = groups.sorted { $0.name < $1.name }.map { g -> JSONText in
            .object([("name", .string(g.name)), ("members", .strings(Set(g.members).sorted()))])
        }
        let dsas = agreements.sorted { $0.id < $1.id }.map { a -> JSONText in
            .object([
                ("id", .string(a.id)), ("version", .int(a.version)), ("title", .string(a.title)),
                ("status", .string(a.status.rawValue)), ("validFrom", .string(a.validFrom.description)),
                ("validTo", .string(a.validTo.description)), ("purpose", .string(a.purpose.rawValue)),
                ("lawfulBasis", .strings(a.lawfulBasis)),
                ("sources", .strings(Set(a.sources).sorted())), ("recipients", .strings(Set(a.recipients).sorted())),
                ("messageTypes", .strings(Set(a.messageTypes.map(\.rawValue)).sorted())),
                ("exclude", .strings(Set(a.excludedFields).sorted())),
                ("allow", labels(a.allow)), ("redact", labels(a.redact)), ("deny", labels(a.deny)),
                ("overridableFor", labels(a.objectionOverrides)),
            ])
        }
        func deliveryForm(_ d: DeliverySettings) -> JSONText {
            let endpoint: JSONText = switch d.endpoint {
            case .mllp(let host, let port, let ackTimeout):
                .object([("host", .string(host)), ("port", .int(port)), ("ackTimeout", .string(ConfigDuration.text(ackTimeout)))])
            case .fhirHTTP(let url): .object([("url", .string(url))])
            case .folder(let path): .object([("path", .string(path))])
            case .mesh(let mailbox, let to, let workflow, let ackWorkflow):
                .object([("mailbox", .string(mailbox)), ("to", .string(to)), ("workflow", .string(workflow)), ("ackWorkflow", .string(ackWorkflow))])
            }
            var fields: [(String, JSONText)] = [
                ("transport", .string(d.transport.rawValue)), ("format", .string(d.format.rawValue)), ("endpoint", endpoint),
                ("retry", .object([("initial", .string(ConfigDuration.text(d.retry.initial))), ("max", .string(ConfigDuration.text(d.retry.max))),
                                   ("giveUpAfter", .string(ConfigDuration.text(d.retry.giveUpAfter)))])),
            ]
            // Only when present, so a delivery block without `workflows` keeps its digest.
            if !d.meshWorkflows.isEmpty {
                fields.append(("meshWorkflows", .object(d.meshWorkflows.sorted { $0.key.rawValue < $1.key.rawValue }.map { entry -> (String, JSONText) in
                    (entry.key.rawValue, .object([("workflow", .string(entry.value.workflow)), ("ackWorkflow", .string(entry.value.ackWorkflow))]))
                })))
            }
            if !d.meshWorkflowsFrom.isEmpty {
                fields.append(("meshWorkflowsFrom", .object(d.meshWorkflowsFrom.sorted { $0.key < $1.key }.map { sender -> (String, JSONText) in
                    (sender.key, .object(sender.value.sorted { $0.key.rawValue < $1.key.rawValue }.map { entry -> (String, JSONText) in
                        (entry.key.rawValue, .object([("workflow", .string(entry.value.workflow)), ("ackWorkflow", .string(entry.value.ackWorkflow))]))
                    }))
                })))
            }
            if let a = d.acknowledgements {
                fields.append(("acknowledgements", .object([("infrastructure", opt(a.infrastructure.map(ConfigDuration.text))),
                                                            ("business", opt(a.business.map(ConfigDuration.text)))])))
            }
            return .object(fields)
        }
        var top: [(String, JSONText)] = [
            ("form", .string(formVersion)), ("organisations", .array(orgs)), ("groups", .array(grps)), ("agreements", .array(dsas)),
        ]
        // Only when present, so a configuration without identity.yaml keeps its digest.
        if let r = identityRule {
            top.append(("identity", .object([
                ("threshold", .string(String(r.threshold))), ("margin", .string(String(r.margin))),
                ("reviewThreshold", .string(String(r.reviewThreshold))),
            ])))
        }
        return JSONText.object(top).rendered
    }
}
