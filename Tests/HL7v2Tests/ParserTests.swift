import Foundation
import Testing
@testable import HL7v2

@Suite struct ParserTests {
    let message = try! HL7Message(SampleMessages.discharge())

    @Test func mshNumberingFollowsTheStandard() {
        #expect(message["MSH-1"] == "|")
        #expect(message["MSH-2"] == #"^~\&"#)
        #expect(message["MSH-3"] == "WHH_PAS")
        #expect(message["MSH-4.2"] == "Warrington and Halton")
        #expect(message["MSH-9"] == "ADT")
        #expect(message["MSH-9.2"] == "A03")
        #expect(message["MSH-9.3"] == "ADT_A03")
        #expect(message["MSH-10"] == "A03-000123")
        #expect(message.controlID == "A03-000123")
        #expect(message.triggerEvent == "A03")
        #expect(message.versionID == "2.4")
        #expect(message.segment(at: 0).fieldCount == 19)
    }

    @Test func terserPaths() {
        #expect(message["PID-3"] == "RWW1234567")
        #expect(message["PID-3(1).4"] == "RWW")
        #expect(message["PID-3(2)"] == "9434765919")
        #expect(message["PID-3(2).1"] == "9434765919")
        #expect(message["PID-3(2).4"] == "NHS")
        #expect(message["PID-3(2).5"] == "NH")
        #expect(message["PID-3(3)"] == nil)
        #expect(message["PID-5.1.1"] == "O'HALTON")
        #expect(message["PID-5.1.3"] == "O'HALTON")
        #expect(message["PID-5.2"] == "JANE")
        #expect(message["PID-5-2"] == "JANE")
        #expect(message["PID-7"] == "19480309")
        #expect(message["PID-11.5"] == "WA8 7AB")
        #expect(message["PD1-3.3"] == "N81035")
        #expect(message["PV1-36"] == "54")
        #expect(message["PV1-37.2"] == "Nursing home")
        #expect(message["PV1-44"] == "20260710140500")
        #expect(message["PV1-45"] == "20260715103000")
        #expect(message["DG1-3"] == "S72.0")
        #expect(message["DG1(2)-3.2"] == "Moderate depressive episode")
        #expect(message["DG1(3)-3"] == nil)
        #expect(message["ZDS-2"] == "Care home")
        #expect(message["PID-99"] == nil)
        #expect(message["ZZZ-1"] == nil)
        #expect(message["not a path"] == nil)
        #expect(message.rawValue(at: "PID-3") == "RWW1234567^^^RWW^MR~9434765919^^^NHS^NH")
        #expect(message.rawValue(at: "PID-3(2)") == "9434765919^^^NHS^NH")
        #expect(message.repetitions("PID-3").map { $0[0][0] } == ["RWW1234567", "9434765919"])
        #expect(message.segmentNames == ["MSH", "EVN", "PID", "PD1", "PV1", "DG1", "DG1", "PR1", "AL1", "NTE", "ZDS"])
        #expect(message.segments(named: "DG1").count == 2)
    }

    @Test func escapesAreDecodedOnRead() {
        #expect(message["PR1-3.2"] == "Hemiarthroplasty & primary")
        #expect(message["AL1-3.2"] == #"Penicillin \ amoxicillin"#)
        #expect(message["AL1-5"] == "Rash\nswelling")
        #expect(message["NTE-3"] == "Fit for discharge 15|07; needs 2 carers ^ hoist, see ~ notes NHé")
        // The raw form keeps the escapes.
        #expect(message.rawValue(at: "PR1-3.2") == #"Hemiarthroplasty \T\ primary"#)
    }

    @Test func unknownAndBrokenEscapesAreKeptVerbatim() {
        #expect(HL7Escaping.decode(#"a\H\bold\N\b"#) == #"a\H\bold\N\b"#)
        #expect(HL7Escaping.decode(#"unterminated \F"#) == #"unterminated \F"#)
        #expect(HL7Escaping.decode(#"\XZZ\"#) == #"\XZZ\"#)
        // Hex that is not UTF-8 (a Latin-1 é) is kept as written, not guessed.
        #expect(HL7Escaping.decode(#"caf\XE9\"#) == #"caf\XE9\"#)
        #expect(HL7Escaping.decode(#"caf\XC3A9\ \.br\x"#) == "café \nx")
    }

    @Test func lineEndingsAreEquivalent() throws {
        let cr = try HL7Message(SampleMessages.discharge(terminator: "\r"))
        let lf = try HL7Message(SampleMessages.discharge(terminator: "\n"))
        let crlf = try HL7Message(SampleMessages.discharge(terminator: "\r\n"))
        let mixedNoFinal = try HL7Message(SampleMessages.dischargeA03Lines.enumerated()
            .map { $0.element + ["\r", "\n", "\r\n"][$0.offset % 3] }.joined().dropLast(1).description)
        for other in [lf, crlf, mixedNoFinal] {
            #expect(other.segmentValues == cr.segmentValues)
            #expect(other.serialized() == cr.serialized())
            #expect(other["NTE-3"] == cr["NTE-3"])
        }
        #expect(cr.serialized() == Array(SampleMessages.discharge(terminator: "\r").utf8))
    }

    @Test func blankAndTrailingSegmentsAreIgnored() throws {
        let text = "\u{FEFF}\r\n" + SampleMessages.dischargeA03Lines[0] + "\r\r\n\nPID|1||X\r  \r\n"
        let m = try HL7Message(text)
        #expect(m.segmentNames == ["MSH", "PID"])
        #expect(m["PID-3"] == "X")
    }

    @Test func unknownSegmentsAndBareSegmentIDsAreTolerated() throws {
        let m = try HL7Message(SampleMessages.dischargeA03Lines[0] + "\rZU8|U|1|Yes|\rPD1\rXYZ|a^b\r")
        #expect(m.segmentNames == ["MSH", "ZU8", "PD1", "XYZ"])
        #expect(m["ZU8-3"] == "Yes")
        #expect(m["ZU8-4"] == nil)
        #expect(m.segments(named: "ZU8")[0].fieldCount == 4)
        #expect(m.segments(named: "PD1")[0].fieldCount == 0)
        #expect(m["XYZ-1.2"] == "b")
    }

    @Test func nonStandardDelimitersAndTruncationCharacter() throws {
        // field *, component %, repetition $, escape !, sub-component @, truncation #
        let m = try HL7Message("MSH*%$!@#*APP*FAC*R*RF*20260101**ADT%A08*9*P*2.7\rPID*1**A%B$C$D@E*x!F!y!P!\r")
        #expect(m.encoding.field == UInt8(ascii: "*"))
        #expect(m.encoding.truncation == UInt8(ascii: "#"))
        #expect(m["MSH-2"] == "%$!@#")
        #expect(m["MSH-9.2"] == "A08")
        #expect(m["PID-3(1).2"] == "B")
        #expect(m["PID-3(2)"] == "C")
        #expect(m["PID-3(3).1.1"] == "D")
        #expect(m["PID-3(3).1.2"] == "E")
        #expect(m["PID-4"] == "x*y#")
    }

    @Test func encoderRoundTripsEveryDelimiterAndControlCharacter() throws {
        let awkward = "a|b^c~d\\e&f\nline two\r\nCR-LF\ttab #hash Siân 🙂 \u{7}"
        var pid = HL7SegmentValue(name: "PID")
        pid[field: 3] = HL7Field(repetitions: [[["one", awkward], ["two"]], [[awkward]]])
        pid[field: 5] = HL7Field(components: ["FAMILY", awkward])
        var msh = HL7SegmentValue(name: "MSH")
        msh[field: 9] = HL7Field(components: ["ADT", "A08"])
        msh[field: 10] = "1"
        for encoding in [HL7EncodingCharacters.standard,
                         HL7EncodingCharacters(field: 0x7C, component: 0x5E, repetition: 0x7E, escape: 0x5C, subcomponent: 0x26, truncation: 0x23)!] {
            let bytes = HL7Encoder.encode([msh, pid], encoding: encoding)
            #expect(bytes.filter { $0 == 0x0D }.count == 2, "CR only between segments")
            let parsed = try HL7Message(bytes)
            #expect(parsed["PID-3.1.2"] == awkward)
            #expect(parsed["PID-3(2).1.1"] == awkward)
            #expect(parsed["PID-5.2"] == awkward)
            #expect(parsed.segmentValues[1] == pid)
            // Re-encoding the parsed values gives the same bytes.
            #expect(HL7Encoder.encode(parsed.segmentValues, encoding: encoding) == bytes)
        }
        #expect(HL7Escaping.encode("a|b\n", encoding: .standard) == #"a\F\b\.br\"#)
    }

    /// Found by `scripts/fuzz.sh hl7` (values changed by encode → parse): with MSH-2 `^~\.#`
    /// a line break was written as \.br\, which the parser splits at the sub-component ".".
    @Test func lineBreaksSurviveDotAsADelimiter() throws {
        func ascii(_ c: Character) -> UInt8 { c.asciiValue! }
        let encodings = [
            ("|", "^", "~", "\\", "."),  // the fuzzer's (with truncation #, below)
            ("|", ".", "~", "\\", "&"), ("|", "^", ".", "\\", "&"), ("|", "^", "~", ".", "&"), (".", "^", "~", "\\", "&"),
        ].map { f, c, r, e, s in
            HL7EncodingCharacters(field: ascii(f), component: ascii(c), repetition: ascii(r), escape: ascii(e),
                                  subcomponent: ascii(s), truncation: f == "|" && s == "." ? ascii("#") : nil)!
        }
        var msh = HL7SegmentValue(name: "MSH")
        msh[field: 9] = HL7Field(components: ["ADT", "A03"])
        var nte = HL7SegmentValue(name: "NTE")
        nte[field: 3] = HL7Field(repetitions: [[["Smith\nJo", "a.b"], ["x"]]])
        for encoding in encodings {
            let parsed = try HL7Message(HL7Encoder.encode([msh, nte], encoding: encoding))
            #expect(parsed.segmentValues[1] == nte, "MSH-2 \(encoding.msh2)")
            #expect(parsed["NTE-3.1.1"] == "Smith\nJo", "MSH-2 \(encoding.msh2)")
        }
        #expect(HL7Escaping.encode("a\nb", encoding: encodings[0]) == #"a\X0A\b"#)
    }

    @Test func parsedMessagesReEncodeToTheSameBytes() throws {
        // Every escape the encoder itself would write comes back byte for byte.
        let plain = SampleMessages.dischargeA03Lines.filter { !$0.hasPrefix("NTE") }.joined(separator: "\r") + "\r"
        let m = try HL7Message(plain)
        #expect(HL7Encoder.encode(m.segmentValues, encoding: m.encoding) == Array(plain.utf8))
        // \X..\ text is re-encoded as the characters it stands for: same values.
        let full = try HL7Message(SampleMessages.discharge())
        let again = try HL7Message(HL7Encoder.encode(full.segmentValues, encoding: full.encoding))
        #expect(again.segmentValues == full.segmentValues)
        #expect(again.rawValue(at: "NTE-3")?.hasSuffix("notes NHé") == true)
    }

    @Test func dataInput() throws {
        let m = try HL7Message(Data(SampleMessages.discharge().utf8))
        #expect(m["PID-3(2)"] == "9434765919")
    }
}

@Suite struct ParserErrorTests {
    private func error(_ input: [UInt8], options: HL7ParseOptions = HL7ParseOptions()) -> HL7Error? {
        #expect(throws: HL7Error.self) { try HL7Message(input, options: options) }
    }

    private func error(_ text: String) -> HL7Error? { error(Array(text.utf8)) }

    @Test func mshMissing() {
        for text in ["", "\r\n", "PID|1||X\r", "EVN|A03\rMSH|^~\\&|A|B|C|D|2026||ADT^A03|1|P|2.4\r", "msh|^~\\&|"] {
            let e = error(text)
            #expect(e?.code == .mshMissing, "\(text.debugDescription)")
            #expect(e?.location == "MSH")
            #expect(e?.reasonCode == "hl7-msh-missing")
        }
    }

    @Test func encodingCharactersInvalid() {
        let cases: [(String, String)] = [
            ("MSH|^~\\|A|B|C|D|2026||ADT^A03|1|P|2.4\r", "MSH-2"),     // three characters
            ("MSH|^~\\&#!|A|B|C|D|2026||ADT^A03|1|P|2.4\r", "MSH-2"),  // six
            ("MSH|^^\\&|A|B|C|D|2026||ADT^A03|1|P|2.4\r", "MSH-2"),    // repeated
            ("MSH|^~\\A|A|B|C|D|2026||ADT^A03|1|P|2.4\r", "MSH-2"),    // a letter
            ("MSH||^~\\&|A|B|C|D|2026||ADT^A03|1|P|2.4\r", "MSH-2"),   // empty MSH-2
            ("MSHA^~\\&A|B|C|D\r", "MSH-1"),                            // letter as field separator
            ("MSH ^~\\& A\r", "MSH-1"),
        ]
        for (text, location) in cases {
            let e = error(text)
            #expect(e?.code == .encodingCharactersInvalid, "\(text.debugDescription)")
            #expect(e?.location == location, "\(text.debugDescription)")
        }
    }

    /// Found by `scripts/fuzz.sh hl7` (parse → encode → parse changed the values): a later
    /// MSH/BHS/FHS was read with the first MSH's delimiters while its own MSH-2 said
    /// otherwise, and the encoder wrote the first MSH's back, so MSH-2 "^~\&CB" became "^~\&".
    @Test func laterHeaderSegmentsRepeatTheEncodingCharacters() throws {
        let msh = "MSH|^~\\&|A|B|C|D|2026||ADT^A03|1|P|2.4\r"
        let cases: [(String, Int)] = [
            (msh + "MSH|^~\\&CB||||AD|2026||ADT^A03|2|P|2.4\r", 2),  // the fuzzer's input, shortened
            (msh + "PID|1\rBHS|^~\\&#|X\r", 3),
            (msh + "FHS\r", 2),
            (msh + "BHS|\r", 2),
        ]
        for (text, index) in cases {
            let e = error(text)
            #expect(e?.code == .encodingCharactersInvalid, "\(text.debugDescription)")
            #expect(e?.location == "segment \(index)", "\(text.debugDescription)")
        }
        // Batch headers with the same delimiters still parse, and survive encoding.
        let batch = try HL7Message(msh + "BHS|^~\\&|X\rFHS|^~\\&\r" + msh.replacingOccurrences(of: "|1|P", with: "|2|P"))
        #expect(try HL7Message(HL7Encoder.encode(batch.segmentValues)).segmentValues == batch.segmentValues)
    }

    @Test func truncated() {
        let cases: [(String, String)] = [
            ("MS", "MSH"),
            ("MSH", "MSH-1"),
            ("MSH\r", "MSH-1"),
            ("MSH|^~", "MSH-2"),
            ("MSH|^~\\&", "MSH-2"),
            ("MSH|^~\\&|A|B|C|D|2026|\rPID|1\r", "MSH-9"),
        ]
        for (text, location) in cases {
            let e = error(text)
            #expect(e?.code == .truncated, "\(text.debugDescription)")
            #expect(e?.location == location, "\(text.debugDescription)")
        }
    }

    @Test func invalidUTF8NamesTheByteOffset() {
        let head = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A03|1|P|2.4\rPID|1||".utf8)
        let badSequences: [[UInt8]] = [
            [0xE9, 0x41],              // Latin-1 é
            [0xC0, 0xAF],              // overlong "/"
            [0xED, 0xA0, 0x80],        // UTF-16 surrogate
            [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
            [0xE2, 0x82],              // cut short at the end
            [0x80],                    // lone continuation byte
        ]
        for bad in badSequences {
            let e = error(head + bad)
            #expect(e?.code == .invalidUTF8)
            #expect(e?.byteOffset == head.count)
            #expect(e?.location == "byte \(head.count)")
        }
        // Valid multi-byte text passes (2, 3 and 4 byte forms).
        #expect((try? HL7Message(head + Array("Siân €🙂\r".utf8))) != nil)
        // The fast 8-byte path must not skip a bad byte in a later word.
        let long = head + Array(repeating: UInt8(ascii: "a"), count: 21) + [0xFF] + Array("bbbbbbbbb\r".utf8)
        #expect(error(long)?.byteOffset == head.count + 21)
    }

    @Test func inputTooLarge() {
        let big = Array(SampleMessages.discharge().utf8)
        let e = error(big, options: HL7ParseOptions(maxInputSize: 100))
        #expect(e?.code == .inputTooLarge)
        #expect(e?.location == "message")
        #expect((try? HL7Message(big, options: HL7ParseOptions(maxInputSize: big.count))) != nil)
        #expect(HL7ParseOptions().maxInputSize == 1_048_576)
        let huge = big + Array(repeating: UInt8(ascii: "x"), count: 1_048_576)
        #expect(error(huge)?.code == .inputTooLarge)
    }

    @Test func segmentInvalid() {
        let msh = "MSH|^~\\&|A|B|C|D|2026||ADT^A03|1|P|2.4\r"
        let cases: [(String, Int)] = [
            (msh + "PID|1\rP|x\r", 3),
            (msh + "pid|1\r", 2),
            (msh + "PID1|x\r", 2),
            (msh + "EVN|A03\rPI\r", 3),
            (msh + "1ID|x\r", 2),
        ]
        for (text, index) in cases {
            let e = error(text)
            #expect(e?.code == .segmentInvalid, "\(text.debugDescription)")
            #expect(e?.segmentIndex == index)
            #expect(e?.location == "segment \(index)")
        }
    }

    @Test func errorCodesAreStable() {
        #expect(HL7Error.Code.allCases.map(\.rawValue).sorted() == [
            "hl7-encoding-characters-invalid", "hl7-input-too-large", "hl7-invalid-utf8",
            "hl7-msh-missing", "hl7-segment-invalid", "hl7-truncated",
        ])
    }
}

@Suite struct PathTests {
    @Test func parsing() {
        #expect(HL7Path("PID-3(2).1") == HL7Path(segment: "PID", field: 3, repetition: 2, component: 1))
        #expect(HL7Path("OBX(2)-5.1.2") == HL7Path(segment: "OBX", occurrence: 2, field: 5, component: 1, subcomponent: 2))
        #expect(HL7Path("PID-5-1-1") == HL7Path(segment: "PID", field: 5, component: 1, subcomponent: 1))
        #expect(HL7Path("PID-3(2).1")?.description == "PID-3(2).1")
        for bad in ["PID", "PID-", "PID-0", "pid-3", "PID-3.", "PID-3(0)", "PID-3(2", "PID-3.1.1.1", "PI-3", "PID 3"] {
            #expect(HL7Path(bad) == nil, "\(bad)")
        }
    }
}
