import Foundation
import Testing
@testable import HXCanonical

@Suite struct CanonicalJSONTests {
    @Test(arguments: Samples.all)
    func roundTripIsExactAndByteStable(message: CanonicalMessage) throws {
        let first = CanonicalJSON.encode(message)
        let second = CanonicalJSON.encode(message)
        #expect(first == second)
        let decoded = try CanonicalJSON.decode(first)
        #expect(decoded == message)
        // Decoding and re-encoding gives the same bytes again.
        #expect(CanonicalJSON.encode(decoded) == first)
    }

    @Test func exactBytesForASmallMessage() {
        let message = CanonicalMessage(
            id: UUID(uuidString: "DFAFE21B-DCD0-5E74-8315-765A7382F6A3")!,
            occurredAt: RFC3339Timestamp("2026-07-15T10:30:00+01:00")!,
            source: Source(organisation: "RWW", system: "PAS/ADT", adapter: "a", messageId: "1"),
            subject: Subject(nhsNumber: nil, identityStatus: .unresolved),
            payload: .referral(Referral(referralId: "R1", fromOrganisation: "A", toOrganisation: "B",
                                        priority: .twoWeekWait, requestedAt: RFC3339Timestamp("2026-07-15T10:30:00Z")!)))
        let expected = #"{"id":"dfafe21b-dcd0-5e74-8315-765a7382f6a3","occurredAt":"2026-07-15T10:30:00+01:00","payload":{"fromOrganisation":"A","priority":"two-week-wait","referralId":"R1","requestedAt":"2026-07-15T10:30:00Z","toOrganisation":"B"},"schema":"hx.canonical/1","sensitivity":[],"source":{"adapter":"a","messageId":"1","organisation":"RWW","system":"PAS/ADT"},"subject":{"identityStatus":"unresolved","localIdentifiers":[],"nhsNumber":null,"registeredPractice":null},"type":"referral"}"#
        // "/" is written unescaped (hx.canonical/1, PAS/ADT); nhsNumber and
        // registeredPractice are explicit nulls; other absent optionals omitted.
        #expect(String(decoding: CanonicalJSON.encode(message), as: UTF8.self) == expected)
    }

    @Test func typeFollowsPayload() throws {
        for message in Samples.all {
            let object = try JSONSerialization.jsonObject(with: CanonicalJSON.encode(message)) as? [String: Any]
            #expect(object?["type"] as? String == message.payload.type.rawValue)
            #expect(object?["schema"] as? String == "hx.canonical/1")
        }
    }

    @Test func sensitivityUnionIncludesItemLabels() {
        var message = Samples.discharge
        message.sensitivity = [.safeguarding]
        #expect(message.withSensitivityUnion().sensitivity == [.mentalHealth, .safeguarding])
    }

    /// Takes a sample's JSON, changes it with `edit`, and decodes it.
    private func decodeEdited(_ message: CanonicalMessage, _ edit: (inout [String: Any]) -> Void) -> CanonicalDecodingError? {
        var object = (try? JSONSerialization.jsonObject(with: CanonicalJSON.encode(message))) as? [String: Any] ?? [:]
        edit(&object)
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return #expect(throws: CanonicalDecodingError.self) { try CanonicalJSON.decode(data) }
    }

    private func nested(_ object: inout [String: Any], _ key: String, _ edit: (inout [String: Any]) -> Void) {
        var inner = object[key] as? [String: Any] ?? [:]
        edit(&inner)
        object[key] = inner
    }

    @Test func errorsNameTheJSONPath() {
        var e = decodeEdited(Samples.discharge) { $0["subject"] = ["nhsNumber": "9434765919"] }
        #expect(e?.kind == .missingField)
        #expect(e?.path == "subject.identityStatus")

        e = decodeEdited(Samples.discharge) { o in nested(&o, "subject") { $0["nhsNumber"] = "9434765918" } }
        #expect(e?.kind == .invalidValue)
        #expect(e?.path == "subject.nhsNumber")
        #expect(e?.message.contains("nhs-number-invalid") == true)

        e = decodeEdited(Samples.discharge) { o in
            nested(&o, "payload") { p in
                var list = p["diagnoses"] as? [[String: Any]] ?? []
                list[1]["code"] = 42
                p["diagnoses"] = list
            }
        }
        #expect(e?.kind == .wrongType)
        #expect(e?.path == "payload.diagnoses[1].code")

        e = decodeEdited(Samples.discharge) { $0["schema"] = "hx.canonical/2" }
        #expect(e?.kind == .unsupportedSchema)
        #expect(e?.code == "canonical-schema-unsupported")
        #expect(e?.path == "schema")

        // The payload is read as the type says: a discharge payload under "referral".
        e = decodeEdited(Samples.discharge) { $0["type"] = "referral" }
        #expect(e?.kind == .missingField)
        #expect(e?.path == "payload.referralId")

        e = decodeEdited(Samples.discharge) { $0["type"] = "letter" }
        #expect(e?.path == "type")

        e = decodeEdited(Samples.discharge) { $0["occurredAt"] = "2026-07-15T10:30:00" }
        #expect(e?.path == "occurredAt")

        e = decodeEdited(Samples.discharge) { o in nested(&o, "subject") { $0["nhsNumber"] = NSNull() } }
        #expect(e?.path == "subject.identityStatus")  // verified without an NHS number

        e = decodeEdited(Samples.socialCare) { o in nested(&o, "payload") { $0["pathway"] = 4 } }
        #expect(e?.path == "payload.pathway")

        e = decodeEdited(Samples.discharge) { o in nested(&o, "payload") { p in
            var meds = p["medications"] as? [[String: Any]] ?? []
            meds[0]["status"] = "paused"
            p["medications"] = meds
        } }
        #expect(e?.path == "payload.medications[0].status")
    }

    @Test func syntaxErrors() {
        for text in ["", "{", "[]", "not json"] {
            let e = #expect(throws: CanonicalDecodingError.self) { try CanonicalJSON.decode(Data(text.utf8)) }
            #expect(e?.path == "$", "\(text)")
        }
    }

    @Test func unknownFieldsAreAllowed() throws {
        // "More fields may be added": a newer producer must not break this reader.
        var object = try JSONSerialization.jsonObject(with: CanonicalJSON.encode(Samples.referral)) as! [String: Any]
        object["futureField"] = ["x": 1]
        let decoded = try CanonicalJSON.decode(try JSONSerialization.data(withJSONObject: object))
        #expect(decoded == Samples.referral)
    }
}
