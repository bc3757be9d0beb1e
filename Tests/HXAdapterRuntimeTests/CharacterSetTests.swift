import Foundation
import HL7v2
import HXCanonical
import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import HXNetworkTestSupport
import HXTranslate
import NIOCore
import Prometheus
import Testing
@testable import HXAdapterRuntime

/// An ADT^A03 as a PAS in another character set sends it: `msh18` appended to
/// the MSH (nil: none), the given name replaced, the text written in `encoding`.
func pasA03(controlID: String, nhsNumber: String, family: String, given: String, msh18: String?, sendingApplication: String = "PAS",
            encoding: String.Encoding) throws -> [UInt8] {
    var text = String(decoding: adtA03(controlID: controlID, nhsNumber: nhsNumber, family: family), as: UTF8.self)
        .replacingOccurrences(of: "^Alex|", with: "^\(given)|")
        .replacingOccurrences(of: "MSH|^~\\&|PAS|", with: "MSH|^~\\&|\(sendingApplication)|")
    if let msh18 { text = text.replacingOccurrences(of: "|AL|NE\r", with: "|AL|NE|GBR|\(msh18)\r") }
    return [UInt8](try #require(text.data(using: encoding, allowLossyConversion: false)))
}

/// The answer to a frame from a sender in another character set: read in it, written in it.
@Suite struct SenderCharsetTests {
    static let number = testNHSNumbers(1)[0]

    func configuration(_ encoding: TextEncoding = .utf8) -> AdapterConfiguration {
        var c = testConfiguration()
        c.encoding = encoding
        return c
    }

    @Test func latin1SenderIsAnsweredInLatin1WithItsMSH18() throws {
        let frame = try pasA03(controlID: "CS-1", nhsNumber: Self.number, family: "Jones", given: "Siân", msh18: "8859/1",
                               sendingApplication: "PAS^Système", encoding: .isoLatin1)
        let sender = SenderCharset(frame: frame, configuration: configuration())
        #expect(sender.encoding == .iso88591)
        #expect(String(decoding: sender.readable, as: UTF8.self).contains("Siân"))
        let (context, single) = AckContextReader.context(for: sender.readable)
        #expect(single && context.messageControlID == "CS-1")
        #expect(context.characterSet == "8859/1")
        let answer = sender.encoding.encode(utf8: AcknowledgementWriter().build(replyingTo: context, code: .accept, text: nil, condition: nil, location: nil))
        // "Système" comes back as its ISO 8859-1 byte, not as UTF-8.
        #expect(answer.contains(0xE8) && !answer.contains(0xC3))
        let ack = try HL7Message(try TextEncoding.iso88591.utf8(from: answer))
        #expect(ack["MSH-5.2"] == "Système" && ack["MSH-18"] == "8859/1" && ack["MSA-2"] == "CS-1")
    }

    @Test func windows1252AdapterAnswersInWindows1252() throws {
        let frame = try pasA03(controlID: "CS-2", nhsNumber: Self.number, family: "O’Brien", given: "Zoë", msh18: nil, encoding: .windowsCP1252)
        let sender = SenderCharset(frame: frame, configuration: configuration(.windows1252))
        #expect(sender.encoding == .windows1252)
        #expect(String(decoding: sender.readable, as: UTF8.self).contains("O\u{2019}Brien"))
        #expect(AckContextReader.context(for: sender.readable).0.characterSet.isEmpty)
    }

    @Test func utf8FramesAreReadAsTheyCame() throws {
        let frame = adtA03(controlID: "CS-3", nhsNumber: Self.number)
        let sender = SenderCharset(frame: frame, configuration: configuration())
        #expect(sender.encoding == .utf8 && sender.readable == frame)
    }

    @Test func undecodableFramesStillGetAnAnswerNamingThem() throws {
        // Invalid in its declared set: the header is still read from the raw bytes.
        var frame = try pasA03(controlID: "CS-4", nhsNumber: Self.number, family: "Jones", given: "Ann", msh18: nil, encoding: .windowsCP1252)
        frame.insert(0x81, at: frame.count - 20)
        let sender = SenderCharset(frame: frame, configuration: configuration(.windows1252))
        #expect(sender.encoding == .windows1252 && sender.readable == frame)
        #expect(AckContextReader.context(for: sender.readable).0.messageControlID == "CS-4")
        // A set we cannot write: answered in ASCII, MSH-18 echoed as sent.
        let utf16 = try pasA03(controlID: "CS-5", nhsNumber: Self.number, family: "Jones", given: "Ann", msh18: "UNICODE UTF-16", encoding: .utf8)
        let other = SenderCharset(frame: utf16, configuration: configuration())
        #expect(other.encoding == .ascii)
        #expect(AckContextReader.context(for: other.readable).0.characterSet == "UNICODE UTF-16")
        #expect(AckContextReader.condition(for: "hl7-charset-unsupported") == .tableValueNotFound)
        for code in ["invalid-utf8", "invalid-ascii", "invalid-iso-8859-1", "invalid-windows-1252"] {
            #expect(AckContextReader.condition(for: code) == .dataTypeError)
        }
    }
}

extension BrokerTests {
    @Suite("Character sets over MLLP against a real broker", .serialized, .timeLimit(.minutes(3)))
    struct CharacterSetBrokerTests {
        /// Sends each frame in turn on one connection and returns each final answer as
        /// received (bytes in the sender's character set). AR means Kafka was not
        /// ready: the same frame is sent again, as a sender would.
        func exchange(_ frames: [[UInt8]], port: Int) async throws -> [[UInt8]] {
            let connection = try await MLLPTestClient(port: port).connect()
            return try await connection.executeThenClose { inbound, outbound in
                var replies: [[UInt8]] = []
                var iterator = inbound.makeAsyncIterator()
                for frame in frames {
                    while true {
                        try await outbound.write(ByteBuffer(bytes: MLLP.frame(frame)))
                        let reply = try #require(try await iterator.next())
                        if try HL7Message(TextEncoding.windows1252.utf8(from: reply))["MSA-1"] != "AR" {
                            replies.append(reply)
                            break
                        }
                    }
                }
                return replies
            }
        }

        @Test("ISO 8859-1 and Windows-1252 PAS messages over MLLP: names intact on the canonical topic, ACKs in the sender's set, an invalid byte dead-lettered with its code")
        func latin1AndWindows1252EndToEnd() async throws {
            try await withBroker { broker in
                try await createAdapterTopics(broker)
                let numbers = testNHSNumbers(3, from: 7000)
                // This PAS writes Windows-1252; some of its messages say MSH-18 8859/1.
                var configuration = testConfiguration()
                configuration.encoding = .windows1252
                let latin1 = try pasA03(controlID: "CS-LATIN1", nhsNumber: numbers[0], family: "Ó Súilleabháin", given: "Siân",
                                        msh18: "8859/1", sendingApplication: "PAS^Système", encoding: .isoLatin1)
                let windows = try pasA03(controlID: "CS-WIN1252", nhsNumber: numbers[1], family: "O’Brien", given: "Zoë",
                                         msh18: nil, encoding: .windowsCP1252)
                let valid = try pasA03(controlID: "CS-INVALID", nhsNumber: numbers[2], family: "Jones", given: "Ann",
                                       msh18: nil, encoding: .windowsCP1252)
                let badOffset = try #require(valid.firstIndex(of: UInt8(ascii: "J")))
                let invalid = Array(valid[..<badOffset]) + [0x81] + Array(valid[badOffset...])  // 0x81 is undefined in Windows-1252
                #expect(latin1.contains(0xE2) && windows.contains(0x92) && windows.contains(0xEB))

                let replies = try await withAdapter(broker, configuration: configuration) { adapter in
                    try await exchange([latin1, windows, invalid], port: adapter.mllpPort)
                }
                let acks = try replies.map { try HL7Message(TextEncoding.windows1252.utf8(from: $0)) }
                #expect(acks.map { $0["MSA-1"] } == ["AA", "AA", "AE"])
                #expect(acks.map { $0["MSA-2"] } == ["CS-LATIN1", "CS-WIN1252", "CS-INVALID"])
                // The Latin-1 sender's answer echoes its MSH-18 and is written in it.
                #expect(acks[0]["MSH-18"] == "8859/1" && acks[0]["MSH-5.2"] == "Système")
                #expect(replies[0].contains(0xE8) && !replies[0].contains(0xC3))
                #expect(acks[1]["MSH-18"] == nil)
                #expect(acks[2]["MSA-3"] == "invalid-windows-1252 at byte \(badOffset)")
                #expect(acks[2]["ERR-3.1"] == "102")

                let records = try await readTopic(broker, MessageType.dischargeSummary.topic, partitions: 3, atLeast: 2)
                let names = try Dictionary(records.map { record in
                    let message = try CanonicalJSON.decode(Data(record.value))
                    return (message.source.messageId, message.subject.name)
                }, uniquingKeysWith: { first, _ in first })
                #expect(records.count == 2)
                #expect(names["CS-LATIN1"] == PersonName(family: "Ó Súilleabháin", given: ["Siân"]))
                #expect(names["CS-WIN1252"] == PersonName(family: "O\u{2019}Brien", given: ["Zoë"]))
                // Canonical JSON is UTF-8 whatever the feed sent.
                #expect(records.allSatisfy { String(validating: $0.value, as: UTF8.self) != nil })

                let letters = try await readTopic(broker, HXTopic.deadLetter, partitions: 1, atLeast: 1)
                let letter = try #require(letters.first)
                #expect(letters.count == 1)
                #expect(letter.value == invalid)  // the bytes as sent: nothing lost
                #expect(header(letter, HXHeader.reasonCode) == "invalid-windows-1252")
                #expect(header(letter, HXHeader.location) == "byte \(badOffset)")
                #expect(header(letter, HXHeader.error) == "invalid-windows-1252 at byte \(badOffset)")
            }
        }

        @Test("Drop folder on a Windows-1252 adapter: a Windows-1252 CSV and a UTF-8 CSV with a byte order mark both reach the canonical topic intact")
        func dropFolderCSVInTheAdapterEncoding() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("hx-drop-charset"))
            defer { try? FileManager.default.removeItem(at: folder) }
            let numbers = testNHSNumbers(2, from: 7100)
            func csv(_ id: String, _ number: String, _ family: String, _ given: String) -> String {
                "Event ID,NHS No,Event Type,Start Date,Surname,Forename\r\n\(id),\(number),carer-assessment,2026-10-25,\(family),\(given)\r\n"
            }
            let windows = [UInt8](try #require(csv("EV-1", numbers[0], "O’Brien", "Zoë").data(using: .windowsCP1252)))
            let marked: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(csv("EV-2", numbers[1], "Ó Súilleabháin", "Siân").utf8)
            let configuration = AdapterConfiguration(
                name: "test-folder-csv", organisation: "HBC-ASC", system: "export", format: .socialCareCSV, source: .folder(path: folder.path),
                columns: ["recordId": "Event ID", "nhsNumber": "NHS No", "event": "Event Type", "effectiveFrom": "Start Date", "family": "Surname", "given": "Forename"],
                encoding: .windows1252)
            try await withBroker { broker in
                let topic = MessageType.socialCareNotification.topic
                try await createAdapterTopics(broker, canonical: topic)
                var producerConfiguration = KafkaProducerConfiguration(client: clientConfiguration(broker))
                producerConfiguration.messageTimeout = .seconds(10)
                let settings = producerConfiguration
                let producer = try AdapterProducer { try KafkaProducer(configuration: settings) }
                let telemetry = AdapterTelemetry(adapter: configuration.name, factory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()))
                let intake = AdapterIntake(publisher: AdapterPublisher(configuration: configuration, producer: producer, telemetry: telemetry), telemetry: telemetry)
                let source = DropFolderSource(folder: folder, intake: intake, logger: quietLogger)
                try source.createFolders()
                try Data(windows).write(to: source.incoming.appendingPathComponent("windows.csv"))
                try Data(marked).write(to: source.incoming.appendingPathComponent("marked.csv"))
                // One scan, no timers: each file is handed off and moved before it returns.
                #expect(await source.scanOnce() == .init(done: 2, rejected: 0, retryLater: 0))
                await producer.close()

                let records = try await readTopic(broker, topic, partitions: 3, atLeast: 2)
                let names = try Dictionary(records.map { record in
                    let message = try CanonicalJSON.decode(Data(record.value))
                    return (message.source.messageId, message.subject.name)
                }, uniquingKeysWith: { first, _ in first })
                #expect(names == ["EV-1": PersonName(family: "O\u{2019}Brien", given: ["Zoë"]),
                                  "EV-2": PersonName(family: "Ó Súilleabháin", given: ["Siân"])])
            }
        }
    }
}
