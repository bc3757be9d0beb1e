import HL7v2
import HXCanonical

/// A canonical message as an HL7 v2.4 MDM^T02 (original document
/// notification and content): MSH, EVN, PID, PV1, TXA, and the readable
/// document as OBX text lines, which any receiving system files as a
/// document without a mapping of our fields.
package enum HL7v2Renderer {
    package static let sendingApplication = "ONE-HALTON-EXCHANGE"
    package static let sendingFacility = "HX"

    /// Segments end in a carriage return, as HL7 v2 requires.
    package static func render(_ message: CanonicalMessage, decisionId: DecisionIdentity, recipient: String,
                               document: ReadableDocument) -> [UInt8] {
        let when = hl7Time(message.occurredAt)
        var segments: [[String]] = []
        segments.append(["MSH", "^~\\&", sendingApplication, sendingFacility, "", e(recipient), when, "",
                         "MDM^T02^MDM_T02", decisionId.controlId, "P", "2.4", "", "", "", "", "GBR", "UNICODE UTF-8"])
        segments.append(["EVN", "T02", when])
        segments.append(pid(message.subject))
        segments.append(pv1(message))
        segments.append(txa(message, decisionId: decisionId, when: when))
        var setId = 0
        func obx(_ group: Int, _ line: String) {
            setId += 1
            segments.append(["OBX", String(setId), "TX", "DOCTEXT^Document text^L", String(group), e(line), "", "", "", "", "", "F"])
        }
        obx(0, document.title)
        for h in document.header { obx(0, "\(h.label): \(h.value)") }
        for (i, section) in document.sections.enumerated() {
            obx(i + 1, section.title)
            for line in section.lines { obx(i + 1, "  " + line) }
        }
        var out: [UInt8] = []
        for segment in segments {
            // MSH-1 is the field separator itself: MSH fields start after it.
            out += Array((segment[0] == "MSH" ? "MSH|" + segment.dropFirst().joined(separator: "|") : segment.joined(separator: "|")).utf8)
            out.append(0x0D)
        }
        return out
    }

    static func pid(_ s: Subject) -> [String] {
        var ids: [String] = []
        if let nhs = s.nhsNumber { ids.append("\(nhs.digits)^^^NHS^NH") }
        for local in s.localIdentifiers { ids.append("\(e(local.value))^^^\(e(local.system))^MR") }
        let name = s.name.map { n in ([e(n.family ?? "")] + n.given.prefix(2).map(e)).joined(separator: "^") } ?? ""
        let born = s.birthDate.map { $0.description.replacingOccurrences(of: "-", with: "") } ?? ""
        let sex = switch s.gender {
        case .male: "M"
        case .female: "F"
        case .other: "O"
        case .unknown: "U"
        case nil: ""
        }
        let address = s.postcode.map { "^^^^\(e($0))" } ?? ""
        return ["PID", "1", "", ids.joined(separator: "~"), "", name, "", born, sex, "", "", address]
    }

    static func pv1(_ m: CanonicalMessage) -> [String] {
        var fields = Array(repeating: "", count: 46)
        fields[0] = "PV1"
        fields[1] = "1"
        if case .dischargeSummary(let d) = m.payload {
            fields[2] = "I"  // inpatient
            fields[44] = d.admittedAt.map(hl7Time) ?? ""
            fields[45] = hl7Time(d.dischargedAt)
        } else {
            fields[2] = "N"  // not applicable
        }
        return fields
    }

    static func txa(_ m: CanonicalMessage, decisionId: DecisionIdentity, when: String) -> [String] {
        var fields = Array(repeating: "", count: 20)
        fields[0] = "TXA"
        fields[1] = "1"
        fields[2] = switch m.payload {
        case .dischargeSummary: "DS"  // HL7 table 0270: discharge summary
        case .socialCareNotification: "SCN"
        case .referral: "RF"
        }
        fields[3] = "TX"
        fields[4] = when
        fields[12] = "\(decisionId.uuid)^\(sendingApplication)"  // unique document number: the decision
        fields[17] = "AU"  // authenticated
        // Table 0272: V(ery restricted) when the document carries a sensitivity label, else U(sual control).
        fields[18] = m.sensitivity.isEmpty ? "U" : "V"
        fields[19] = "AV"  // available for patient care
        return fields
    }

    /// `2026-07-14T10:30:00+01:00` → `20260714103000+0100`: the sender's wall time with its offset.
    package static func hl7Time(_ t: RFC3339Timestamp) -> String {
        let r = Array(t.rawValue)
        let digits = String(r[0..<4]) + String(r[5..<7]) + String(r[8..<10]) + String(r[11..<13]) + String(r[14..<16]) + String(r[17..<19])
        let zone = r[19...].drop { $0 != "Z" && $0 != "+" && $0 != "-" }
        if zone.first == "Z" { return digits + "+0000" }
        return digits + String(zone).replacingOccurrences(of: ":", with: "")
    }

    static func e(_ text: String) -> String { HL7Escaping.encode(text) }
}
