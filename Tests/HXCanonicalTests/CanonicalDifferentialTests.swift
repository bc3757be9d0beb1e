import Foundation
import HXTranslate
import HXWorkload
import Testing
@testable import HXCanonical

/// The hand-written canonical JSON (CanonicalWriter, CanonicalReader) against the
/// Codable form through Foundation (CodableCanonicalJSON), the reference: the
/// same bytes for every message, the same value or the same error (kind, path
/// and message) for every input, over the synthetic traffic, the adapters'
/// sample messages, the agreement test messages, generated edge cases and
/// mutated inputs.
enum Differential {
    static func referenceBytes(_ m: CanonicalMessage) -> [UInt8] { Array(CodableCanonicalJSON.encode(m)) }

    static func reference(_ bytes: [UInt8]) -> Result<CanonicalMessage, CanonicalDecodingError> {
        Result { () throws(CanonicalDecodingError) in try CodableCanonicalJSON.decode(Data(bytes)) }
    }

    /// Encoding: byte for byte as the reference; the bytes read back to the message.
    static func checkEncoding(_ m: CanonicalMessage, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = CanonicalJSON.bytes(m)
        let reference = referenceBytes(m)
        if bytes != reference {
            // Shown as text, but compared as bytes: Swift strings would call é and e + U+0301 equal.
            Issue.record("bytes differ:\n\(String(decoding: bytes, as: UTF8.self))\nreference:\n\(String(decoding: reference, as: UTF8.self))",
                         sourceLocation: sourceLocation)
        }
        #expect(Array(CanonicalJSON.encode(m)) == bytes, sourceLocation: sourceLocation)
        #expect(CanonicalReader.read(bytes) == m, "the fast reader declined its own writer's bytes", sourceLocation: sourceLocation)
    }

    /// Decoding: the public decoder gives what the reference gives, value or error; the fast
    /// reader, when it accepts at all, reads what the reference reads.
    @discardableResult
    static func checkDecoding(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> Result<CanonicalMessage, CanonicalDecodingError> {
        let expected = reference(bytes)
        let actual = Result { () throws(CanonicalDecodingError) in try CanonicalJSON.decode(bytes) }
        let viaData = Result { () throws(CanonicalDecodingError) in try CanonicalJSON.decode(Data(bytes)) }
        let text = String(decoding: bytes.prefix(400), as: UTF8.self)
        #expect(actual == expected, "\(text)", sourceLocation: sourceLocation)
        #expect(viaData == expected, "\(text)", sourceLocation: sourceLocation)
        if let fast = CanonicalReader.read(bytes) {
            #expect(expected == .success(fast), "fast reader accepted: \(text)", sourceLocation: sourceLocation)
        }
        return expected
    }
}

@Suite struct CanonicalDifferentialTests {
    // MARK: Corpora

    @Test func samples() {
        for m in Samples.all {
            Differential.checkEncoding(m)
            Differential.checkDecoding(Differential.referenceBytes(m))
        }
    }

    @Test func syntheticTraffic() {
        var workload = SyntheticHalton(seed: 11)
        var messages = 0
        for i in 0..<3_000 {
            let r = workload.next(index: i)
            // Broken records included: their errors must match too.
            let result = Differential.checkDecoding(r.value)
            guard let m = r.message else { continue }
            messages += 1
            Differential.checkEncoding(m)
            #expect(result == .success(m))
            // Every real message takes the fast path.
            #expect(CanonicalReader.read(r.value) == m)
            // As would the router's deliveries: sensitivity unions, minimised copies.
            Differential.checkEncoding(m.withSensitivityUnion())
        }
        #expect(messages > 2_900)
    }

    @Test func adapterSampleMessages() throws {
        let adapters = TestPaths.root.appendingPathComponent("adapters")
        var messages = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: adapters.path).sorted() {
            let directory = adapters.appendingPathComponent(name)
            guard case .success(let configuration) = AdapterConfiguration.load(directory: directory) else { continue }
            let samples = directory.appendingPathComponent("samples")
            for file in (try? FileManager.default.contentsOfDirectory(atPath: samples.path)) ?? [] {
                let input = try Data(contentsOf: samples.appendingPathComponent(file))
                for case .message(let m) in Translator.translate(configuration: configuration, input: input) {
                    messages += 1
                    Differential.checkEncoding(m)
                    Differential.checkDecoding(CanonicalJSON.bytes(m))
                }
            }
        }
        #expect(messages >= 10)
    }

    /// The agreement test messages are written by hand (indented, in their own key order).
    @Test func handWrittenTestMessages() throws {
        let folder = TestPaths.root.appendingPathComponent("config/tests/messages")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(!files.isEmpty)
        for file in files {
            let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(file)))
            let result = Differential.checkDecoding(bytes)
            #expect(CanonicalReader.read(bytes) != nil, "\(file) should take the fast path")
            if case .success(let m) = result { Differential.checkEncoding(m) }
        }
    }

    // MARK: Generated edge cases

    /// Strings that stress escaping and UTF-8: every ASCII control, quote, backslash,
    /// slash, DEL, non-ASCII of every UTF-8 length, combining marks (no normalisation),
    /// separators JavaScript treats as line ends, a BOM, noncharacters, the empty string.
    static let awkward: [String] = {
        var all = ["", "\"", "\\", "/", "\\/", "\u{7F}", "é", "e\u{301}", "\u{E9}\u{301}", "😀", "👩‍⚕️", "\u{2028}\u{2029}",
                   "\u{FEFF}", "\u{FFFF}", "\u{10FFFF}", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}",
                   "a\u{0}b", "</script>", "O'Halton", "tab\there", "line\r\nend", "\\u0041", "{\"a\":[1,2]}",
                   "Ŵŷńñ Ⅻ 中文 עברית", String(repeating: "long ", count: 400)]
        all.append(String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }))
        for c in 0..<0x20 { all.append("x" + String(Character(Unicode.Scalar(UInt8(c)))) + "y") }
        return all
    }()

    struct Generator {
        var random: SplitMix64
        mutating func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        mutating func chance(_ n: UInt64 = 2) -> Bool { random.next() % n == 0 }
        mutating func text() -> String { chance(3) ? pick(CanonicalDifferentialTests.awkward) : pick(["RWW", "PAS", "x", "Made-up 1"]) }
        mutating func maybe(_ f: (inout Generator) -> String) -> String? { chance() ? nil : f(&self) }
        mutating func labels() -> [SensitivityLabel] { SensitivityLabel.allCases.filter { _ in chance(3) } }
        mutating func maybeLabels() -> [SensitivityLabel]? { chance() ? nil : labels() }
        mutating func time() -> RFC3339Timestamp {
            pick(["2026-07-15T10:30:00+01:00", "2026-01-01T00:00:00Z", "2026-03-29T01:30:00.123456-05:30", "1999-12-31T23:59:59Z"]
                .compactMap(RFC3339Timestamp.init))
        }
        mutating func list<T>(_ f: (inout Generator) -> T) -> [T] { (0..<Int(random.next() % 4)).map { _ in f(&self) } }
        mutating func coded() -> CodedEntry {
            CodedEntry(code: maybe { $0.text() }, system: maybe { $0.text() }, display: maybe { $0.text() }, sensitivity: maybeLabels())
        }

        mutating func message() -> CanonicalMessage {
            let number = chance(4) ? nil : try? NHSNumber(pick(["9434765919", "9990000379", "9990000743"]))
            let subject = Subject(
                nhsNumber: number, identityStatus: number == nil ? .unresolved : pick([.verified, .matched]),
                localIdentifiers: list { LocalIdentifier(system: $0.text(), value: $0.text()) },
                name: chance() ? nil : PersonName(family: maybe { $0.text() }, given: list { $0.text() }),
                birthDate: chance() ? nil : CalendarDate(year: 1900 + Int(random.next() % 126), month: 1 + Int(random.next() % 12), day: 1 + Int(random.next() % 28)),
                gender: chance() ? nil : pick(Gender.allCases), postcode: maybe { $0.text() }, registeredPractice: maybe { $0.text() })
            let payload: Payload
            switch random.next() % 3 {
            case 0:
                payload = .dischargeSummary(DischargeSummary(
                    admittedAt: chance() ? nil : time(), dischargedAt: time(), dischargingOrganisation: text(),
                    dischargingClinician: maybe { $0.text() }, dischargeMethod: maybe { $0.text() },
                    dischargeDestination: chance() ? nil : pick(DischargeDestination.allCases),
                    diagnoses: list { $0.coded() }, procedures: list { $0.coded() },
                    medications: list { g in
                        Medication(name: g.text(), dose: g.maybe { $0.text() }, route: g.maybe { $0.text() },
                                   frequency: g.maybe { $0.text() }, status: g.pick(MedicationStatus.allCases), sensitivity: g.maybeLabels())
                    },
                    allergies: list { $0.coded() },
                    followUp: list { g in FollowUp(action: g.text(), owner: g.pick(FollowUpOwner.allCases), sensitivity: g.maybeLabels()) },
                    careNeedsOnDischarge: chance(), narrative: maybe { $0.text() }))
            case 1:
                let event = pick(SocialCareEvent.allCases)
                payload = .socialCareNotification(SocialCareNotification(
                    event: event, pathway: event == .dischargeToAssess && chance() ? Int(random.next() % 4) : nil,
                    service: maybe { $0.text() }, team: maybe { $0.text() }, effectiveFrom: chance() ? nil : time(),
                    effectiveTo: chance() ? nil : time(), details: maybe { $0.text() }, contact: maybe { $0.text() }))
            default:
                payload = .referral(Referral(
                    referralId: text(), fromOrganisation: text(), fromService: maybe { $0.text() }, toOrganisation: text(),
                    toService: maybe { $0.text() }, priority: pick(ReferralPriority.allCases), reason: maybe { $0.text() },
                    clinicalSummary: maybe { $0.text() }, requestedAt: time(), consentToShare: chance() ? nil : chance()))
            }
            return CanonicalMessage(
                id: CanonicalMessage.deriveID(sourceOrganisation: "RWW", sourceMessageID: "\(random.next())"),
                occurredAt: time(),
                source: Source(organisation: text(), system: text(), adapter: text(), messageId: text()),
                subject: subject, sensitivity: labels(), payload: payload)
        }
    }

    @Test func generatedMessages() {
        var g = Generator(random: SplitMix64(seed: 2026))
        for _ in 0..<2_000 {
            let m = g.message()
            Differential.checkEncoding(m)
            #expect(Differential.checkDecoding(CanonicalJSON.bytes(m)) == .success(m))
        }
    }

    @Test func emptyAndAbsentOptionals() {
        let bare = CanonicalMessage(
            id: UUID(uuidString: "00000000-0000-5000-8000-000000000000")!, occurredAt: RFC3339Timestamp("2026-01-01T00:00:00Z")!,
            source: Source(organisation: "", system: "", adapter: "", messageId: ""),
            subject: Subject(nhsNumber: nil, identityStatus: .unresolved),
            payload: .dischargeSummary(DischargeSummary(dischargedAt: RFC3339Timestamp("2026-01-01T00:00:00Z")!, dischargingOrganisation: "", careNeedsOnDischarge: false)))
        Differential.checkEncoding(bare)
        var withEmpties = bare
        withEmpties.subject.name = PersonName(family: nil, given: [])
        withEmpties.payload = .dischargeSummary(DischargeSummary(
            dischargedAt: RFC3339Timestamp("2026-01-01T00:00:00Z")!, dischargingOrganisation: "",
            diagnoses: [CodedEntry(code: nil, system: nil, display: nil, sensitivity: [])], careNeedsOnDischarge: true))
        Differential.checkEncoding(withEmpties)
        for m in [bare, withEmpties] { #expect(Differential.checkDecoding(CanonicalJSON.bytes(m)) == .success(m)) }
    }

    // MARK: Inputs written by hand

    static func sampleText(_ m: CanonicalMessage = Samples.referral) -> String { String(decoding: CanonicalJSON.bytes(m), as: UTF8.self) }

    /// Same message, other JSON: whitespace, member order, escapes, unknown members. All
    /// valid RFC 8259, all read by the fast reader.
    @Test func otherSpellingsOfTheSameMessage() throws {
        let m = Samples.referral
        let text = Self.sampleText(m)
        let pretty = String(decoding: try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(text.utf8)), options: [.prettyPrinted]), as: UTF8.self)
        let variants = [
            " \t\r\n" + text + "\n\n",
            pretty,
            text.replacingOccurrences(of: ",", with: " ,\n\t"),
            text.replacingOccurrences(of: #""REF-9""#, with: #""\u0052EF\u002d9""#),
            text.replacingOccurrences(of: #""Frailty; lives alone.""#, with: #""Frailty;\u0020lives alone\u002e""#),
            text.replacingOccurrences(of: #""hx.canonical/1""#, with: #""hx.canonical\/1""#),
            text.replacingOccurrences(of: #""schema":"#, with: #""future":{"a":[1,-2.5e+3,0.0,1E9,true,false,null,"\ud83d\ude00",{}],"b":""},"schema":"#),
            "{" + #""zzz":[],"# + text.dropFirst(),
        ]
        for v in variants {
            let bytes = Array(v.utf8)
            #expect(Differential.checkDecoding(bytes) == .success(m), "\(v)")
            #expect(CanonicalReader.read(bytes) == m, "fast path should take: \(v)")
        }
        // Member order: the type after, before and in the middle of the payload.
        var object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let type = object.removeValue(forKey: "type")!
        for position in 0...object.count {
            var keys = object.keys.sorted()
            keys.insert("type", at: position)
            var parts: [String] = []
            for k in keys {
                let value = k == "type" ? type : object[k]!
                parts.append("\"\(k)\":" + String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), as: UTF8.self))
            }
            let bytes = Array(("{" + parts.joined(separator: ",") + "}").utf8)
            #expect(Differential.checkDecoding(bytes) == .success(m))
            #expect(CanonicalReader.read(bytes) == m)
        }
        // Escaped unicode in values: BMP, surrogate pair, upper- and lower-case hex.
        let escaped = text.replacingOccurrences(of: #""Two falls in a month""#, with: #""\u00e9\u00C9 \ud83d\ude00 \uD83D\uDE00 \u2028""#)
        guard case .success(let read) = Differential.checkDecoding(Array(escaped.utf8)), case .referral(let r) = read.payload else {
            Issue.record("escaped text not read")
            return
        }
        #expect(r.reason == "éÉ 😀 😀 \u{2028}")
    }

    /// JSON that Foundation's JSONDecoder reads although RFC 8259 does not allow it, or
    /// rejects although the fast reader could read it: all declined by the fast reader,
    /// so the reference decides, and the outcome is what it always was.
    @Test func foundationsLeniencyAndStrictnessAreKept() {
        let text = Self.sampleText()
        let variants: [[UInt8]] = [
            Array(text.replacingOccurrences(of: #""RY2","#, with: #""RY2",,"#).utf8),
            Array(text.replacingOccurrences(of: "]", with: ",]").utf8),                            // trailing comma in arrays
            Array(text.replacingOccurrences(of: "}", with: ",}").utf8),                            // and objects
            Array(text.replacingOccurrences(of: #""referralId":"REF-9""#, with: #""referralId":"REF-9","referralId":"OTHER""#).utf8),
            Array(text.replacingOccurrences(of: #""schema":"#, with: #""x":01,"y":-,"z":1.,"w":1e,"schema":"#).utf8),
            Array(text.replacingOccurrences(of: #""schema":"#, with: #""x":"\x","y":"\ud83d","schema":"#).utf8),
            Array(text.replacingOccurrences(of: #""schema":"#, with: #""x":NaN,"schema":"#).utf8),
            Array(text.replacingOccurrences(of: #""schema":"#, with: #""\u0073chema":"hx.canonical/1","s2":"#).utf8),
            Array(text.replacingOccurrences(of: #""id":"#, with: #""\u0069d":"#).utf8),
            [0xEF, 0xBB, 0xBF] + Array(text.utf8),                                                  // byte order mark
            Array(text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),                       // UTF-16LE
            Array(text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }),                       // UTF-16BE
            Array((text + "x").utf8), Array((text + "{}").utf8), Array((text + "\u{0C}").utf8), Array(("\u{A0}" + text).utf8),
            Array(text.replacingOccurrences(of: #""schema":"#, with: #""x":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + #","schema":"#).utf8),
            Array(text.replacingOccurrences(of: #""schema":"#, with: #""x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + #","schema":"#).utf8),
        ]
        for bytes in variants { Differential.checkDecoding(bytes) }
    }

    /// Bytes that are not UTF-8, raw control characters, bad escapes: in a value that is
    /// read, in a name, and in a member nobody reads.
    @Test func badBytesAndEscapes() {
        let text = Self.sampleText()
        let insertions: [[UInt8]] = [[0xFF], [0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x01], [0x09], [0x0A], [0x00],
                                     Array(#"\x"#.utf8), Array(#"\u12"#.utf8), Array(#"\u00g0"#.utf8), Array(#"\ud83d"#.utf8),
                                     Array(#"\ude00"#.utf8), Array(#"\ud83d\ud83d"#.utf8), Array(#"\ud83dx"#.utf8), Array(#"\u0000"#.utf8), [0x7F]]
        for bad in insertions {
            for (marker, split) in [("Two falls", 3), ("\"toService", 3), ("\"schema", 3)] {
                let range = text.range(of: marker)!
                let cut = text.utf8.index(range.lowerBound, offsetBy: split)
                Differential.checkDecoding(Array(text.utf8[..<cut]) + bad + Array(text.utf8[cut...]))
            }
            let unknown = text.replacingOccurrences(of: #""schema":"#, with: #""x":"<>","schema":"#)
            let at = unknown.range(of: "<>")!
            Differential.checkDecoding(Array(unknown.utf8[..<at.lowerBound]) + bad + Array(unknown.utf8[at.upperBound...]))
        }
    }

    @Test func pathwayNumbers() {
        let text = Self.sampleText(Samples.socialCare)
        for value in ["0", "3", "4", "-1", "-0", "1.0", "1e0", "1E+0", "2.5", "01", "1.", "+1", "99999999999999999999", "-9223372036854775808",
                      "9223372036854775807", "\"1\"", "null", "true", "[]", "{}"] {
            Differential.checkDecoding(Array(text.replacingOccurrences(of: #""pathway":2"#, with: #""pathway":"# + value).utf8))
        }
    }

    @Test func nhsNumbers() {
        let text = Self.sampleText(Samples.discharge)
        for value in ["\"9434765919\"", "\"9434765918\"", "\"943 476 5919\"", "\"943-476-5919\"", "\" 9434765919\"", "\"94347659190\"",
                      "\"\"", "null", "9434765919", "\"943476591X\"", "\"９４３４７６５９１９\""] {
            Differential.checkDecoding(Array(text.replacingOccurrences(of: #""nhsNumber":"9434765919""#, with: #""nhsNumber":"# + value).utf8))
        }
    }

    @Test func prefixesAreErrorsAsBefore() {
        let bytes = CanonicalJSON.bytes(Samples.discharge)
        for n in stride(from: 0, to: bytes.count, by: 7) { Differential.checkDecoding(Array(bytes.prefix(n))) }
        for text in ["", " ", "{", "[]", "null", "\"x\"", "1", "not json", "{}", "{\"schema\":\"hx.canonical/1\"}"] {
            Differential.checkDecoding(Array(text.utf8))
        }
    }

    /// Every member of every sample, in turn: removed, null, or of each other JSON type.
    @Test func everyMemberMissingNullOrOfTheWrongType() throws {
        let replacements: [Any?] = [nil, NSNull(), 42, 1.5, "x", true, [Any](), [String: Any](), ["x"], ["a": 1]]
        for m in Samples.all {
            let root = try JSONSerialization.jsonObject(with: CanonicalJSON.encode(m))
            var count = 0
            func visit(_ path: [Any]) throws {
                for r in replacements {
                    let edited = Self.replacing(root, at: path[...], with: r)
                    let data = try JSONSerialization.data(withJSONObject: edited, options: [.sortedKeys, .fragmentsAllowed])
                    Differential.checkDecoding(Array(data))
                    count += 1
                }
            }
            func walk(_ value: Any, _ path: [Any]) throws {
                if let object = value as? [String: Any] {
                    for (k, v) in object {
                        try visit(path + [k])
                        try walk(v, path + [k])
                    }
                } else if let array = value as? [Any] {
                    for (i, v) in array.enumerated() {
                        try visit(path + [i])
                        try walk(v, path + [i])
                    }
                }
            }
            try walk(root, [])
            #expect(count > 100)
        }
    }

    /// `value` with the member or item at `path` replaced by `replacement` (removed when nil).
    static func replacing(_ value: Any, at path: ArraySlice<Any>, with replacement: Any?) -> Any {
        guard let step = path.first else { return replacement ?? NSNull() }
        let rest = path.dropFirst()
        if var object = value as? [String: Any], let key = step as? String {
            if rest.isEmpty, replacement == nil { object.removeValue(forKey: key) } else { object[key] = replacing(object[key]!, at: rest, with: replacement) }
            return object
        }
        if var array = value as? [Any], let index = step as? Int {
            if rest.isEmpty, replacement == nil { array.remove(at: index) } else { array[index] = replacing(array[index], at: rest, with: replacement) }
            return array
        }
        return value
    }

    /// Random damage to valid messages: byte changes, insertions of JSON's own
    /// characters, deletions, repeated slices. Seeded, so a failure repeats.
    @Test func mutatedInputs() {
        var random = SplitMix64(seed: 4)
        let alphabet = Array(#"{}[]:,"\/ 0123456789-+.eEtrufalsn"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xA9, 0xED, 0xFF]
        var accepted = 0
        for m in Samples.all {
            let original = CanonicalJSON.bytes(m)
            for _ in 0..<1_500 {
                var bytes = original
                for _ in 0...(random.next() % 3) {
                    let at = Int(random.next() % UInt64(bytes.count))
                    switch random.next() % 4 {
                    case 0: bytes[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    case 1: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                    case 2: bytes.remove(at: at)
                    default:
                        let repeated = Array(bytes[at..<min(bytes.count, at + Int(random.next() % 12))])
                        bytes.insert(contentsOf: repeated, at: at)
                    }
                }
                if case .success = Differential.checkDecoding(bytes) { accepted += 1 }
            }
        }
        // Some damage leaves a valid message (inside a free-text value): both paths are exercised.
        #expect(accepted > 0)
    }
}

enum TestPaths {
    /// The package root, found from this file so the tests run from any directory.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
