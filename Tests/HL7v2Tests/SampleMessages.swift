/// The project's own synthetic feeds (no real patient, no copied corpus).
enum SampleMessages {
    /// ADT^A03 discharge from an acute trust: PID-3 carries a local MRN and
    /// the NHS number, PD1-3 the registered practice; Z-segment at the end.
    static let dischargeA03Lines = [
        #"MSH|^~\&|WHH_PAS|RWW^Warrington and Halton^L|HX_ADAPTER|HALTON_HX|20260715103000||ADT^A03^ADT_A03|A03-000123|P|2.4|||AL|NE|GBR|UNICODE UTF-8|EN"#,
        #"EVN|A03|20260715103000|||C1234567^Consultant^Anne^^^Dr"#,
        #"PID|1||RWW1234567^^^RWW^MR~9434765919^^^NHS^NH||O'HALTON&&O'HALTON^JANE^MARY^^MRS||19480309|F|||12 Example Road^^Widnes^Cheshire^WA8 7AB^GBR^H||01515550000|||M|||||||||||||||N"#,
        #"PD1|||APPLETON VILLAGE SURGERY^^N81035|G1234567^Practitioner^Gail^^^Dr"#,
        #"PV1|1|I|RWW^WARD A^BED 4^RWW||||C1234567^Consultant^Anne^^^Dr||||||||||||V000987^^^RWW^VN|||||||||||||||||54|NH^Nursing home|||||||20260710140500|20260715103000"#,
        #"DG1|1||S72.0^Fracture of neck of femur^I10||20260710|A"#,
        #"DG1|2||F32.1^Moderate depressive episode^I10||20260711|A"#,
        #"PR1|1||W46.1^Hemiarthroplasty \T\ primary^OPCS4||20260711093000|D"#,
        #"AL1|1|DA|^Penicillin \E\ amoxicillin^L|SV|Rash\.br\swelling"#,
        #"NTE|1||Fit for discharge 15\F\07; needs 2 carers \S\ hoist, see \R\ notes \X4E48\\XC3A9\"#,
        #"ZDS|1|Care home|Y"#,
    ]

    static func discharge(terminator: String = "\r") -> String {
        dischargeA03Lines.joined(separator: terminator) + terminator
    }
}
