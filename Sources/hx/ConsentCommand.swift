import ArgumentParser
import Foundation
import HXCanonical
import HXKafka
import HXPlace
import HXPolicy

/// The IG team's tool for objections and opt-outs: directives go to
/// `hx.consent.v1` (compacted, keyed by NHS number), where the router reads them.
struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Record, withdraw and show a person's objections and national data opt-out.",
        subcommands: [Record.self, Withdraw.self, Show.self]
    )

    static let topic = "hx.consent.v1"

    struct Person: ParsableArguments {
        @Option(help: "The person's NHS number (10 digits, spaces allowed).")
        var nhsNumber: String

        func number() throws -> NHSNumber {
            do { return try NHSNumber(nhsNumber) } catch {
                throw ValidationError("--nhs-number: \(error)")
            }
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record an objection (to all sharing or to named recipient organisations) or a national data opt-out."
        )

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var person: Person

        @Option(help: "objection or national-data-opt-out.")
        var directive: String = "objection"

        @Option(help: ArgumentHelp("For an objection: all, or recipient organisation codes, comma separated.", valueName: "all|CODE,..."))
        var scope: String = "all"

        @Option(help: "Who recorded it (name or team), kept with the directive.")
        var recordedBy: String

        func run() async throws {
            guard let kind = ConsentDirective.Kind(rawValue: directive), kind != .withdrawObjection else {
                throw ValidationError("--directive must be objection or national-data-opt-out (use `hx consent withdraw` to withdraw)")
            }
            let scope: ConsentDirective.Scope? = kind == .nationalDataOptOut ? nil : try parseScope(self.scope)
            try await publish(ConsentDirective(nhsNumber: person.number(), directive: kind, scope: scope, recordedAt: now(), recordedBy: recordedBy), kafka: kafka)
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw an objection, to all sharing or for named recipient organisations.")

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var person: Person

        @Option(help: ArgumentHelp("all, or recipient organisation codes, comma separated.", valueName: "all|CODE,..."))
        var scope: String = "all"

        @Option(help: "Who recorded it (name or team), kept with the directive.")
        var recordedBy: String

        func run() async throws {
            try await publish(ConsentDirective(nhsNumber: person.number(), directive: .withdrawObjection, scope: parseScope(scope), recordedAt: now(), recordedBy: recordedBy), kafka: kafka)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every directive recorded for a person, oldest first, one JSON object per line.")

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var person: Person

        func run() async throws {
            LogSetup.bootstrap()
            let number = try person.number()
            let client = try kafka.clientConfiguration(clientID: "hx-consent")
            let admin = try KafkaAdmin(configuration: client)
            guard let description = try await admin.describeCluster().topic(ConsentCommand.topic) else {
                throw ValidationError("topic \(ConsentCommand.topic) does not exist; run `hx topics apply`")
            }
            // Read every partition up to its end as it is now; no consumer group, no commits.
            var ends: [Int32: Int64] = [:]
            for partition in description.partitions {
                let marks = try await admin.watermarks(KafkaTopicPartition(topic: ConsentCommand.topic, partition: partition.id))
                if marks.high > marks.low { ends[partition.id] = marks.high }
            }
            let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client, groupID: HXGroup.consentShow))
            try consumer.assign(ends.keys.map { KafkaTopicPartitionOffset(topic: ConsentCommand.topic, partition: $0, offset: KafkaConsumer.beginning) })
            var found: [(directive: ConsentDirective, partition: Int32, offset: Int64)] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while !ends.isEmpty && ContinuousClock.now < deadline {
                for message in try await consumer.poll() {
                    if message.offset + 1 >= (ends[message.partition] ?? 0) { ends[message.partition] = nil }
                    guard message.keyString == number.digits,
                          let directive = try? JSONDecoder().decode(ConsentDirective.self, from: Data(message.value)) else { continue }
                    found.append((directive, message.partition, message.offset))
                }
            }
            await consumer.close()
            // One key is one partition, so offsets order directives recorded in the same millisecond.
            let oldestFirst = found.sorted {
                (Instant($0.directive.recordedAt), $0.offset) < (Instant($1.directive.recordedAt), $1.offset)
            }
            for entry in oldestFirst {
                print(String(decoding: try JSONEncoder.sorted.encode(entry.directive), as: UTF8.self))
            }
        }
    }
}

private func parseScope(_ text: String) throws -> ConsentDirective.Scope {
    if text == "all" { return .all }
    let codes = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard !codes.isEmpty else { throw ValidationError("--scope must be all or organisation codes") }
    return .organisations(codes)
}

/// Now, to the millisecond: directives of one person are ordered by this.
private func now() -> RFC3339Timestamp {
    RFC3339Timestamp(Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))!
}

/// Sends one directive and returns once the broker has it.
private func publish(_ directive: ConsentDirective, kafka: KafkaOptions) async throws {
    LogSetup.bootstrap()
    let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka.clientConfiguration(clientID: "hx-consent")))
    let value = try JSONEncoder.sorted.encode(directive)
    let report = try await producer.send(KafkaOutgoingMessage(
        topic: ConsentCommand.topic, key: Array(directive.nhsNumber.digits.utf8), value: Array(value),
        headers: [KafkaHeader(HXHeader.directive, directive.directive.rawValue)]))
    await producer.close()
    print("recorded \(directive.directive.rawValue) at \(directive.recordedAt.rawValue) (\(ConsentCommand.topic)[\(report.partition)]@\(report.offset))")
}

extension JSONEncoder {
    /// Sorted keys, so the same directive always has the same bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
