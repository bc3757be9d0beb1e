import Foundation
import HXCanonical
import HXIdentityMatch
import HXIdentityTrace
import Testing

/// `hx identity trace`'s core on a small facts file and request CSV.
@Suite struct IdentityTraceTests {
    static let rule = LinkRule(threshold: 32, margin: 6, reviewThreshold: 16)

    static let facts = """
    {"birthDate":"1948-03-07","family":"Whittle","given":["Margaret","Ann"],"sex":"female","nhsNumber":"9990004447","postcode":"WA7 2AB","address":["12 Castle Street","Runcorn"],"recordedAt":"2026-03-01T09:00:00Z","source":{"adapter":"a","messageId":"1","organisation":"RWW","system":"pas"}}
    {"birthDate":"1990-06-01","family":"Kershaw","given":["Jack"],"sex":"male","nhsNumber":"9990004811","postcode":"WA8 7QH","recordedAt":"2026-03-01T09:00:00Z","source":{"adapter":"a","messageId":"2","organisation":"RWW","system":"pas"}}

    {"birthDate":"1990-06-01","family":"Kershaw","given":["Thomas"],"sex":"male","nhsNumber":"9990005095","postcode":"WA8 7QH","recordedAt":"2026-03-01T09:00:00Z","source":{"adapter":"a","messageId":"3","organisation":"RWW","system":"pas"}}
    {"birthDate":"1955-09-09","family":"Testlane","nhsNumber":"9990001111","postcode":"WA8 9YB","recordedAt":"2026-03-01T09:00:00Z","source":{"adapter":"a","messageId":"4","organisation":"RWW","system":"pas"}}
    """

    static func run(_ csv: String) -> (lines: [String], errors: [TraceInputError]) {
        let read = TraceFacts.parse(Data(facts.utf8), file: "facts.jsonl")
        #expect(read.errors.isEmpty)
        let parsed = TraceRequests.parse(csv, file: "requests.csv")
        return (IdentityTrace.run(parsed.requests, index: CandidateIndex(facts: read.facts), rule: rule), parsed.errors)
    }

    @Test func linkedReviewAndNone() {
        let csv = """
        reference,family,given,sex,birthDate,postcode,address
        R1,Whittle,Peggy,female,1948-07-03,WA7 2AB,"12 Castle St, Runcorn"
        R2,Kershaw,Jack,male,1990-06-01,WA8 7QH,
        R3,Nobody,Known,,1901-01-01,,
        "R,4",TESTLANE,,,1955-09-09,wa89yb,
        R5,,,,,,

        """
        let (lines, errors) = Self.run(csv)
        #expect(errors.isEmpty)
        #expect(lines == [
            "reference,outcome,nhsNumber,score,candidates",
            "R1,linked,9990004447,35.0,9990004447",
            "R2,review,,40.0,9990004811;9990005095",
            "R3,none,,,",
            "\"R,4\",linked,9990001111,32.0,9990001111",
            "R5,none,,,",
        ])
    }

    @Test func columnsMayComeInAnyOrder() {
        let (lines, errors) = Self.run("birthDate,postcode,family,given,sex,address,reference\n1955-09-09,WA8 9YB,Testlane,,,,X\n")
        #expect(errors.isEmpty)
        #expect(lines.last == "X,linked,9990001111,32.0,9990001111")
    }

    @Test func malformedRowsAreEachNamedByLine() {
        let csv = """
        reference,family,given,sex,birthDate,postcode,address
        R1,Whittle,Margaret,female,07/03/1948,WA7 2AB,
        R2,Whittle,Margaret,woman,1948-03-07,WA7 2AB,
        R3,Whittle,Margaret
        "R4,Whittle,Margaret,female,1948-03-07,WA7 2AB,
        """
        let errors = TraceRequests.parse(csv, file: "requests.csv").errors.sorted { $0.line < $1.line }
        #expect(errors.map(\.line) == [2, 3, 4, 5])
        #expect(errors.map(\.code) == [.birthDate, .sex, .row, .row])
        #expect(errors[0].description.hasPrefix("requests.csv:2: error: birthDate must be a date YYYY-MM-DD"))
        #expect(!errors.map(\.description).joined().contains("Whittle"))
    }

    @Test func aWrongHeaderIsRefused() {
        let errors = TraceRequests.parse("ref,family\nR1,Whittle\n", file: "requests.csv").errors
        #expect(errors.count == 1 && errors[0].code == .header && errors[0].line == 1)
    }

    @Test func aBadFactNamesItsLineNotItsContent() {
        let data = Data((Self.facts + "\n{\"family\":\"Secret\"}\nnot json\n").utf8)
        let read = TraceFacts.parse(data, file: "facts.jsonl")
        #expect(read.errors.map(\.line) == [6, 7])
        #expect(read.errors.allSatisfy { !$0.description.contains("Secret") })
    }
}
