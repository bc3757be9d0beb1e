import Foundation
import HXAdapterRecords
import HXCanonical
import HXKafka
import HXTranslate
import Logging

/// Kafka did not confirm every record of an input: nothing of it may be
/// acknowledged; the sender resends (records that did land are repeated
/// with the same message ids, which consumers de-duplicate).
package struct PublishFailure: Error, Sendable, CustomStringConvertible {
    package var code: KafkaError.Code
    package var failed: Int
    package var total: Int
    package var description: String { "\(code): \(failed) of \(total) records not confirmed by Kafka" }
}

/// Turns the outcomes of `Translator.translate` for one input into Kafka
/// records (`AdapterRecords`) and returns once Kafka has confirmed all of them.
package struct AdapterPublisher: Sendable {
    package let configuration: AdapterConfiguration
    let producer: AdapterProducer
    let telemetry: AdapterTelemetry
    let logger: Logger

    package init(configuration: AdapterConfiguration, producer: AdapterProducer, telemetry: AdapterTelemetry, logger: Logger = Logger(label: "hx.adapter.publisher")) {
        self.configuration = configuration
        self.producer = producer
        self.telemetry = telemetry
        self.logger = logger
    }

    /// Publishes and waits for Kafka's delivery reports; throws `PublishFailure` when any record failed.
    ///
    /// - Parameter sourceMessageID: the input's own id when the source knows it
    ///   (MSH-10 of a single MLLP message); dead letters derive theirs from it.
    package func publish(input: [UInt8], outcomes: [TranslationOutcome], sourceMessageID: String? = nil) async throws -> PublishReceipt {
        let (records, receipt) = AdapterRecords.make(configuration: configuration, input: input, outcomes: outcomes, sourceMessageID: sourceMessageID)
        let reports = try await producer.send(batch: records)
        let failures = reports.compactMap(\.error)
        if let first = failures.first {
            throw PublishFailure(code: first.code, failed: failures.count, total: records.count)
        }
        for record in records where record.topic != HXTopic.deadLetter {
            telemetry.recordPublished(type: record.headers.first { $0.name == HXHeader.messageType }?.text ?? "unknown")
        }
        for rejection in receipt.rejections { telemetry.recordRejected(reason: rejection.code) }
        return receipt
    }
}
