import HXCanonical
import ArgumentParser
import Foundation
import HXConfigFile
import HXKafka
import HXTopics

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create the product's Kafka topics and show what the cluster holds.",
        subcommands: [Apply.self, List.self]
    )

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create every topic of config/topics.yaml that the cluster lacks (safe to repeat; never deletes or alters a topic)."
        )

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var config: ConfigDirectoryOption

        func run() async throws {
            LogSetup.bootstrap()
            let topics = try declaredTopics(config.url)
            let admin = try KafkaAdmin(configuration: kafka.clientConfiguration(clientID: "hx-topics"))
            let results = try await TopicApplier(admin: admin).apply(topics)
            var failed = false
            for result in results {
                let text: String
                switch result.outcome {
                case .created: text = "created"
                case .unchanged: text = "exists"
                case let .partitionsDiffer(existing, declared):
                    text = "exists with \(existing) partitions; \(declared) declared (left as is: adding partitions moves keys)"
                case .failed(let reason):
                    text = "FAILED: \(reason)"
                    failed = true
                }
                print("\(result.topic.padding(toLength: 44, withPad: " ", startingAt: 0)) \(text)")
            }
            if failed { throw ExitCode.failure }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the cluster's topics with partitions and record counts, marking those config/topics.yaml declares."
        )

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var config: ConfigDirectoryOption

        func run() async throws {
            LogSetup.bootstrap()
            let declared = Set((try? declaredTopics(config.url))?.map(\.name) ?? [])
            let admin = try KafkaAdmin(configuration: kafka.clientConfiguration(clientID: "hx-topics"))
            let cluster = try await admin.describeCluster()
            print("brokers: " + cluster.brokers.map { "\($0.id)@\($0.host):\($0.port)" }.joined(separator: ", "))
            print("TOPIC".padding(toLength: 44, withPad: " ", startingAt: 0) + " PARTITIONS  RECORDS  DECLARED")
            for topic in cluster.topics where topic.error == nil && !topic.name.hasPrefix("__") {
                var records: Int64 = 0
                for partition in topic.partitions {
                    records += (try? await admin.watermarks(KafkaTopicPartition(topic: topic.name, partition: partition.id)).count) ?? 0
                }
                let mark = declared.contains(topic.name) ? "yes" : (topic.name.hasPrefix("hx.deliver.") ? "delivery" : "-")
                print(topic.name.padding(toLength: 44, withPad: " ", startingAt: 0)
                      + String(topic.partitions.count).leftPadded(11) + String(records).leftPadded(9) + "  " + mark)
            }
            for name in declared.subtracting(cluster.topics.map(\.name)).sorted() {
                print("\(name.padding(toLength: 44, withPad: " ", startingAt: 0))   missing: run `hx topics apply`")
            }
        }
    }
}

func loadCatalog(_ directory: URL) throws -> TopicCatalog {
    do {
        return try TopicCatalog.load(configDirectory: directory)
    } catch {
        report(error.issues)
        throw ExitCode(78)  // EX_CONFIG
    }
}

/// Every topic the place needs: those of topics.yaml and one `hx.deliver.<code>`
/// per organisation of organisations.yaml (any of them may be a recipient).
func declaredTopics(_ directory: URL) throws -> [TopicCatalog.Topic] {
    let catalog = try loadCatalog(directory)
    let place = try RouterCommand.load(directory)
    return catalog.topics + catalog.deliveryTopics(forOrganisations: place.organisations.map(\.code))
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
