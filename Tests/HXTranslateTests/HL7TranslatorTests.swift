import Foundation
import HXCanonical
import Testing
@testable import HXTranslate

@Suite struct HL7TranslatorTests {
    static let msh = #"MSH|^~\&|PAS|RWW|HX|HALTON|20260714153012||ADT^A03^ADT_A03|T-1|P|2.4"#
    static let pid = "PID|1||9990100004^^^NHS^NH||TEST^Ann||19540302|F"

    func config(maxInputBytes: Int = 1 << 20) throws -> AdapterConfiguration {
        try Fixtures.config(.hl7v2, maxInputBytes: maxInputBytes)
    }

    func error(_ text: String) throws -> TranslationError? {
        Fixtures.translate(text, try config()).first?.error
    }

    @Test func summerAndWinterTimes() throws {
        let summer = Fixtures.translate([Self.msh, "EVN|A03|20260329013000", Self.pid, "PV1|1|I" + String(repeating: "|", count: 43) + "20260329023000"].joined(separator: "\r"), try config())
        let m = try #require(summer.first?.message)
        // Clocks go forward at 01:00 GMT on 29 March 2026: 01:30 does not exist,
        // so the sender's digits keep the pre-change offset; 02:30 is BST.
        #expect(m.occurredAt.rawValue == "2026-03-29T01:30:00+00:00")
        guard case .dischargeSummary(let d) = m.payload else { Issue.record("not a discharge"); return }
        #expect(d.dischargedAt.rawValue == "2026-03-29T02:30:00+01:00")
        let winter = Fixtures.translate([Self.msh.replacingOccurrences(of: "20260714153012", with: "20261225120000"), Self.pid].joined(separator: "\n"), try config())
        #expect(winter.first?.message?.occurredAt.rawValue == "2026-12-25T12:00:00+00:00")
        let july = Fixtures.translate([Self.msh, Self.pid].joined(separator: "\n"), try config())
        #expect(july.first?.message?.occurredAt.rawValue == "2026-07-14T15:30:12+01:00")
        let other = try Fixtures.config(.hl7v2, timeZone: "America/New_York")
        #expect(Fixtures.translate([Self.msh, Self.pid].joined(separator: "\n"), other).first?.message?.occurredAt.rawValue == "2026-07-14T15:30:12-04:00")
        let explicit = Self.msh.replacingOccurrences(of: "20260714153012", with: "20260714153012+0000")
        #expect(Fixtures.translate([explicit, Self.pid].joined(separator: "\r\n"), try config()).first?.message?.occurredAt.rawValue == "2026-07-14T15:30:12+00:00")
    }

    /// PID-5 repeats (a maiden name), PID-8 and PID-11 repeats (an earlier address) reach the identity fact.
    @Test func identityFactsCarryNamesSexAddressAndHistory() throws {
        let text = [
            Self.msh.replacingOccurrences(of: "ADT^A03^ADT_A03", with: "ADT^A28^ADT_A05"), "EVN|A28|20260714153000",
            "PID|1||9990100004^^^NHS^NH||WHITTLE^Margaret^Ann^^^^L~NAYLOR^Margaret^^^^^M||19540302|F|||"
                + "12 Castle Street^Flat 2^Runcorn^^WA7 2AB^GBR^H~3 Old Road^^Widnes^^WA8 9PJ^GBR^H",
        ].joined(separator: "\r")
        guard case .identity(let f)? = Fixtures.translate(text, try config()).first else {
            Issue.record("expected an identity fact")
            return
        }
        #expect(f.family == "WHITTLE" && f.given == ["Margaret", "Ann"] && f.sex == .female)
        #expect(f.earlierFamilies == ["NAYLOR"])
        #expect(f.postcode == "WA7 2AB" && f.address == ["12 Castle Street", "Flat 2", "Runcorn"])
        #expect(f.earlierPostcodes == ["WA8 9PJ"])
        // Without repeats, nothing is invented.
        let plain = [Self.msh.replacingOccurrences(of: "ADT^A03^ADT_A03", with: "ADT^A28^ADT_A05"), Self.pid].joined(separator: "\r")
        guard case .identity(let g)? = Fixtures.translate(plain, try config()).first else {
            Issue.record("expected an identity fact")
            return
        }
        #expect(g.earlierFamilies == nil && g.earlierPostcodes == nil && g.address == nil && g.given == ["Ann"])
    }

    @Test func segmentSeparatorsCRLFAndCRLFGiveTheSameMessage() throws {
        let segs = [Self.msh, "EVN|A03|20260714153000", Self.pid, "DG1|1||F20.0^Paranoid schizophrenia^I10"]
        let outs = try ["\r", "\n", "\r\n"].map { Translator.jsonLines(Fixtures.translate(segs.joined(separator: $0), try config())) }
        #expect(outs[0] == outs[1] && outs[1] == outs[2])
        #expect(String(decoding: outs[0], as: UTF8.self).contains(#""sensitivity":["mental-health"]"#))
    }

    @Test func rejections() throws {
        #expect(try error("PID|1||x")?.code == "hl7-msh-missing")
        let truncated = try #require(try error(#"MSH|^~\&|PAS|RWW"#))
        #expect(truncated.code == "hl7-truncated" && truncated.location == "MSH-9")
        let encoding = try #require(try error("MSH|^~^&|PAS|RWW|HX|HALTON|20260714||ADT^A03|T-2|P|2.4\r" + Self.pid))
        #expect(encoding.code == "hl7-encoding-characters-invalid" && encoding.location == "MSH-2")
        let noPID = try #require(try error(Self.msh + "\rEVN|A03|20260714153000\rPV1|1|I"))
        #expect(noPID.code == "hl7-pid-missing" && noPID.location == "PID")
        let badNHS = try #require(try error(Self.msh + "\rPID|1||9990100005^^^NHS"))
        #expect(badNHS.code == "nhs-number-invalid" && badNHS.location == "PID-3.1")
        let badOID = try #require(try error(Self.msh + "\rPID|1||LOCAL1^^^RWW~12345^^^2.16.840.1.113883.2.1.4.1"))
        #expect(badOID.code == "nhs-number-invalid" && badOID.location == "PID-3(2).1")
        let birth = try #require(try error(Self.msh + "\rPID|1||9990100004^^^NHS||TEST^Ann||20260230"))
        #expect(birth.code == "date-invalid" && birth.location == "PID-7")
        let discharge = try #require(try error(Self.msh + "\r" + Self.pid + "\rPV1|1|I" + String(repeating: "|", count: 43) + "20261332250000"))
        #expect(discharge.code == "date-invalid" && discharge.location == "PV1-45")
        let evn = try #require(try error(Self.msh + "\rEVN|A03|2026-07-14\r" + Self.pid))
        #expect(evn.code == "date-invalid" && evn.location == "EVN-2")
        let a13 = try #require(try error(Self.msh.replacingOccurrences(of: "ADT^A03^ADT_A03", with: "ADT^A13") + "\r" + Self.pid))
        #expect(a13.code == "unsupported-message-type" && a13.location == "MSH-9")
        let noID = try #require(try error(Self.msh.replacingOccurrences(of: "|T-1|", with: "||") + "\r" + Self.pid))
        #expect(noID.code == "hl7-field-missing" && noID.location == "MSH-10")
        let letter = try #require(try error(Self.msh.replacingOccurrences(of: "ADT^A03^ADT_A03", with: "MDM^T02") + "\r" + Self.pid + "\rOBX|1|NM|X||5"))
        #expect(letter.code == "hl7-discharge-text-missing" && letter.location == "OBX-5")
        let identity = try #require(try error(Self.msh.replacingOccurrences(of: "ADT^A03^ADT_A03", with: "ADT^A28") + "\rPID|1||L1^^^RWW"))
        #expect(identity.code == "identity-nhs-number-missing" && identity.location == "PID-3")
    }

    @Test func invalidUTF8AndOversizedInputs() throws {
        var bytes = [UInt8]((Self.msh + "\r" + Self.pid).utf8)
        bytes.insert(0xC3, at: 70)
        bytes.insert(0x28, at: 71)
        let e = try #require(Translator.translate(configuration: try config(), input: Data(bytes)).first?.error)
        #expect(e.code == "invalid-utf8" && e.location == "byte 70")
        let big = Translator.translate(configuration: try config(maxInputBytes: 100), input: Data((Self.msh + "\r" + Self.pid).utf8))
        #expect(big.first?.error?.code == "input-too-large" && big.first?.error?.location == "input")
        #expect(Fixtures.translate("  \n", try config()).first?.error?.code == "input-empty")
    }

    @Test func letterTextFromORU() throws {
        let text = [Self.msh.replacingOccurrences(of: "ADT^A03^ADT_A03", with: "ORU^R01"), Self.pid,
                    "OBR|1", "OBX|1|TX|LETTER||Line one~Line two", "OBX|2|NM|WEIGHT||70", "OBX|3|FT|PLAN||Review in clinic\\.br\\in 2 weeks"].joined(separator: "\r")
        let m = try #require(Fixtures.translate(text, try config()).first?.message)
        guard case .dischargeSummary(let d) = m.payload else { Issue.record("not a discharge"); return }
        #expect(d.narrative == "Line one\nLine two\nReview in clinic\nin 2 weeks")
    }

    @Test func registeredPracticeFromXON10() throws {
        let text = [Self.msh, "PID|1||9990100004^^^NHS^NH", "PD1|||Surgery^L^^^^^^^^P99999"].joined(separator: "\r")
        #expect(Fixtures.translate(text, try config()).first?.message?.subject.registeredPractice == "P99999")
    }
}
