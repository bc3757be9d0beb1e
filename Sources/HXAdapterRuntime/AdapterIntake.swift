import Foundation
import HXAdapterRecords
import HXKafka
import HXTranslate
import Logging

/// What became of one input, as its source must answer it.
package enum IntakeResult: Sendable, Equatable {
    /// Every message is on Kafka: acknowledge, move to done/.
    case accepted(PublishReceipt)
    /// At least one message was rejected; its dead letter (and every good
    /// message) is on Kafka: answer with the error, move to rejected/.
    case rejected(PublishReceipt)
    /// Kafka did not confirm everything: tell the sender to try again, keep the file.
    case retryLater(code: String)
}

/// Receipt → translate → publish, timed and counted: the part every source shares.
package struct AdapterIntake: Sendable {
    package let publisher: AdapterPublisher
    package let telemetry: AdapterTelemetry
    let logger: Logger

    package init(publisher: AdapterPublisher, telemetry: AdapterTelemetry, logger: Logger = Logger(label: "hx.adapter.intake")) {
        self.publisher = publisher
        self.telemetry = telemetry
        self.logger = logger
    }

    package var configuration: AdapterConfiguration { publisher.configuration }

    /// - Parameter receivedAt: when the source had the whole input (the handoff timer starts there).
    package func handle(_ input: [UInt8], sourceMessageID: String? = nil, receivedAt: ContinuousClock.Instant = .now) async -> IntakeResult {
        telemetry.recordReceived()
        let outcomes = Translator.translate(configuration: configuration, input: Data(input))
        do {
            let receipt = try await publisher.publish(input: input, outcomes: outcomes, sourceMessageID: sourceMessageID)
            if telemetry.recordHandoff(since: receivedAt) {
                logger.notice("Kafka confirms inputs again", metadata: ["hx.kafka-failures": "\(telemetry.counts.kafkaFailures)"])
            }
            if receipt.rejections.isEmpty {
                logger.debug("input handed off", metadata: [
                    "hx.message-ids": "\(receipt.canonicalMessageIDs.joined(separator: ","))",
                    "hx.identity-facts": "\(receipt.identityFacts)",
                ])
                return .accepted(receipt)
            }
            // Codes and dead letter ids only: the translator's message text may hold patient data.
            logger.info("input rejected, dead letters confirmed", metadata: [
                "hx.reason-codes": "\(Set(receipt.rejections.map(\.code)).sorted().joined(separator: ","))",
                "hx.dead-letter-ids": "\(receipt.rejections.map(\.messageID).joined(separator: ","))",
                "hx.accepted": "\(receipt.canonicalMessageIDs.count + receipt.identityFacts)",
            ])
            return .rejected(receipt)
        } catch let failure as PublishFailure {
            let first = telemetry.recordKafkaFailure()
            logger.log(level: first ? .warning : .debug, "Kafka did not confirm an input; senders must retry until it does", metadata: [
                "kafka.code": "\(failure.code)", "hx.failed": "\(failure.failed)", "hx.records": "\(failure.total)",
            ])
            return .retryLater(code: failure.code.rawValue)
        } catch {
            // Only a closed producer throws here (shutting down): still nothing is acknowledged.
            _ = telemetry.recordKafkaFailure()
            logger.warning("Kafka producer unavailable; the sender must retry", metadata: ["error": "\(type(of: error))"])
            return .retryLater(code: (error as? KafkaError)?.code.rawValue ?? KafkaError.Code.broker.rawValue)
        }
    }
}
