import Foundation
import HXCanonical
import HXKafka
import HXTranslate

/// One rejected message of an input: what the dead letter says.
package struct Rejection: Sendable, Equatable, Codable {
    /// The dead letter's key and `hx-message-id`.
    package var messageID: String
    /// Position of the rejected message among the input's outcomes (0-based).
    package var index: Int
    package var code: String
    package var location: String
}

/// What Kafka confirmed for one input.
package struct PublishReceipt: Sendable, Equatable {
    /// Canonical message ids now on the adapter's topic.
    package var canonicalMessageIDs: [String]
    package var identityFacts: Int
    /// Rejected messages, each now on the dead-letter topic.
    package var rejections: [Rejection]
}

/// The Kafka records an adapter writes for one input, from the outcomes of
/// `Translator.translate`: canonical messages, identity facts and dead letters.
/// Pure; the adapter publishes them (`AdapterPublisher`), and a dead letter's
/// replay writes them again exactly as the adapter would (`ReplayPlanner`).
package enum AdapterRecords {
    /// Dead letters keep the input as their value up to this size; a larger
    /// input (kept by its source, e.g. `rejected/`) would exceed Kafka's
    /// default record limit of 1 MB and block the dead letter for ever.
    package static let maxDeadLetterValueBytes = 900_000

    /// The records for one input, in outcome order, and what they will mean once confirmed.
    ///
    /// - Parameter sourceMessageID: the input's own id when the source knows it
    ///   (MSH-10 of a single MLLP message); dead letters derive theirs from it.
    package static func make(configuration: AdapterConfiguration, input: [UInt8], outcomes: [TranslationOutcome], sourceMessageID: String? = nil) -> ([KafkaOutgoingMessage], PublishReceipt) {
        var records: [KafkaOutgoingMessage] = []
        var receipt = PublishReceipt(canonicalMessageIDs: [], identityFacts: 0, rejections: [])
        let failureCount = outcomes.filter { !$0.isSuccess }.count
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .message(let message):
                let id = message.id.uuidString.lowercased()
                records.append(KafkaOutgoingMessage(
                    topic: configuration.topic, key: Array(subjectKey(message).utf8), value: [UInt8](CanonicalJSON.encode(message)),
                    headers: [
                        KafkaHeader(HXHeader.messageID, id),
                        KafkaHeader(HXHeader.messageType, message.type.rawValue),
                        KafkaHeader(HXHeader.schema, message.schema),
                        KafkaHeader(HXHeader.sourceOrganisation, message.source.organisation),
                        KafkaHeader(HXHeader.adapter, configuration.name),
                    ]))
                receipt.canonicalMessageIDs.append(id)
            case .identity(let fact):
                let id = CanonicalMessage.deriveID(sourceOrganisation: fact.source.organisation, sourceMessageID: fact.source.messageId)
                // Keyed by NHS number: the topic is compacted, and the latest fact per
                // person is what matching needs. A key of the demographics themselves
                // would let two people who share them overwrite each other.
                records.append(KafkaOutgoingMessage(
                    topic: HXTopic.identity, key: Array(fact.nhsNumber.digits.utf8), value: [UInt8](fact.jsonData),
                    headers: [
                        KafkaHeader(HXHeader.messageID, id.uuidString.lowercased()),
                        KafkaHeader(HXHeader.messageType, "identity"),
                        KafkaHeader(HXHeader.sourceOrganisation, fact.source.organisation),
                        KafkaHeader(HXHeader.adapter, configuration.name),
                    ]))
                receipt.identityFacts += 1
            case .failure(let error):
                let id = deadLetterID(configuration: configuration, input: input, index: index,
                                      sourceMessageID: failureCount == 1 && outcomes.count == 1 ? sourceMessageID : nil)
                let tooLarge = input.count > maxDeadLetterValueBytes
                var headers = [
                    KafkaHeader(HXHeader.messageID, id),
                    KafkaHeader(HXHeader.stage, "translate"),
                    KafkaHeader(HXHeader.reasonCode, error.code),
                    KafkaHeader(HXHeader.adapter, configuration.name),
                    KafkaHeader(HXHeader.location, error.location),
                    KafkaHeader(HXHeader.sourceOrganisation, configuration.organisation),
                    // Translator messages may quote the offending value (a wrong NHS
                    // number, a name): the header carries only code and location.
                    KafkaHeader(HXHeader.error, safeErrorText(error)),
                ]
                if tooLarge { headers.append(KafkaHeader(HXHeader.valueOmitted, "input of \(input.count) bytes kept by the source")) }
                records.append(KafkaOutgoingMessage(topic: HXTopic.deadLetter, key: Array(id.utf8), value: tooLarge ? [] : input, headers: headers))
                receipt.rejections.append(Rejection(messageID: id, index: index, code: error.code, location: error.location))
            }
        }
        return (records, receipt)
    }

    /// The text a sender or an operator may see for a rejection: code and place, never values.
    package static func safeErrorText(_ error: TranslationError) -> String {
        "\(error.code) at \(error.location)"
    }

    /// NHS number, else a key for the unresolved subject so that one person's
    /// messages still share a partition (their first local identifier), else the message id.
    static func subjectKey(_ message: CanonicalMessage) -> String {
        if let nhs = message.subject.nhsNumber { return nhs.digits }
        if let local = message.subject.localIdentifiers.first { return "local:\(local.system):\(local.value)" }
        return "message:\(message.id.uuidString.lowercased())"
    }

    static let deadLetterNamespace = UUID(uuidString: "0d6f6a43-3c1e-4f0b-9a55-2e7c8b1d4f20")!

    /// Deterministic, so a resent input gives the same dead letter id: from the
    /// input's own id when it has one, else from adapter + input bytes + position.
    package static func deadLetterID(configuration: AdapterConfiguration, input: [UInt8], index: Int, sourceMessageID: String?) -> String {
        if let sourceMessageID, !sourceMessageID.isEmpty {
            return CanonicalMessage.deriveID(sourceOrganisation: configuration.organisation, sourceMessageID: sourceMessageID).uuidString.lowercased()
        }
        let name = "\(configuration.name)|\(Digests.sha1Hex(input))|\(index)"
        return UUIDv5.make(namespace: deadLetterNamespace, name: name).uuidString.lowercased()
    }
}
