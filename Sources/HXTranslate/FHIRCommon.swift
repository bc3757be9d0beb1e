import HXCanonical

/// A FHIR Bundle with its entries indexed for reference resolution.
struct FHIRBundle {
    let root: FNode
    let resources: [FNode]
    private var index: [String: FNode] = [:]

    /// Non-Bundle inputs are refused: a lone Composition or ServiceRequest
    /// refers to a patient and organisations it does not carry.
    init(_ root: FNode) throws(TranslationError) {
        guard root.resourceType == "Bundle" else {
            throw TranslationError(.fhirBundleExpected, "expected a FHIR Bundle, found a \(root.resourceType ?? "resource") on its own: its patient and organisations cannot be resolved", at: root.resourceType ?? "input")
        }
        self.root = root
        var resources: [FNode] = []
        for entry in root.all("entry") {
            guard let r = entry["resource"] else { continue }
            resources.append(r)
            if let url = entry.string("fullUrl") {
                index[url] = r
                // "https://server/fhir/Patient/123" is also found as "Patient/123".
                let parts = url.split(separator: "/")
                if parts.count >= 2 { index[parts.suffix(2).joined(separator: "/")] = r }
            }
            if let type = r.resourceType, let id = r.string("id") {
                index["\(type)/\(id)"] = r
                index["urn:uuid:\(id)"] = index["urn:uuid:\(id)"] ?? r
            }
        }
        self.resources = resources
    }

    /// A resource sent on its own (a Patient for an identity fact): nothing to resolve references in.
    init(lone resource: FNode) {
        root = resource
        resources = [resource]
    }

    func first(_ type: String) -> FNode? { resources.first { $0.resourceType == type } }
    func all(_ type: String) -> [FNode] { resources.filter { $0.resourceType == type } }

    /// The resource a Reference node points at, when it is in the Bundle.
    func resolve(_ reference: FNode?) -> FNode? {
        guard let ref = reference?.string("reference") else { return nil }
        if let r = index[ref] { return r }
        let parts = ref.split(separator: "/")
        if parts.count >= 2 { return index[parts.suffix(2).joined(separator: "/")] }
        return nil
    }

    /// The fullUrl of an entry, for ids when a resource has none.
    func fullUrl(of resource: FNode) -> String? {
        root.all("entry").first { $0["resource"]?.path == resource.path }?.string("fullUrl")
    }

    // MARK: Organisations

    static func isODS(_ system: String?) -> Bool {
        guard let s = system?.lowercased() else { return false }
        return s.contains("ods-organization-code") || s.contains("ods-site-code") || s.contains("ods-organisation-code")
    }

    static func odsCode(ofIdentifiers node: FNode) -> String? {
        node.all("identifier").first { isODS($0.string("system")) }?.string("value")
    }

    /// ODS code behind a reference to an Organization, a HealthcareService
    /// (its providedBy), a PractitionerRole (its organization) or a DSTU2
    /// Practitioner (practitionerRole.managingOrganization); or a logical
    /// reference that carries the identifier itself.
    func odsCode(_ reference: FNode?, depth: Int = 0) -> String? {
        guard let reference, depth < 4 else { return nil }
        if let id = reference["identifier"], Self.isODS(id.string("system")) { return id.string("value") }
        guard let r = resolve(reference) else { return nil }
        switch r.resourceType {
        case "Organization":
            return Self.odsCode(ofIdentifiers: r)
        case "HealthcareService":
            return odsCode(r["providedBy"], depth: depth + 1)
        case "PractitionerRole":
            return odsCode(r["organization"], depth: depth + 1)
        case "Practitioner":
            for role in r.all("practitionerRole") {
                if let c = odsCode(role["managingOrganization"], depth: depth + 1) { return c }
            }
            return nil
        default:
            return nil
        }
    }

    /// "Dr Given Family" of a Practitioner (or PractitionerRole's practitioner).
    func personName(_ reference: FNode?) -> String? {
        guard var r = resolve(reference) else { return reference?.string("display") }
        if r.resourceType == "PractitionerRole", let p = resolve(r["practitioner"]) { r = p }
        return Self.nameText(r["name"])
    }

    static func nameText(_ name: FNode?) -> String? {
        guard let name else { return nil }
        if let text = name.string("text") { return text }
        let parts = name.all("prefix").compactMap(\.value) + name.all("given").compactMap(\.value) + name.all("family").compactMap(\.value)
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    // MARK: Patient

    static func isNHSNumberSystem(_ system: String?) -> Bool {
        guard let s = system?.lowercased() else { return false }
        return s.hasSuffix("/nhs-number") || s == "urn:oid:2.16.840.1.113883.2.1.4.1"
    }

    func subject(_ patient: FNode, configuration: AdapterConfiguration) throws(TranslationError) -> Subject {
        var nhs: NHSNumber?
        var locals: [LocalIdentifier] = []
        for id in patient.all("identifier") {
            guard let value = id.string("value") else { continue }
            if Self.isNHSNumberSystem(id.string("system")) {
                do {
                    let n = try NHSNumber(value)
                    if nhs == nil { nhs = n }
                } catch {
                    throw TranslationError.nhsNumber(error, at: id["value"]!.path)
                }
            } else {
                locals.append(LocalIdentifier(system: id.string("system") ?? "\(configuration.organisation)-local", value: value))
            }
        }
        let names = patient.all("name")
        let chosen = names.first { ["official", "usual"].contains($0.string("use") ?? "") } ?? names.first
        var name: PersonName?
        if let n = chosen {
            // DSTU2 repeats family; STU3 and R4 have one.
            let family = n.all("family").compactMap(\.value).joined(separator: " ")
            let given = n.all("given").compactMap(\.value)
            if !family.isEmpty || !given.isEmpty { name = PersonName(family: family.isEmpty ? nil : family, given: given) }
        }
        var birthDate: CalendarDate?
        if let node = patient["birthDate"], let raw = node.value,
           !(raw.count == 4 || raw.count == 7) || DateText.hl7Form(raw) == nil {
            // A year or year-month is valid FHIR but no calendar date; a wrong day is an error.
            guard let d = DateText.date(raw), raw.count == 10 else {
                throw TranslationError(.dateInvalid, "birthDate \(raw.debugDescription) is not a valid YYYY-MM-DD date", at: node.path)
            }
            birthDate = d
        }
        let gender = patient.string("gender").flatMap { Gender(rawValue: $0) }
        let addresses = patient.all("address")
        let home = addresses.first { $0.string("use") == "home" && $0.string("postalCode") != nil } ?? addresses.first { $0.string("postalCode") != nil }
        var practice: String?
        for ref in patient.all("generalPractitioner") + patient.all("careProvider") {
            if let code = odsCode(ref) { practice = code; break }
        }
        return Subject(
            nhsNumber: nhs, identityStatus: nhs == nil ? .unresolved : .verified, localIdentifiers: locals, name: name,
            birthDate: birthDate, gender: gender, postcode: home?.string("postalCode")?.uppercased(), registeredPractice: practice)
    }

    // MARK: Values

    static func time(_ node: FNode?, _ configuration: AdapterConfiguration) throws(TranslationError) -> RFC3339Timestamp? {
        guard let node, let raw = node.value, !raw.isEmpty else { return nil }
        guard let t = DateText.timestamp(raw, timeZone: configuration.timeZone) else {
            throw TranslationError(.dateInvalid, "\(raw.debugDescription) is not a valid FHIR date or dateTime", at: node.path)
        }
        return t
    }

    /// The first of these nodes that holds a time (typed throws do not pass through `??`).
    static func firstTime(_ nodes: [FNode?], _ configuration: AdapterConfiguration) throws(TranslationError) -> RFC3339Timestamp? {
        for n in nodes {
            if let t = try time(n, configuration) { return t }
        }
        return nil
    }

    /// Code, system and display of a CodeableConcept (first coding with a code).
    static func coded(_ concept: FNode?) -> CodedEntry? {
        guard let concept else { return nil }
        let coding = concept.all("coding").first { $0.string("code") != nil } ?? concept.all("coding").first
        let code = coding?.string("code")
        let display = concept.string("text") ?? coding?.string("display")
        guard code != nil || display != nil else { return nil }
        return CodedEntry(code: code, system: CodeSystem.canonical(coding?.string("system")), display: display)
    }

    /// Every coding code and display anywhere under a node (extensions included).
    static func allCodings(_ node: FNode) -> [(code: String?, display: String?)] {
        var out: [(String?, String?)] = []
        func walk(_ n: FNode) {
            for (name, children) in n.fields {
                for c in children {
                    if name == "coding" || name == "valueCoding" { out.append((c.string("code"), c.string("display"))) }
                    walk(c)
                }
            }
        }
        walk(node)
        return out
    }
}
