import Foundation
import HL7v2
import HXCanonical
import Testing
@testable import HXTranslate

/// Feeds in ISO 8859-1, Windows-1252 and ASCII: MSH-18, `adapter.yaml`'s
/// `encoding`, the byte order mark, and their order (`docs/design.md` "Character sets").
@Suite struct CharacterSetTranslationTests {
    /// An ADT^A03 with the given MSH-18 (nil: MSH ends at MSH-12) and patient name.
    static func a03(msh18: String?, family: String, given: String) -> String {
        var msh = #"MSH|^~\&|PAS|RWW|HX|HALTON|20260714153012||ADT^A03^ADT_A03|CS-1|P|2.4"#
        if let msh18 { msh += "|||AL|NE|GBR|\(msh18)" }
        return [msh, "PID|1||9990100004^^^NHS^NH||\(family)^\(given)||19540302|F"].joined(separator: "\r")
    }

    static func bytes(_ text: String, _ encoding: String.Encoding) throws -> [UInt8] {
        [UInt8](try #require(text.data(using: encoding, allowLossyConversion: false)))
    }

    func config(_ format: AdapterConfiguration.Format = .hl7v2, _ encoding: TextEncoding = .utf8, columns: [String: String] = [:]) throws -> AdapterConfiguration {
        var c = try Fixtures.config(format, columns: columns)
        c.encoding = encoding
        return c
    }

    func translate(_ bytes: [UInt8], _ configuration: AdapterConfiguration) -> TranslationOutcome? {
        let outcomes = Translator.translate(configuration: configuration, input: Data(bytes))
        #expect(outcomes.count == 1)
        return outcomes.first
    }

    @Test func latin1MessageDeclaredByMSH18() throws {
        let input = try Self.bytes(Self.a03(msh18: "8859/1", family: "Ó Súilleabháin", given: "Siân"), .isoLatin1)
        #expect(input.contains(0xE2))
        // MSH-18 wins over the adapter's UTF-8 default.
        let m = try #require(translate(input, try config())?.message)
        #expect(m.subject.name?.family == "Ó Súilleabháin")
        #expect(m.subject.name?.given == ["Siân"])
        // The same text sent as UTF-8 gives the same canonical bytes.
        let utf8 = Array(Self.a03(msh18: "UNICODE UTF-8", family: "Ó Súilleabháin", given: "Siân").utf8)
        #expect(Translator.jsonLines(Translator.translate(configuration: try config(), input: Data(input)))
            == Translator.jsonLines(Translator.translate(configuration: try config(), input: Data(utf8))))
    }

    @Test func windows1252FeedWithoutMSH18TakesTheAdapterEncoding() throws {
        let input = try Self.bytes(Self.a03(msh18: nil, family: "O’Brien", given: "Zoë"), .windowsCP1252)
        #expect(input.contains(0x92))
        let m = try #require(translate(input, try config(.hl7v2, .windows1252))?.message)
        #expect(m.subject.name?.family == "O\u{2019}Brien")
        #expect(m.subject.name?.given == ["Zoë"])
        // Declared ISO 8859-1 by a feed the adapter knows to be Windows-1252: read as Windows-1252.
        let declared = try Self.bytes(Self.a03(msh18: "8859/1", family: "O’Brien", given: "Zoë"), .windowsCP1252)
        #expect(translate(declared, try config(.hl7v2, .windows1252))?.message?.subject.name?.family == "O\u{2019}Brien")
    }

    @Test func bytesInvalidInTheDeclaredEncodingAreRejectedNamingIt() throws {
        let quote = try Self.bytes(Self.a03(msh18: "8859/1", family: "O’Brien", given: "Zoë"), .windowsCP1252)
        let offset = try #require(quote.firstIndex(of: 0x92))
        let latin1 = try #require(translate(quote, try config())?.error)
        #expect(latin1.code == "invalid-iso-8859-1" && latin1.location == "byte \(offset)")
        #expect(latin1.message.contains("declared by MSH-18 (8859/1)") && latin1.message.contains("0x92"))

        let ascii = try #require(translate(try Self.bytes(Self.a03(msh18: "ASCII", family: "Jones", given: "Siân"), .isoLatin1), try config(.hl7v2, .windows1252))?.error)
        #expect(ascii.code == "invalid-ascii")

        var undefined = Array(Self.a03(msh18: nil, family: "Jones", given: "Ann").utf8)
        undefined.insert(0x81, at: undefined.count - 10)
        let windows = try #require(translate(undefined, try config(.hl7v2, .windows1252))?.error)
        #expect(windows.code == "invalid-windows-1252" && windows.location == "byte \(undefined.count - 11)")
        #expect(windows.message.contains("the adapter's encoding"))

        // Without a declaration, an adapter left at UTF-8 keeps its code and place.
        let latin1Undeclared = try Self.bytes(Self.a03(msh18: nil, family: "Jones", given: "Siân"), .isoLatin1)
        let utf8 = try #require(translate(latin1Undeclared, try config())?.error)
        let circumflex = try #require(latin1Undeclared.firstIndex(of: 0xE2))
        #expect(utf8.code == "invalid-utf8" && utf8.location == "byte \(circumflex)")
    }

    @Test func msh18TheAdapterCannotDecodeIsRejected() throws {
        for value in ["8859/2", "UNICODE UTF-16", "ISO IR87"] {
            let e = try #require(translate(Array(Self.a03(msh18: value, family: "Jones", given: "Ann").utf8), try config())?.error)
            #expect(e.code == "hl7-charset-unsupported" && e.location == "MSH-18", "\(value)")
        }
    }

    @Test func msh18UTF8WinsOverAnAdapterDeclaredLatin1() throws {
        let input = Array(Self.a03(msh18: "UNICODE UTF-8", family: "Jones", given: "Siân").utf8)
        #expect(translate(input, try config(.hl7v2, .iso88591))?.message?.subject.name?.given == ["Siân"])
    }

    @Test func byteOrderMarkMeansUTF8AndIsStripped() throws {
        let columns = CSVAndJSONTests.columns.merging(["given": "Forename"]) { a, _ in a }
        let csv = "ID,NHS,Event,Pathway,From,Forename\r\n1,943 476 5919,discharge-to-assess,3,2026-10-25T01:30,Siân\r\n"
        // A Windows-1252 export...
        let windows = try #require(translate(try Self.bytes(csv, .windowsCP1252), try config(.socialCareCSV, .windows1252, columns: columns))?.message)
        #expect(windows.subject.name?.given == ["Siân"])
        // ...and, on the same adapter, a file saved as "CSV UTF-8" with its byte order mark.
        let marked = try #require(translate([0xEF, 0xBB, 0xBF] + Array(csv.utf8), try config(.socialCareCSV, .windows1252, columns: columns))?.message)
        #expect(marked == windows)
        // ASCII adapter: the same file without a mark is refused at the â.
        let ascii = try #require(translate(Array(csv.utf8), try config(.socialCareCSV, .ascii, columns: columns))?.error)
        #expect(ascii.code == "invalid-ascii" && ascii.location == "byte \(csv.utf8.count - 5)")
        // HL7 v2 with a mark and MSH-18 8859/1: the mark goes, MSH-18 decides.
        let hl7 = [0xEF, 0xBB, 0xBF] + (try Self.bytes(Self.a03(msh18: "8859/1", family: "Jones", given: "Siân"), .isoLatin1))
        #expect(translate(hl7, try config())?.message?.subject.name?.given == ["Siân"])
    }

    @Test func charsetChoiceAndItsOrigin() throws {
        let declared = Array(Self.a03(msh18: "8859/1", family: "Jones", given: "Ann").utf8)
        #expect(InputCharset.of(declared, configuration: try config()) == .success(InputCharset(encoding: .iso88591, origin: .msh18("8859/1"), skip: 0)))
        #expect(InputCharset.of(declared, configuration: try config(.hl7v2, .windows1252)) == .success(InputCharset(encoding: .windows1252, origin: .msh18("8859/1"), skip: 0)))
        let plain = Array(Self.a03(msh18: nil, family: "Jones", given: "Ann").utf8)
        #expect(InputCharset.of(plain, configuration: try config(.hl7v2, .ascii)) == .success(InputCharset(encoding: .ascii, origin: .adapterConfiguration, skip: 0)))
        #expect(InputCharset.of([0xEF, 0xBB, 0xBF] + plain, configuration: try config(.hl7v2, .ascii)) == .success(InputCharset(encoding: .utf8, origin: .byteOrderMark, skip: 3)))
        // MSH-18 is HL7's: a CSV whose first line happens to look like an MSH is not read for it.
        #expect(InputCharset.of(declared, configuration: try config(.socialCareCSV, .windows1252, columns: CSVAndJSONTests.columns)).map(\.encoding) == .success(.windows1252))
    }

    @Test func newCodesAreDocumentedCodes() {
        for code in ["invalid-ascii", "invalid-iso-8859-1", "invalid-windows-1252", "hl7-charset-unsupported", "invalid-utf8"] {
            #expect(TranslationError.allCodes.contains(code))
        }
    }
}

@Suite struct EncodingConfigurationTests {
    static let head = "name: t\norganisation: RWW\nsystem: PAS\n"

    @Test func encodingDefaultsToUTF8AndTakesTheFourNames() throws {
        let base = Self.head + "format: hl7v2\nsource: {mllp: {port: 2575}}\n"
        #expect(try AdapterConfiguration.parse(text: base, file: "a.yaml", sensitivity: SensitivityCodes()).get().encoding == .utf8)
        for (name, encoding) in [("utf-8", TextEncoding.utf8), ("iso-8859-1", .iso88591), ("windows-1252", .windows1252), ("ascii", .ascii), ("Windows-1252", .windows1252)] {
            let c = try AdapterConfiguration.parse(text: base + "encoding: \(name)\n", file: "a.yaml", sensitivity: SensitivityCodes()).get()
            #expect(c.encoding == encoding)
        }
    }

    @Test func badEncodingsStopStartUpWithFileAndLine() throws {
        let unknown = Self.head + "format: hl7v2\nsource: {mllp: {port: 2575}}\nencoding: latin1\n"
        guard case .failure(let errors) = AdapterConfiguration.parse(text: unknown, file: "adapter.yaml", sensitivity: SensitivityCodes()) else {
            Issue.record("expected an error")
            return
        }
        #expect(errors.description.contains("adapter.yaml:6:11: error: encoding: unknown character set 'latin1' (expected one of: utf-8, iso-8859-1, windows-1252, ascii)"))

        let fhir = Self.head + "format: fhir-discharge\nsource: {http: {port: 8080, path: /in}}\nencoding: windows-1252\n"
        guard case .failure(let fhirErrors) = AdapterConfiguration.parse(text: fhir, file: "adapter.yaml", sensitivity: SensitivityCodes()) else {
            Issue.record("expected an error")
            return
        }
        #expect(fhirErrors.description.contains("adapter.yaml:6:11: error: encoding: fhir-discharge is FHIR, which is always UTF-8"))
        // Saying UTF-8 on a FHIR adapter is harmless.
        let fhirUTF8 = fhir.replacingOccurrences(of: "windows-1252", with: "utf-8")
        #expect(throws: Never.self) { try AdapterConfiguration.parse(text: fhirUTF8, file: "adapter.yaml", sensitivity: SensitivityCodes()).get() }
    }
}
