/// Code system names used in canonical coded entries, whatever the feed called them.
package enum CodeSystem {
    package static let icd10 = "ICD-10"
    package static let opcs4 = "OPCS-4"
    package static let snomed = "SNOMED CT"

    /// HL7 v2 table 0396 names (I10, ICD10, SCT ...), FHIR system URIs, or
    /// the canonical names themselves; anything else is kept as written.
    package static func canonical(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        let key = raw.lowercased().filter { $0.isLetter || $0.isNumber }
        if key == "i10" || key.contains("icd10") { return icd10 }
        if key.contains("opcs") { return opcs4 }
        if key == "sct" || key == "snm" || key.contains("snomed") { return snomed }
        return raw
    }
}
