import HXCanonical

/// A FHIR Patient sent on its own (a PAS or EPR publishing its demographics,
/// as HL7 v2's ADT^A28/A31 do) → an identity fact for `hx.identity.v1`, with
/// the history FHIR keeps (docs/design.md "Identity matching and review"):
///
/// - a name of use `old` or `maiden`, or whose `period.end` is before the
///   Patient's `meta.lastUpdated`, gives an earlier family name; the current
///   name is the first `official` or `usual` one still in force, else the
///   first in force;
/// - an address of use `old`, or whose period ended, gives an earlier
///   postcode; the current address is the first `home` one in force with a
///   postcode, else the first in force with one.
///
/// The time of the fact is `meta.lastUpdated`, its message id the Patient's
/// id (with `/_history/` and `meta.versionId` when given).
struct FHIRPatientIdentity {
    let configuration: AdapterConfiguration

    func fact(_ patient: FNode) throws(TranslationError) -> IdentityFact {
        let subject = try FHIRBundle(lone: patient).subject(patient, configuration: configuration)
        guard let nhs = subject.nhsNumber else {
            throw TranslationError(.identityNHSNumberMissing, "the Patient has no NHS number: an identity fact needs one", at: patient.path + ".identifier")
        }
        guard let recordedAt = try FHIRBundle.time(patient["meta"]?["lastUpdated"], configuration) else {
            throw TranslationError(.fhirFieldMissing, "a Patient on its own needs meta.lastUpdated: the time of the identity fact", at: patient.path + ".meta.lastUpdated")
        }
        guard let id = patient.string("id") else {
            throw TranslationError(.fhirFieldMissing, "a Patient on its own needs an id: the identity fact's message id", at: patient.path + ".id")
        }
        let messageID = patient["meta"]?.string("versionId").map { "\(id)/_history/\($0)" } ?? id
        let asOf = recordedAt.rawValue

        let names = patient.all("name")
        let earlierName = { (n: FNode) in ["old", "maiden"].contains(n.string("use") ?? "") || Self.ended(n, before: asOf) }
        let namesInForce = names.filter { !earlierName($0) }
        let current = namesInForce.first { ["official", "usual"].contains($0.string("use") ?? "") } ?? namesInForce.first
        let family = current.map(Self.family).flatMap { $0.isEmpty ? nil : $0 }
        let given = current?.all("given").compactMap(\.value) ?? []
        var earlierFamilies: [String] = []
        for name in names where earlierName(name) {
            let f = Self.family(name)
            guard !f.isEmpty, f.uppercased() != family?.uppercased(), !earlierFamilies.contains(where: { $0.uppercased() == f.uppercased() }) else { continue }
            earlierFamilies.append(f)
        }

        let addresses = patient.all("address")
        let earlierAddress = { (a: FNode) in a.string("use") == "old" || Self.ended(a, before: asOf) }
        let addressesInForce = addresses.filter { !earlierAddress($0) }
        let home = addressesInForce.first { $0.string("use") == "home" && $0.string("postalCode") != nil }
            ?? addressesInForce.first { $0.string("postalCode") != nil }
        let postcode = home?.string("postalCode")?.uppercased()
        let lines = home.map { $0.all("line").compactMap(\.value) + [$0.string("city")].compactMap { $0 } } ?? []
        var earlierPostcodes: [String] = []
        for address in addresses where earlierAddress(address) {
            guard let p = address.string("postalCode")?.uppercased(), p != postcode, !earlierPostcodes.contains(p) else { continue }
            earlierPostcodes.append(p)
        }

        return IdentityFact(
            nhsNumber: nhs, family: family, given: given, sex: subject.gender, birthDate: subject.birthDate, postcode: postcode,
            address: lines, earlierFamilies: earlierFamilies, earlierPostcodes: earlierPostcodes,
            source: configuration.sourceOf(messageID), recordedAt: recordedAt)
    }

    /// DSTU2 repeats family; STU3 and R4 have one.
    static func family(_ name: FNode) -> String { name.all("family").compactMap(\.value).joined(separator: " ") }

    /// Whether a name's or address's period ended before `asOf` (an RFC 3339 time), compared on
    /// as much of the date as the end gives ("2019", "2019-06", "2019-06-30T…").
    static func ended(_ node: FNode, before asOf: String) -> Bool {
        guard let end = node["period"]?.string("end"), end.count >= 4 else { return false }
        let date = String(end.prefix(10))
        return date < String(asOf.prefix(date.count))
    }
}
