import Foundation

/// The canonical message's bytes, written directly. Must give exactly what the
/// Codable form gives through JSONEncoder with sorted keys and unescaped
/// slashes (`CodableCanonicalJSON.encode`, kept as the reference and compared in
/// HXCanonicalTests): delivery values, hashes and de-duplication depend on it.
/// Members are written in byte order of their names (JSONEncoder's `.sortedKeys`
/// order for ASCII names); absent optionals are left out, except the contract's
/// explicit nulls (`subject.nhsNumber`, `subject.registeredPractice`).
enum CanonicalWriter {
    static func bytes(_ m: CanonicalMessage) -> [UInt8] {
        var out = JSONBytes(capacity: 1536)
        out.raw(#"{"id":"#)
        out.uuid(m.id.uuid)
        out.raw(#","occurredAt":"#)
        out.string(m.occurredAt.rawValue)
        out.raw(#","payload":"#)
        switch m.payload {
        case .dischargeSummary(let d): write(d, &out)
        case .socialCareNotification(let s): write(s, &out)
        case .referral(let r): write(r, &out)
        }
        out.raw(#","schema":"hx.canonical/1","sensitivity":"#)
        labels(m.sensitivity, &out)
        out.raw(#","source":{"adapter":"#)
        out.string(m.source.adapter)
        out.raw(#","messageId":"#)
        out.string(m.source.messageId)
        out.raw(#","organisation":"#)
        out.string(m.source.organisation)
        out.raw(#","system":"#)
        out.string(m.source.system)
        out.raw(#"},"subject":"#)
        write(m.subject, &out)
        out.raw(#","type":"#)
        out.string(m.payload.type.rawValue)
        out.byte(UInt8(ascii: "}"))
        return out.bytes
    }

    /// Writes `,"name":` before every member but the first of an object.
    struct Members {
        var first = true
        mutating func name(_ name: StaticString, _ out: inout JSONBytes) {
            out.byte(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            out.byte(UInt8(ascii: "\""))
            out.raw(name)
            out.raw("\":")
        }
        mutating func string(_ name: StaticString, _ value: String?, _ out: inout JSONBytes) {
            guard let value else { return }
            self.name(name, &out)
            out.string(value)
        }
        mutating func labels(_ name: StaticString, _ value: [SensitivityLabel]?, _ out: inout JSONBytes) {
            guard let value else { return }
            self.name(name, &out)
            CanonicalWriter.labels(value, &out)
        }
        /// `{}` for an object with no member (cannot happen for the types here, but the form is kept).
        func close(_ out: inout JSONBytes) {
            if first { out.byte(UInt8(ascii: "{")) }
            out.byte(UInt8(ascii: "}"))
        }
    }

    static func labels(_ values: [SensitivityLabel], _ out: inout JSONBytes) {
        out.byte(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { out.byte(UInt8(ascii: ",")) }
            out.string(v.rawValue)
        }
        out.byte(UInt8(ascii: "]"))
    }

    static func list<T>(_ values: [T], _ out: inout JSONBytes, _ item: (T, inout JSONBytes) -> Void) {
        out.byte(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { out.byte(UInt8(ascii: ",")) }
            item(v, &out)
        }
        out.byte(UInt8(ascii: "]"))
    }

    static func write(_ s: Subject, _ out: inout JSONBytes) {
        var o = Members()
        o.string("birthDate", s.birthDate?.description, &out)
        o.string("gender", s.gender?.rawValue, &out)
        o.name("identityStatus", &out)
        out.string(s.identityStatus.rawValue)
        o.name("localIdentifiers", &out)
        list(s.localIdentifiers, &out) { id, out in
            out.raw(#"{"system":"#)
            out.string(id.system)
            out.raw(#","value":"#)
            out.string(id.value)
            out.byte(UInt8(ascii: "}"))
        }
        if let name = s.name {
            o.name("name", &out)
            var n = Members()
            n.string("family", name.family, &out)
            n.name("given", &out)
            out.strings(name.given)
            n.close(&out)
        }
        o.name("nhsNumber", &out)
        if let number = s.nhsNumber { out.string(number.digits) } else { out.null() }
        o.string("postcode", s.postcode, &out)
        o.name("registeredPractice", &out)
        if let practice = s.registeredPractice { out.string(practice) } else { out.null() }
        o.close(&out)
    }

    static func coded(_ e: CodedEntry, _ out: inout JSONBytes) {
        var o = Members()
        o.string("code", e.code, &out)
        o.string("display", e.display, &out)
        o.labels("sensitivity", e.sensitivity, &out)
        o.string("system", e.system, &out)
        o.close(&out)
    }

    static func write(_ d: DischargeSummary, _ out: inout JSONBytes) {
        var o = Members()
        o.string("admittedAt", d.admittedAt?.rawValue, &out)
        o.name("allergies", &out)
        list(d.allergies, &out, coded)
        o.name("careNeedsOnDischarge", &out)
        out.bool(d.careNeedsOnDischarge)
        o.name("diagnoses", &out)
        list(d.diagnoses, &out, coded)
        o.string("dischargeDestination", d.dischargeDestination?.rawValue, &out)
        o.string("dischargeMethod", d.dischargeMethod, &out)
        o.name("dischargedAt", &out)
        out.string(d.dischargedAt.rawValue)
        o.string("dischargingClinician", d.dischargingClinician, &out)
        o.name("dischargingOrganisation", &out)
        out.string(d.dischargingOrganisation)
        o.name("followUp", &out)
        list(d.followUp, &out) { f, out in
            var m = Members()
            m.name("action", &out)
            out.string(f.action)
            m.name("owner", &out)
            out.string(f.owner.rawValue)
            m.labels("sensitivity", f.sensitivity, &out)
            m.close(&out)
        }
        o.name("medications", &out)
        list(d.medications, &out) { med, out in
            var m = Members()
            m.string("dose", med.dose, &out)
            m.string("frequency", med.frequency, &out)
            m.name("name", &out)
            out.string(med.name)
            m.string("route", med.route, &out)
            m.labels("sensitivity", med.sensitivity, &out)
            m.name("status", &out)
            out.string(med.status.rawValue)
            m.close(&out)
        }
        o.string("narrative", d.narrative, &out)
        o.name("procedures", &out)
        list(d.procedures, &out, coded)
        o.close(&out)
    }

    static func write(_ s: SocialCareNotification, _ out: inout JSONBytes) {
        var o = Members()
        o.string("contact", s.contact, &out)
        o.string("details", s.details, &out)
        o.string("effectiveFrom", s.effectiveFrom?.rawValue, &out)
        o.string("effectiveTo", s.effectiveTo?.rawValue, &out)
        o.name("event", &out)
        out.string(s.event.rawValue)
        if let pathway = s.pathway {
            o.name("pathway", &out)
            out.int(pathway)
        }
        o.string("service", s.service, &out)
        o.string("team", s.team, &out)
        o.close(&out)
    }

    static func write(_ r: Referral, _ out: inout JSONBytes) {
        var o = Members()
        o.string("clinicalSummary", r.clinicalSummary, &out)
        if let consent = r.consentToShare {
            o.name("consentToShare", &out)
            out.bool(consent)
        }
        o.name("fromOrganisation", &out)
        out.string(r.fromOrganisation)
        o.string("fromService", r.fromService, &out)
        o.name("priority", &out)
        out.string(r.priority.rawValue)
        o.string("reason", r.reason, &out)
        o.name("referralId", &out)
        out.string(r.referralId)
        o.name("requestedAt", &out)
        out.string(r.requestedAt.rawValue)
        o.name("toOrganisation", &out)
        out.string(r.toOrganisation)
        o.string("toService", r.toService, &out)
        o.close(&out)
    }
}
