import Foundation
import HXCanonical
import Testing
@testable import HXTranslate

/// A FHIR Patient sent on its own becomes an identity fact, with earlier family
/// names and postcodes from the name and address history FHIR keeps.
@Suite struct FHIRPatientIdentityTests {
    static let patient = #"""
    {"resourceType":"Patient","id":"p1","meta":{"versionId":"3","lastUpdated":"2026-03-01T10:00:00Z"},
     "identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990100004"},{"system":"http://trust/mrn","value":"M1"}],
     "name":[
       {"use":"maiden","family":"Critchley","given":["Ann"]},
       {"use":"usual","family":"Taylor","given":["Annie"],"period":{"end":"2019-05-31"}},
       {"use":"official","family":"Dunne-Hesketh","given":["Ann","Marie"]},
       {"use":"old","family":"Brennan","given":["Ann"],"period":{"start":"1990","end":"2001"}},
       {"use":"nickname","family":"Dunne-Hesketh","given":["Nan"]}],
     "gender":"female","birthDate":"1961-04-12",
     "address":[
       {"use":"old","line":["4 Heath Lane"],"city":"Widnes","postalCode":"wa8 9pj"},
       {"use":"home","line":["12 Appleton Road","Flat 2"],"city":"Runcorn","postalCode":"WA7 2AB","period":{"start":"2024-01-01"}},
       {"use":"home","line":["30 Kingsway"],"city":"Widnes","postalCode":"WA8 7QH","period":{"end":"2023-12-31"}},
       {"use":"temp","line":["1 Mersey Road"],"postalCode":"L24 1AA","period":{"end":"2027-01-01"}}]}
    """#

    func translate(_ text: String, _ format: AdapterConfiguration.Format) throws -> TranslationOutcome {
        try #require(Fixtures.translate(text, try Fixtures.config(format)).first)
    }

    @Test(arguments: [AdapterConfiguration.Format.fhirDischarge, .referralFHIR])
    func aPatientOnItsOwnIsAnIdentityFactWithItsHistory(format: AdapterConfiguration.Format) throws {
        guard case .identity(let f) = try translate(Self.patient, format) else {
            Issue.record("not an identity fact: \(try translate(Self.patient, format))")
            return
        }
        #expect(f.nhsNumber.digits == "9990100004")
        #expect(f.family == "Dunne-Hesketh" && f.given == ["Ann", "Marie"])
        #expect(f.sex == .female && f.birthDate == CalendarDate("1961-04-12"))
        // Maiden, a usual name whose period ended, an old one; not the nickname in force.
        #expect(f.earlierFamilies == ["Critchley", "Taylor", "Brennan"])
        #expect(f.postcode == "WA7 2AB" && f.address == ["12 Appleton Road", "Flat 2", "Runcorn"])
        // The old address and the home whose period ended; not the temporary one still in force.
        #expect(f.earlierPostcodes == ["WA8 9PJ", "WA8 7QH"])
        #expect(f.source.messageId == "p1/_history/3" && f.recordedAt.rawValue.hasPrefix("2026-03-01T10:00:00"), "\(f.recordedAt)")
    }

    @Test func withoutHistoryThereIsNone() throws {
        let plain = #"{"resourceType":"Patient","id":"p2","meta":{"lastUpdated":"2026-03-01T10:00:00Z"},"identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990100004"}],"name":[{"family":"Ince","given":["Joe"]}],"address":[{"postalCode":"WA7 1TW"}]}"#
        guard case .identity(let f) = try translate(plain, .fhirDischarge) else { Issue.record("not an identity fact"); return }
        #expect(f.family == "Ince" && f.earlierFamilies == nil && f.earlierPostcodes == nil && f.postcode == "WA7 1TW")
        #expect(f.source.messageId == "p2")
    }

    @Test func aPatientWithoutNHSNumberOrTimeIsRefused() throws {
        let noNumber = #"{"resourceType":"Patient","id":"p3","meta":{"lastUpdated":"2026-03-01T10:00:00Z"},"name":[{"family":"Ince"}]}"#
        #expect(try translate(noNumber, .fhirDischarge).error?.code == "identity-nhs-number-missing")
        let noTime = #"{"resourceType":"Patient","id":"p4","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990100004"}]}"#
        let e = try #require(try translate(noTime, .fhirDischarge).error)
        #expect(e.code == "fhir-field-missing" && e.location == "Patient.meta.lastUpdated")
    }
}
