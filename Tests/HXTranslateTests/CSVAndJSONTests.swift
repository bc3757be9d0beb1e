import Foundation
import HXCanonical
import Testing
@testable import HXTranslate

@Suite struct CSVAndJSONTests {
    static let columns = ["recordId": "ID", "nhsNumber": "NHS", "event": "Event", "pathway": "Pathway", "effectiveFrom": "From"]

    @Test func rfc4180Parsing() throws {
        let records = try CSV.parse("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\r\nlast,,\n")
        #expect(records.map(\.line) == [1, 2, 5])
        #expect(records[1].fields == ["x, y", "say \"hi\"", "two\nlines"])
        #expect(records[2].fields == ["last", "", ""])
        #expect(throws: TranslationError.self) { try CSV.parse("a\n\"open") }
        do {
            _ = try CSV.parse("a\n\"open")
        } catch {
            #expect(error.code == "csv-malformed" && error.location == "line 2")
        }
    }

    @Test func bomCRLFAndCaseInsensitiveHeaders() throws {
        let config = try Fixtures.config(.socialCareCSV, columns: Self.columns)
        let text = "\u{FEFF}id,nhs,event,pathway,from\r\n1,943 476 5919,discharge-to-assess,Pathway 3,2026-10-25T01:30\r\n"
        let m = try #require(Fixtures.translate(text, config).first?.message)
        #expect(m.subject.nhsNumber?.digits == "9434765919")
        guard case .socialCareNotification(let n) = m.payload else { Issue.record("wrong payload"); return }
        #expect(n.pathway == 3)
        // 01:30 on 25 October 2026 happens twice; the earlier (BST) instant is taken.
        #expect(n.effectiveFrom?.rawValue == "2026-10-25T01:30:00+01:00")
    }

    @Test func missingColumnsAndRowErrors() throws {
        let config = try Fixtures.config(.socialCareCSV, columns: Self.columns)
        let missing = try #require(Fixtures.translate("ID,Event,Pathway,From\n1,x,,2026-01-01\n", config).first?.error)
        #expect(missing.code == "csv-column-missing" && missing.location == "line 1, column NHS")
        let rows = Fixtures.translate("ID,NHS,Event,Pathway,From\n1,,discharge-to-assess,5,2026-01-01\n2,,care-package-ended,1,2026-01-01\n3,,tea-party,,2026-01-01\n,,carer-assessment,,2026-01-01\n5,,carer-assessment,,\n", config)
        #expect(rows.map { $0.error?.code } == ["social-care-pathway-invalid", "social-care-pathway-invalid", "social-care-event-unknown", "value-missing", "value-missing"])
        #expect(rows.map { $0.error?.location } == ["line 2, column Pathway", "line 3, column Pathway", "line 4, column Event", "line 5, column ID", "line 6, column From"])
        let unmapped = try Fixtures.config(.socialCareCSV, columns: ["nhsNumber": "NHS"])
        #expect(Fixtures.translate("NHS\n1\n", unmapped).first?.error?.code == "csv-column-missing")
    }

    /// Found by `scripts/fuzz.sh csv`: hbc-adult-social-care's header line alone gave no outcome
    /// at all, so an adapter took the file and recorded nothing (no message, no dead letter).
    @Test func inputsWithoutMessagesAreRefused() throws {
        let header = try #require(String(decoding: Fixtures.sample("hbc-adult-social-care", "events-2026-07-14.csv"), as: UTF8.self)
            .split(whereSeparator: \.isNewline).first)
        let inputs: [(String, AdapterConfiguration)] = [
            (header + "\n", try Fixtures.adapter("hbc-adult-social-care")),
            (header + "\r\n\r\n", try Fixtures.adapter("hbc-adult-social-care")),
            ("ID,NHS,Event,Pathway,From\n", try Fixtures.config(.socialCareCSV, columns: Self.columns)),
            ("[ ]", try Fixtures.config(.socialCareJSON)),
        ]
        for (text, config) in inputs {
            let out = Fixtures.translate(text, config)
            #expect(out.count == 1 && out[0].error?.code == "input-empty" && out[0].error?.location == "input", "\(text.debugDescription)")
        }
    }

    @Test func jsonEventsAsLinesAndArray() throws {
        let config = try Fixtures.config(.socialCareJSON)
        let lines = """
        {"recordId": "e1", "nhsNumber": "9990100004", "event": "discharge-to-assess", "pathway": 2, "effectiveFrom": "2026-07-01"}
        {"recordId": "e2", "nhsNumber": "9990100005", "event": "care-package-ended", "effectiveFrom": "2026-07-01"}
        not json
        """
        let out = Fixtures.translate(lines, config)
        #expect(out.count == 3)
        #expect(out[0].message?.payload == .socialCareNotification(SocialCareNotification(event: .dischargeToAssess, pathway: 2, effectiveFrom: RFC3339Timestamp("2026-07-01T00:00:00+01:00"))))
        #expect(out[1].error?.code == "nhs-number-invalid" && out[1].error?.location == "line 2, nhsNumber")
        #expect(out[2].error?.code == "json-invalid" && out[2].error?.location == "line 3")
        let array = #"[{"recordId":"e3","event":"safeguarding-concern","occurredAt":"2026-01-05T10:00:00Z"}, 7]"#
        let a = Fixtures.translate(array, config)
        #expect(a[0].message?.sensitivity == [.safeguarding])
        #expect(a[0].message?.subject.identityStatus == .unresolved)
        #expect(a[1].error?.location == "$[1]")
        let keyed = try Fixtures.config(.socialCareJSON, columns: ["recordId": "id", "nhsNumber": "nhs_no", "event": "type", "effectiveFrom": "start"])
        let bad = Fixtures.translate(#"[{"id":"e4","nhs_no":"12","type":"reablement-ended","start":"2026-02-30"}]"#, keyed)
        #expect(bad[0].error?.location == "$[0].nhs_no")
    }
}
