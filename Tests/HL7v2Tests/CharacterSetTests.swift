import Foundation
import Testing
@testable import HL7v2

@Suite struct TextEncodingTests {
    func decode(_ bytes: [UInt8], _ encoding: TextEncoding, from start: Int = 0) -> Result<String, TextDecodingError> {
        do throws(TextDecodingError) {
            return .success(String(decoding: try encoding.utf8(from: bytes, startingAt: start), as: UTF8.self))
        } catch {
            return .failure(error)
        }
    }

    @Test func welshAndIrishNamesInISO88591() throws {
        // "Siân", "Zoë", "Ó Súilleabháin" as an ISO 8859-1 PAS writes them.
        let bytes: [UInt8] = [0x53, 0x69, 0xE2, 0x6E, 0x7C, 0x5A, 0x6F, 0xEB, 0x7C, 0xD3, 0x20, 0x53, 0xFA, 0x69, 0x6C, 0x6C, 0x65, 0x61, 0x62, 0x68, 0xE1, 0x69, 0x6E]
        #expect(try decode(bytes, .iso88591).get() == "Siân|Zoë|Ó Súilleabháin")
        #expect(try decode(bytes, .windows1252).get() == "Siân|Zoë|Ó Súilleabháin")
    }

    @Test func windows1252QuotesAndEuro() throws {
        let bytes: [UInt8] = Array("Zo".utf8) + [0xEB] + Array(" O".utf8) + [0x92] + Array("Brien ".utf8) + [0x80, 0x35, 0x20, 0x93, 0x6F, 0x6B, 0x94]
        #expect(try decode(bytes, .windows1252).get() == "Zoë O\u{2019}Brien €5 \u{201C}ok\u{201D}")
    }

    @Test func everyByteAgreesWithFoundation() throws {
        // Foundation's own tables are an independent check of ours.
        for byte in UInt8.min...UInt8.max {
            let windows = String(data: Data([byte]), encoding: .windowsCP1252)
            #expect((try? decode([byte], .windows1252).get()) == windows, "Windows-1252 0x\(String(byte, radix: 16))")
            let latin1 = (0x80...0x9F).contains(byte) ? nil : String(data: Data([byte]), encoding: .isoLatin1)
            #expect((try? decode([byte], .iso88591).get()) == latin1, "ISO 8859-1 0x\(String(byte, radix: 16))")
            let ascii = byte < 0x80 ? String(UnicodeScalar(byte)) : nil
            #expect((try? decode([byte], .ascii).get()) == ascii, "ASCII 0x\(String(byte, radix: 16))")
        }
    }

    @Test func invalidBytesAreNamedByOffsetAndEncoding() {
        let head = Array("PID|1||||O".utf8)
        for undefined: UInt8 in [0x81, 0x8D, 0x8F, 0x90, 0x9D] {
            #expect(decode(head + [undefined, 0x41], .windows1252) == .failure(TextDecodingError(encoding: .windows1252, offset: head.count, byte: undefined)))
        }
        #expect(decode(head + [0x92], .iso88591) == .failure(TextDecodingError(encoding: .iso88591, offset: head.count, byte: 0x92)))
        #expect(decode(head + [0xE9], .ascii) == .failure(TextDecodingError(encoding: .ascii, offset: head.count, byte: 0xE9)))
        #expect(decode(head + [0xE9], .utf8) == .failure(TextDecodingError(encoding: .utf8, offset: head.count, byte: 0xE9)))
        // Past the fast path's eight-byte words, and with a skipped prefix: offsets count from the input's start.
        let long = [UInt8](repeating: 0x41, count: 37) + [0xE9] + [UInt8](repeating: 0x41, count: 20) + [0x9D]
        #expect(decode(long, .windows1252, from: 3) == .failure(TextDecodingError(encoding: .windows1252, offset: 58, byte: 0x9D)))
        #expect(decode(long, .ascii, from: 3) == .failure(TextDecodingError(encoding: .ascii, offset: 37, byte: 0xE9)))
        #expect(TextDecodingError(encoding: .windows1252, offset: 0, byte: 0x81).explanation == "0x81 is undefined in Windows-1252")
    }

    @Test func asciiInputIsReturnedUnchanged() throws {
        let text = Array(String(repeating: "MSH|^~\\&|PAS|RWW\r", count: 20).utf8)
        for encoding in TextEncoding.allCases {
            #expect(try encoding.utf8(from: text) == text)
        }
        #expect(try TextEncoding.iso88591.utf8(from: [0xEF, 0xBB, 0xBF] + text, startingAt: 3) == text)
        #expect(try TextEncoding.utf8.utf8(from: Array("Siân".utf8)) == Array("Siân".utf8))
    }

    @Test func encodingBackForAnswers() {
        let text = Array("AE|Siân O\u{2019}Brien €5 ☃".utf8)
        #expect(TextEncoding.utf8.encode(utf8: text) == text)
        #expect(TextEncoding.iso88591.encode(utf8: text) == Array("AE|Si".utf8) + [0xE2] + Array("n O?Brien ?5 ?".utf8))
        #expect(TextEncoding.windows1252.encode(utf8: text) == Array("AE|Si".utf8) + [0xE2] + Array("n O".utf8) + [0x92] + Array("Brien ".utf8) + [0x80] + Array("5 ?".utf8))
        #expect(TextEncoding.ascii.encode(utf8: text) == Array("AE|Si?n O?Brien ?5 ?".utf8))
        // Round trip: every character Windows-1252 has comes back as its byte.
        let all = (UInt8.min...UInt8.max).filter { ![0x81, 0x8D, 0x8F, 0x90, 0x9D].contains($0) }
        let decoded = (try? TextEncoding.windows1252.utf8(from: all)) ?? []
        #expect(TextEncoding.windows1252.encode(utf8: decoded) == all)
    }

    @Test func namesAsAdapterYAMLWritesThem() {
        #expect(TextEncoding(name: "UTF-8") == .utf8)
        #expect(TextEncoding(name: "iso-8859-1") == .iso88591)
        #expect(TextEncoding(name: "Windows-1252") == .windows1252)
        #expect(TextEncoding(name: "ascii") == .ascii)
        #expect(TextEncoding(name: "latin-9") == nil)
        #expect(TextEncoding.allCases.map(\.rawValue) == ["utf-8", "iso-8859-1", "windows-1252", "ascii"])
    }
}

@Suite struct CharacterSetDeclarationTests {
    static func msh(_ msh18: String) -> [UInt8] {
        Array("MSH|^~\\&|PAS|RWW|HX|HALTON|20260715103000||ADT^A03^ADT_A03|A03-1|P|2.4|||AL|NE|GBR|\(msh18)|EN\rPID|1\r".utf8)
    }

    @Test func readsMSH18BeforeDecoding() {
        #expect(HL7CharacterSetDeclaration.declared(in: Self.msh("8859/1")) == "8859/1")
        #expect(HL7CharacterSetDeclaration.declared(in: Self.msh("UNICODE UTF-8")) == "UNICODE UTF-8")
        // First repetition and component only; padding spaces go.
        #expect(HL7CharacterSetDeclaration.declared(in: Self.msh(" ASCII ~8859/1")) == "ASCII")
        #expect(HL7CharacterSetDeclaration.declared(in: Self.msh("8859/1^x")) == "8859/1")
        #expect(HL7CharacterSetDeclaration.declared(in: Self.msh("")) == nil)
        // Absent: MSH ends at MSH-12, or MSH-18 is on the next segment's line.
        #expect(HL7CharacterSetDeclaration.declared(in: Array("MSH|^~\\&|PAS|RWW|HX|HALTON|2026||ADT^A03|1|P|2.4\rPID|1|||||||||||||||||8859/1\r".utf8)) == nil)
        // Other delimiters, a byte order mark, blank lines and batch headers before the MSH.
        #expect(HL7CharacterSetDeclaration.declared(in: Array("\u{FEFF}\r\nFHS#$%*@\rBHS#$%*@\nMSH#$%*@#PAS#RWW#HX#HALTON#2026##ADT$A03#1#P#2.4######8859/1$x#EN".utf8)) == "8859/1")
        // Whatever the bytes after MSH-18 are: they are not read.
        #expect(HL7CharacterSetDeclaration.declared(in: Self.msh("8859/1") + [0xE9, 0x9D]) == "8859/1")
        #expect(HL7CharacterSetDeclaration.declared(in: Array("PID|1\rMSH|^~\\&|PAS|RWW|HX|HALTON|2026||ADT^A03|1|P|2.4|||||8859/1".utf8)) == nil)
        #expect(HL7CharacterSetDeclaration.declared(in: []) == nil)
    }

    @Test func table0211ValuesWeDecode() {
        #expect(HL7CharacterSetDeclaration.encoding(for: "ASCII") == .ascii)
        #expect(HL7CharacterSetDeclaration.encoding(for: "8859/1") == .iso88591)
        #expect(HL7CharacterSetDeclaration.encoding(for: "UNICODE UTF-8") == .utf8)
        #expect(HL7CharacterSetDeclaration.encoding(for: "utf-8") == .utf8)
        // The NHS ITK specification's value.
        #expect(HL7CharacterSetDeclaration.encoding(for: "UNICODE") == .utf8)
        for unsupported in ["8859/2", "8859/15", "UNICODE UTF-16", "UNICODE UTF-32", "ISO IR87", "windows-1252", "BIG-5"] {
            #expect(HL7CharacterSetDeclaration.encoding(for: unsupported) == nil, "\(unsupported)")
        }
    }

    @Test func acknowledgementEchoesMSH18() throws {
        let message = try HL7Message(Self.msh("8859/1"))
        let ack = try HL7Message(HL7Acknowledgement.build(replyingTo: message, code: .accept, controlID: "ACK-1", timestamp: "20260715103005"))
        #expect(ack["MSH-18"] == "8859/1")
        #expect(ack["MSA-2"] == "A03-1")
        // Without MSH-18 the answer has none.
        let plain = try HL7Message(Array("MSH|^~\\&|PAS|RWW|HX|HALTON|2026||ADT^A03|1|P|2.4\r".utf8))
        let bytes = HL7Acknowledgement.build(replyingTo: plain, code: .accept, controlID: "ACK-2", timestamp: "20260715103005")
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("MSH|^~\\&|HX|HALTON|PAS|RWW|20260715103005||ACK^A03^ACK|ACK-2|P|2.4\r"))
    }
}
