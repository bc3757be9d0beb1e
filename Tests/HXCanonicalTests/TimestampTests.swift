import Testing
@testable import HXCanonical

@Suite struct LocalTimestampTests {
    @Test(arguments: [
        ("20260715103000", "2026-07-15T10:30:00+01:00"),  // BST
        ("20260115103000", "2026-01-15T10:30:00+00:00"),  // GMT
        ("202607151030", "2026-07-15T10:30:00+01:00"),
        ("20260715", "2026-07-15T00:00:00+01:00"),
        ("2026", "2026-01-01T00:00:00+00:00"),
        ("20260715103000.1234", "2026-07-15T10:30:00.1234+01:00"),
        ("20260715103000-0500", "2026-07-15T10:30:00-05:00"),  // explicit offset wins
        ("20240229120000", "2024-02-29T12:00:00+00:00"),  // leap day
        // Autumn repeat of 01:30 (25 Oct 2026): the earlier instant, BST.
        ("20261025013000", "2026-10-25T01:30:00+01:00"),
        ("20261025023000", "2026-10-25T02:30:00+00:00"),
        // Spring gap (29 Mar 2026, 01:00-02:00 does not exist): digits kept, GMT offset.
        ("20260329013000", "2026-03-29T01:30:00+00:00"),
        ("20260329020000", "2026-03-29T02:00:00+01:00"),
    ])
    func london(hl7: String, expected: String) throws {
        #expect(try LocalTimestamp.rfc3339(fromHL7: hl7).rawValue == expected)
    }

    @Test func otherZone() throws {
        #expect(try LocalTimestamp.rfc3339(fromHL7: "20260715103000", timeZone: "America/New_York").rawValue
            == "2026-07-15T10:30:00-04:00")
        #expect(try LocalTimestamp.rfc3339(fromHL7: "20260715103000", timeZone: "Asia/Kolkata").rawValue
            == "2026-07-15T10:30:00+05:30")
    }

    @Test(arguments: ["20260230", "20250229", "20261301", "20260715243000", "20260715106000", "20260715103060", "20260715103000+2500"])
    func impossible(_ hl7: String) {
        let error = #expect(throws: LocalTimestampError.self) { try LocalTimestamp.rfc3339(fromHL7: hl7) }
        #expect(error == .impossibleDate(hl7))
        #expect(error?.code == "timestamp-impossible-date")
    }

    @Test(arguments: ["", "202", "2026071", "20260715T1030", "2026-07-15", "20260715103000.", "202607151030.5", "20260715103000+01", "x20260715"])
    func malformed(_ hl7: String) {
        #expect(throws: LocalTimestampError.malformed(hl7)) { try LocalTimestamp.rfc3339(fromHL7: hl7) }
    }

    @Test func unknownZone() {
        #expect(throws: LocalTimestampError.unknownTimeZone("Europe/Halton")) {
            try LocalTimestamp.rfc3339(fromHL7: "20260715103000", timeZone: "Europe/Halton")
        }
    }

    @Test func birthDates() throws {
        #expect(try LocalTimestamp.date(fromHL7: "19651213").description == "1965-12-13")
        #expect(try LocalTimestamp.date(fromHL7: "196512131515").description == "1965-12-13")
        #expect(throws: LocalTimestampError.malformed("196512")) { try LocalTimestamp.date(fromHL7: "196512") }
        #expect(CalendarDate("2026-02-30") == nil)
        #expect(CalendarDate("2026-2-3") == nil)
    }

    @Test func rfc3339Validation() {
        for good in ["2026-07-15T10:30:00+01:00", "2026-07-15T10:30:00Z", "2026-07-15T10:30:00.5-05:30"] {
            #expect(RFC3339Timestamp(good) != nil, "\(good)")
        }
        for bad in ["2026-07-15T10:30:00", "2026-07-15 10:30:00Z", "2026-02-30T10:30:00Z", "2026-07-15T10:30:00+0100",
                    "2026-07-15T24:00:00Z", "2026-07-15T10:30:00.Z", "2026-07-15"] {
            #expect(RFC3339Timestamp(bad) == nil, "\(bad)")
        }
    }
}
