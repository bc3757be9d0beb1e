import Testing
@testable import HL7v2

@Suite struct AcknowledgementTests {
    let original = try! HL7Message(SampleMessages.discharge())

    @Test func acceptSwapsEndpointsAndEchoesControlID() throws {
        let bytes = HL7Acknowledgement.build(replyingTo: original, code: .accept, controlID: "ACK-1", timestamp: "20260715103005")
        #expect(String(decoding: bytes, as: UTF8.self)
            == "MSH|^~\\&|HX_ADAPTER|HALTON_HX|WHH_PAS|RWW^Warrington and Halton^L|20260715103005||ACK^A03^ACK|ACK-1|P|2.4||||||UNICODE UTF-8\rMSA|AA|A03-000123\r")
        let ack = try HL7Message(bytes)
        #expect(ack["MSH-3"] == original["MSH-5"])
        #expect(ack["MSH-4"] == original["MSH-6"])
        #expect(ack["MSH-5"] == original["MSH-3"])
        #expect(ack["MSH-6.2"] == "Warrington and Halton")
        #expect(ack["MSA-2"] == "A03-000123")
        #expect(ack["MSH-18"] == original["MSH-18"])  // the answer is in the sender's character set
        #expect(ack.segments(named: "ERR").isEmpty)
        // No clock inside: same inputs, same bytes.
        #expect(bytes == HL7Acknowledgement.build(replyingTo: original, code: .accept, controlID: "ACK-1", timestamp: "20260715103005"))
    }

    @Test func errorCarriesERRWithLocationAndText() throws {
        let bytes = HL7Acknowledgement.build(
            replyingTo: original, code: .error, controlID: "ACK-2", timestamp: "20260715103006",
            text: "nhs-number-invalid: check digit | mismatch", errorCondition: .dataTypeError, errorLocation: "PID-3(2).1")
        let ack = try HL7Message(bytes)
        #expect(ack["MSA-1"] == "AE")
        #expect(ack["MSA-2"] == "A03-000123")
        #expect(ack["MSA-3"] == "nhs-number-invalid: check digit | mismatch")
        #expect(ack["ERR-1.1"] == "PID")
        #expect(ack["ERR-1.3"] == "3")
        #expect(ack["ERR-1.4.1"] == "102")
        #expect(ack.rawValue(at: "ERR-2") == "PID^1^3^2^1^")
        #expect(ack["ERR-3.1"] == "102")
        #expect(ack["ERR-3.3"] == "HL70357")
        #expect(ack["ERR-4"] == "E")
        #expect(ack["ERR-8"] == "nhs-number-invalid: check digit | mismatch")
    }

    @Test func rejectFromAHandBuiltContext() throws {
        // When the message could not be parsed, the adapter can still answer
        // from what it could read of the header.
        let context = HL7AckContext(sendingApplication: "LAB", sendingFacility: "RBN", receivingApplication: "HX",
                                    receivingFacility: "HALTON", messageControlID: "X9")
        let ack = try HL7Message(HL7Acknowledgement.build(replyingTo: context, code: .reject, controlID: "ACK-3",
                                                          timestamp: "20260101000000", text: "hl7-segment-invalid"))
        #expect(ack["MSH-3"] == "HX")
        #expect(ack["MSH-5"] == "LAB")
        #expect(ack["MSH-9"] == "ACK")
        #expect(ack["MSA-1"] == "AR")
        #expect(ack["MSA-2"] == "X9")
        #expect(ack["ERR-3.1"] == "200")
        #expect(ack["ERR-2"] == nil)
    }
}
