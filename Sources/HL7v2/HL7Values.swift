/// A field as decoded values: repetitions → components → sub-components.
/// Text here is plain (unescaped); the encoder adds escapes.
package struct HL7Field: Sendable, Equatable, ExpressibleByStringLiteral, CustomStringConvertible {
    package var repetitions: [[[String]]]

    package init(repetitions: [[[String]]]) {
        self.repetitions = repetitions.isEmpty ? [[[""]]] : repetitions
    }

    /// One repetition, one component.
    package init(_ text: String) { repetitions = [[[text]]] }
    package init(stringLiteral text: String) { self.init(text) }

    /// One repetition with these components.
    package init(components: [String]) {
        repetitions = [components.isEmpty ? [[""]] : components.map { [$0] }]
    }

    package var isEmpty: Bool { repetitions.allSatisfy { $0.allSatisfy { $0.allSatisfy(\.isEmpty) } } }

    /// First repetition, component and sub-component.
    package var firstValue: String { repetitions.first?.first?.first ?? "" }

    package var description: String { HL7Encoder.encodeField(self, encoding: .standard) }
}

/// A segment as values; `fields[0]` is field 1. For MSH (and BHS/FHS) the
/// encoder writes fields 1 and 2 from the encoding characters, so whatever
/// is stored there is ignored.
package struct HL7SegmentValue: Sendable, Equatable {
    package var name: String
    package var fields: [HL7Field]

    package init(name: String, fields: [HL7Field] = []) {
        self.name = name
        self.fields = fields
    }

    /// Field by 1-based number; setting past the end pads with empty fields.
    package subscript(field n: Int) -> HL7Field {
        get { n >= 1 && n <= fields.count ? fields[n - 1] : HL7Field("") }
        set {
            precondition(n >= 1, "HL7 field numbers start at 1")
            while fields.count < n { fields.append(HL7Field("")) }
            fields[n - 1] = newValue
        }
    }

    var isHeader: Bool { name == "MSH" || name == "BHS" || name == "FHS" }
}

package enum HL7Encoder {
    /// Segments → wire bytes, escaping text as needed, each segment followed
    /// by `segmentTerminator` (CR, as the standard says).
    package static func encode(
        _ segments: [HL7SegmentValue], encoding: HL7EncodingCharacters = .standard, segmentTerminator: UInt8 = 0x0D
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(segments.count * 80)
        for segment in segments {
            out.append(contentsOf: segment.name.utf8)
            var first = 1
            if segment.isHeader {
                out.append(encoding.field)
                out.append(contentsOf: encoding.msh2.utf8)
                first = 3
            }
            if segment.fields.count >= first {
                for n in first...segment.fields.count {
                    out.append(encoding.field)
                    append(segment.fields[n - 1], encoding, &out)
                }
            }
            out.append(segmentTerminator)
        }
        return out
    }

    package static func encodeField(_ field: HL7Field, encoding: HL7EncodingCharacters) -> String {
        var out: [UInt8] = []
        append(field, encoding, &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func append(_ field: HL7Field, _ enc: HL7EncodingCharacters, _ out: inout [UInt8]) {
        for (ri, rep) in field.repetitions.enumerated() {
            if ri > 0 { out.append(enc.repetition) }
            for (ci, comp) in rep.enumerated() {
                if ci > 0 { out.append(enc.component) }
                for (si, sub) in comp.enumerated() {
                    if si > 0 { out.append(enc.subcomponent) }
                    HL7Escaping.encode(sub, enc, into: &out)
                }
            }
        }
    }
}
