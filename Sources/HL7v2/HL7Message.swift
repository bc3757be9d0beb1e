import Foundation

package struct HL7ParseOptions: Sendable {
    /// Larger inputs are refused before any other work (`hl7-input-too-large`).
    package var maxInputSize: Int

    package init(maxInputSize: Int = 1 << 20) {
        self.maxInputSize = maxInputSize
    }
}

/// A parsed HL7 v2 message.
///
/// Parsing validates the bytes (UTF-8, MSH, delimiters, segment names) and
/// records only where segments and fields start; components, repetitions,
/// sub-components and escapes are worked out when a value is asked for.
/// That keeps parsing a single pass with no per-character String work.
package struct HL7Message: Sendable {
    package let encoding: HL7EncodingCharacters
    let bytes: [UInt8]
    let spans: [SegmentSpan]
    /// Positions of field separators, each segment's run contiguous.
    let separators: [Int]

    struct SegmentSpan: Sendable {
        let start: Int
        let end: Int
        let firstSeparator: Int
        let separatorCount: Int
        let name: UInt32
    }

    package init(_ data: Data, options: HL7ParseOptions = HL7ParseOptions()) throws(HL7Error) {
        try self.init([UInt8](data), options: options)
    }

    package init(_ text: String, options: HL7ParseOptions = HL7ParseOptions()) throws(HL7Error) {
        try self.init(Array(text.utf8), options: options)
    }

    package init(_ bytes: [UInt8], options: HL7ParseOptions = HL7ParseOptions()) throws(HL7Error) {
        guard bytes.count <= options.maxInputSize else {
            throw HL7Error(.inputTooLarge, location: "message",
                           message: "message is \(bytes.count) bytes, the limit is \(options.maxInputSize)")
        }
        if let bad = bytes.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) {
            let hex = String(bytes[bad], radix: 16, uppercase: true)
            throw HL7Error(.invalidUTF8, location: "byte \(bad)",
                           message: "invalid UTF-8 at byte offset \(bad) (0x\(hex))", byteOffset: bad)
        }
        self.bytes = bytes
        (encoding, spans, separators) = try Self.scan(bytes)
    }

    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A

    private static func scan(_ b: [UInt8]) throws(HL7Error) -> (HL7EncodingCharacters, [SegmentSpan], [Int]) {
        var start = 0
        // A UTF-8 byte order mark and blank lines before MSH are harmless.
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { start = 3 }
        while start < b.count, b[start] == cr || b[start] == lf { start += 1 }
        let rest = b[start...]
        let msh = Array("MSH".utf8)
        guard rest.count >= 3 else {
            if !rest.isEmpty, msh.starts(with: rest) {
                throw HL7Error(.truncated, location: "MSH", message: "input ends inside the MSH segment name")
            }
            throw HL7Error(.mshMissing, location: "MSH", message: "message does not start with an MSH segment")
        }
        guard rest.starts(with: msh) else {
            throw HL7Error(.mshMissing, location: "MSH", message: "message does not start with an MSH segment")
        }
        guard start + 3 < b.count, b[start + 3] != cr, b[start + 3] != lf else {
            throw HL7Error(.truncated, location: "MSH-1", message: "MSH segment ends before the field separator")
        }
        let fieldSep = b[start + 3]
        guard HL7EncodingCharacters.isAllowedDelimiter(fieldSep) else {
            throw HL7Error(.encodingCharactersInvalid, location: "MSH-1",
                           message: "field separator must be printable ASCII and not a letter or digit")
        }
        var k = start + 4
        while k < b.count, b[k] != fieldSep, b[k] != cr, b[k] != lf { k += 1 }
        if k == b.count {
            throw HL7Error(.truncated, location: "MSH-2", message: "input ends inside the encoding characters")
        }
        let declared = Array(b[(start + 4)..<k])
        guard declared.count == 4 || declared.count == 5,
              let enc = HL7EncodingCharacters(
                  field: fieldSep, component: declared[0], repetition: declared[1], escape: declared[2],
                  subcomponent: declared[3], truncation: declared.count == 5 ? declared[4] : nil)
        else {
            throw HL7Error(.encodingCharactersInvalid, location: "MSH-2",
                           message: "MSH-2 must be 4 (or, from v2.7, 5) distinct delimiter characters, found \(String(decoding: declared, as: UTF8.self).debugDescription)")
        }

        var spans: [SegmentSpan] = []
        spans.reserveCapacity(16)
        var seps: [Int] = []
        seps.reserveCapacity(b.count / 6)
        try b.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(HL7Error) in
            let n = p.count
            var i = start
            while i < n {
                // Skip line ends: CR, LF, CRLF and blank lines all separate segments.
                while i < n, p[i] == cr || p[i] == lf { i += 1 }
                if i >= n { break }
                let segStart = i
                let firstSep = seps.count
                var blank = true
                while i < n {
                    let c = p[i]
                    if c == cr || c == lf { break }
                    if c == fieldSep { seps.append(i) }
                    if blank && c != 0x20 && c != 0x09 { blank = false }
                    i += 1
                }
                if blank {
                    // A line of spaces only (often after the last segment) is not a segment.
                    continue
                }
                let number = spans.count + 1
                let length = i - segStart
                func isUpper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
                func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
                guard length >= 3, isUpper(p[segStart]),
                      isUpper(p[segStart + 1]) || isDigit(p[segStart + 1]),
                      isUpper(p[segStart + 2]) || isDigit(p[segStart + 2]),
                      length == 3 || p[segStart + 3] == fieldSep
                else {
                    let shown = String(decoding: p[segStart..<min(i, segStart + 8)], as: UTF8.self)
                    throw HL7Error(.segmentInvalid, location: "segment \(number)",
                                   message: "segment \(number) does not start with a 3-character segment id and a field separator: \(shown.debugDescription)",
                                   byteOffset: segStart, segmentIndex: number)
                }
                let name = UInt32(p[segStart]) << 16 | UInt32(p[segStart + 1]) << 8 | UInt32(p[segStart + 2])
                if number > 1, headerNames.contains(name) {
                    // A later MSH, BHS or FHS is read with this message's delimiters, and its
                    // fields 1 and 2 are taken to be them: any other MSH-2 would be misread.
                    let declaredEnd = segStart + 4 + declared.count
                    guard declaredEnd <= i, p[(segStart + 4)..<declaredEnd].elementsEqual(declared),
                          declaredEnd == i || p[declaredEnd] == fieldSep
                    else {
                        throw HL7Error(.encodingCharactersInvalid, location: "segment \(number)",
                                       message: "segment \(number) (\(nameString(name))) does not repeat the encoding characters of MSH-1 and MSH-2",
                                       byteOffset: segStart, segmentIndex: number)
                    }
                }
                spans.append(SegmentSpan(start: segStart, end: i, firstSeparator: firstSep,
                                         separatorCount: seps.count - firstSep, name: name))
            }
        }
        // MSH-9 (message type) is the last field every version requires
        // before any optional ones; without it the message was cut short.
        guard spans[0].separatorCount >= 8 else {
            throw HL7Error(.truncated, location: "MSH-9", message: "MSH segment ends before MSH-9 (message type)",
                           segmentIndex: 1)
        }
        return (enc, spans, seps)
    }

    // MARK: - Structure

    package var segmentCount: Int { spans.count }
    package var segmentNames: [String] { spans.map { Self.nameString($0.name) } }

    package func segment(at index: Int) -> HL7Segment { HL7Segment(message: self, index: index) }
    package var segments: [HL7Segment] { spans.indices.map { HL7Segment(message: self, index: $0) } }

    package func segments(named name: String) -> [HL7Segment] {
        guard let code = Self.nameCode(name) else { return [] }
        return spans.indices.filter { spans[$0].name == code }.map { HL7Segment(message: self, index: $0) }
    }

    /// The original bytes (as given to the parser).
    package var rawBytes: [UInt8] { bytes }

    /// The segments as received, joined with `terminator` (CR by default,
    /// as the standard says) and with one after the last segment.
    package func serialized(segmentTerminator terminator: [UInt8] = [0x0D]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + spans.count)
        for s in spans {
            out.append(contentsOf: bytes[s.start..<s.end])
            out.append(contentsOf: terminator)
        }
        return out
    }

    /// Every segment as decoded values (for building a changed copy).
    package var segmentValues: [HL7SegmentValue] { segments.map(\.value) }

    // MARK: - Values

    /// Decoded value at a terser-like path; omitted repetition, component and
    /// sub-component mean the first. nil when absent or empty (and for an
    /// unparseable path). `message["PID-3"]` of `9434765919^^^NHS^NH` is
    /// "9434765919"; use `rawValue(at:)` or `field(_:)` for the whole field.
    package subscript(path: String) -> String? {
        guard let p = HL7Path(path) else { return nil }
        return value(at: p)
    }

    package func value(at path: HL7Path) -> String? {
        guard let seg = segment(for: path) else { return nil }
        return seg.value(field: path.field, repetition: path.repetition ?? 1,
                         component: path.component ?? 1, subcomponent: path.subcomponent ?? 1)
    }

    /// The escaped text of exactly what the path names: the whole field with
    /// all repetitions for `PID-3`, one repetition for `PID-3(2)`, and so on.
    package func rawValue(at path: String) -> String? {
        guard let p = HL7Path(path), let seg = segment(for: p),
              let r = seg.range(field: p.field, repetition: p.repetition, component: p.component, subcomponent: p.subcomponent)
        else { return nil }
        return String(decoding: bytes[r], as: UTF8.self)
    }

    /// The whole field (all repetitions, decoded) that the path names.
    package func field(_ path: String) -> HL7Field? {
        guard let p = HL7Path(path), let seg = segment(for: p) else { return nil }
        return seg.field(p.field)
    }

    /// All repetitions of a field, e.g. every identifier in PID-3.
    package func repetitions(_ path: String) -> [[[String]]] {
        field(path)?.repetitions ?? []
    }

    func segment(for path: HL7Path) -> HL7Segment? {
        guard let code = Self.nameCode(path.segment) else { return nil }
        var seen = 0
        for (i, s) in spans.enumerated() where s.name == code {
            seen += 1
            if seen == path.occurrence { return HL7Segment(message: self, index: i) }
        }
        return nil
    }

    // MARK: - Header conveniences

    /// MSH-9.1, e.g. "ADT".
    package var messageCode: String? { self["MSH-9.1"] }
    /// MSH-9.2, e.g. "A03".
    package var triggerEvent: String? { self["MSH-9.2"] }
    /// MSH-10.
    package var controlID: String? { self["MSH-10"] }
    /// MSH-12.1.
    package var versionID: String? { self["MSH-12"] }

    static func nameCode(_ name: String) -> UInt32? {
        let u = Array(name.utf8)
        guard u.count == 3 else { return nil }
        return UInt32(u[0]) << 16 | UInt32(u[1]) << 8 | UInt32(u[2])
    }

    static func nameString(_ code: UInt32) -> String {
        String(decoding: [UInt8(truncatingIfNeeded: code >> 16), UInt8(truncatingIfNeeded: code >> 8), UInt8(truncatingIfNeeded: code)], as: UTF8.self)
    }

    static let headerNames: Set<UInt32> = Set(["MSH", "BHS", "FHS"].compactMap(nameCode))
}

/// One segment of a parsed message (a cheap view; the bytes are shared).
package struct HL7Segment: Sendable {
    let message: HL7Message
    package let index: Int

    private var span: HL7Message.SegmentSpan { message.spans[index] }

    package var name: String { HL7Message.nameString(span.name) }

    /// MSH, BHS and FHS count the field separator itself as field 1.
    var isHeader: Bool { HL7Message.headerNames.contains(span.name) }

    /// Highest field number present.
    package var fieldCount: Int { span.separatorCount + (isHeader ? 1 : 0) }

    /// The segment as received, without its terminator.
    package var rawText: String { String(decoding: message.bytes[span.start..<span.end], as: UTF8.self) }

    /// Byte range of field `n` (1-based), nil when absent.
    func fieldRange(_ n: Int) -> Range<Int>? {
        let s = span
        let element = isHeader ? n - 1 : n
        guard n >= 1, element >= 1, element <= s.separatorCount else { return nil }
        let lower = message.separators[s.firstSeparator + element - 1] + 1
        let upper = element == s.separatorCount ? s.end : message.separators[s.firstSeparator + element]
        return lower..<upper
    }

    /// Byte range of an element; nil parts mean "the whole of the level above".
    func range(field n: Int, repetition: Int?, component: Int?, subcomponent: Int?) -> Range<Int>? {
        let enc = message.encoding
        if isHeader && n == 1 {
            // MSH-1 is the separator byte itself (at offset 3 of the segment).
            return span.start + 3..<span.start + 4
        }
        guard var r = fieldRange(n) else { return nil }
        if isHeader && n == 2 { return (repetition ?? 1) == 1 && (component ?? 1) == 1 && (subcomponent ?? 1) == 1 ? r : nil }
        if let rep = repetition {
            guard let x = piece(r, enc.repetition, rep) else { return nil }
            r = x
        } else if component != nil {
            guard let x = piece(r, enc.repetition, 1) else { return nil }
            r = x
        }
        if let c = component {
            guard let x = piece(r, enc.component, c) else { return nil }
            r = x
        }
        if let sc = subcomponent {
            guard component != nil, let x = piece(r, enc.subcomponent, sc) else { return nil }
            r = x
        }
        return r
    }

    /// The `n`th (1-based) piece of `range` split on `delimiter`.
    private func piece(_ range: Range<Int>, _ delimiter: UInt8, _ n: Int) -> Range<Int>? {
        let b = message.bytes
        var count = 1
        var start = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            if b[i] == delimiter {
                if count == n { return start..<i }
                count += 1
                start = i + 1
            }
            i += 1
        }
        return count == n ? start..<range.upperBound : nil
    }

    /// Decoded leaf value; nil when absent or empty.
    package func value(field n: Int, repetition: Int = 1, component: Int = 1, subcomponent: Int = 1) -> String? {
        guard let r = range(field: n, repetition: repetition, component: component, subcomponent: subcomponent),
              !r.isEmpty
        else { return nil }
        if isHeader && n <= 2 { return String(decoding: message.bytes[r], as: UTF8.self) }
        return HL7Escaping.decode(message.bytes, r, message.encoding)
    }

    /// Field `n` fully split and decoded; nil when absent.
    package func field(_ n: Int) -> HL7Field? {
        if isHeader && n <= 2 {
            guard let r = range(field: n, repetition: nil, component: nil, subcomponent: nil) else { return nil }
            return HL7Field(String(decoding: message.bytes[r], as: UTF8.self))
        }
        guard let r = fieldRange(n) else { return nil }
        let enc = message.encoding
        let b = message.bytes
        func split(_ r: Range<Int>, _ d: UInt8) -> [Range<Int>] {
            var out: [Range<Int>] = []
            var start = r.lowerBound
            for i in r where b[i] == d {
                out.append(start..<i)
                start = i + 1
            }
            out.append(start..<r.upperBound)
            return out
        }
        let reps = split(r, enc.repetition).map { rep in
            split(rep, enc.component).map { comp in
                split(comp, enc.subcomponent).map { HL7Escaping.decode(b, $0, enc) }
            }
        }
        return HL7Field(repetitions: reps)
    }

    /// The segment as decoded values, fields 1...fieldCount.
    package var value: HL7SegmentValue {
        HL7SegmentValue(name: name, fields: fieldCount == 0 ? [] : (1...fieldCount).map { field($0) ?? HL7Field("") })
    }
}
