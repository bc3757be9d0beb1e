import ArgumentParser
import Foundation
import HXCanonical
import HXKafka

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow a topic: one line per record with partition, offset, time, size and headers.",
        discussion: "Keys and values (NHS numbers, clinical content) are shown only with --show-patient-data. Reads without joining a consumer group, so it moves no one's offsets."
    )

    @OptionGroup var kafka: KafkaOptions

    @Argument(help: "The topic to follow.")
    var topic: String

    @Flag(help: "Start from the oldest record kept instead of new records only.")
    var fromBeginning = false

    @Option(help: "Stop after this many records.")
    var limit: Int?

    @Flag(help: "Also print keys and values. They may hold patient identifiers and clinical data.")
    var showPatientData = false

    func run() async throws {
        LogSetup.bootstrap()
        let client = try kafka.clientConfiguration(clientID: "hx-tail")
        let admin = try KafkaAdmin(configuration: client)
        guard let description = try await admin.describeCluster().topic(topic) else {
            throw ValidationError("topic '\(topic)' does not exist on \(kafka.bootstrapServers)")
        }
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client, groupID: HXGroup.tail))
        try consumer.assign(description.partitions.map {
            KafkaTopicPartitionOffset(topic: topic, partition: $0.id, offset: fromBeginning ? KafkaConsumer.beginning : KafkaConsumer.end)
        })
        var seen = 0
        for try await message in consumer.messages {
            let time = message.timestampMilliseconds.map {
                Date(timeIntervalSince1970: Double($0) / 1000).formatted(.iso8601)
            } ?? "-"
            var line = "\(message.topic)[\(message.partition)]@\(message.offset) \(time) \(message.value.count)B"
            let headers = message.headers.map { "\($0.name)=\($0.text ?? "")" }.joined(separator: " ")
            if !headers.isEmpty { line += " \(headers)" }
            if showPatientData { line += " key=\(message.keyString ?? "-") value=\(message.valueString)" }
            print(line)
            seen += 1
            if let limit, seen >= limit { break }
        }
        await consumer.close()
    }
}
