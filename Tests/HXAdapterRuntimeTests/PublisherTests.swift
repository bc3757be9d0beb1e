import Foundation
import HXAdapterRecords
import HXCanonical
import HXKafka
import HXKafkaTestSupport
import HXNetworkTestSupport
import HXTranslate
import Testing

/// Record building is pure: checked here without a broker.
@Suite("Adapter publisher records")
struct PublisherTests {
    let configuration = testConfiguration()

    func records(_ text: String) -> ([KafkaOutgoingMessage], PublishReceipt) {
        let input = Array(text.utf8)
        return AdapterRecords.make(configuration: configuration, input: input,
                                   outcomes: Translator.translate(configuration: configuration, input: Data(input)))
    }

    @Test("No NHS number: keyed by the local identifier, never empty")
    func unresolvedSubjectKey() throws {
        let text = "MSH|^~\\&|PAS|RWW|HX|HALTON|20260115083000||ADT^A03|U-1|P|2.4\rEVN|A03|20260115082500\rPID|1||RWW123^^^RWW^MR||X^Y\rPV1|1|I\r"
        let (out, receipt) = records(text)
        #expect(out.count == 1)
        #expect(out[0].topic == MessageType.dischargeSummary.topic)
        #expect(out[0].key == Array("local:RWW:RWW123".utf8))
        #expect(receipt.rejections.isEmpty)
    }

    @Test("ADT^A08 becomes an identity fact on hx.identity.v1, keyed by NHS number")
    func identityFact() throws {
        let nhs = testNHSNumbers(1, from: 42)[0]
        let text = "MSH|^~\\&|PAS|RWW|HX|HALTON|20260115083000||ADT^A08|I-1|P|2.4\rEVN|A08|20260115082500\rPID|1||\(nhs)^^^NHS^NH||X^Y||19400611|M|||^^^^WA7 1AA\r"
        let (out, receipt) = records(text)
        #expect(out.map(\.topic) == [HXTopic.identity])
        #expect(out[0].key == Array(nhs.utf8))
        #expect(receipt.identityFacts == 1)
    }

    @Test("A dead letter's id is the same for the same input, different for another, and its headers carry no values")
    func deadLetterIdentity() throws {
        let bad = invalidNHSNumber()
        let a = records("MSH|^~\\&|PAS|RWW|HX|HALTON|20260115083000||ADT^A03||P|2.4\rPID|1||\(bad)^^^NHS^NH\r").0
        let again = records("MSH|^~\\&|PAS|RWW|HX|HALTON|20260115083000||ADT^A03||P|2.4\rPID|1||\(bad)^^^NHS^NH\r").0
        let other = records("MSH|^~\\&|PAS|RWW|HX|HALTON|20260115083001||ADT^A03||P|2.4\rPID|1||\(bad)^^^NHS^NH\r").0
        #expect(a[0].topic == HXTopic.deadLetter)
        #expect(a[0].key == again[0].key)
        #expect(a[0].key != other[0].key)
        for header in a[0].headers { #expect(header.text?.contains(bad) != true) }
    }
}
