import Foundation
import HXDevBroker
import HXKafka
import Logging

/// Shared by every test target that needs Kafka. Each test starts its own development broker on a free
/// port and stops it at the end, so tests share nothing and run in parallel.
package func withBroker<T>(_ body: (DevBroker) async throws -> T) async throws -> T {
    let broker = try await DevBroker.start()
    defer { broker.stop() }
    return try await body(broker)
}

package func clientConfiguration(_ broker: DevBroker, clientID: String = "hx-test") -> KafkaClientConfiguration {
    var configuration = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])
    configuration.clientID = clientID
    return configuration
}

package func producerConfiguration(_ broker: DevBroker) -> KafkaProducerConfiguration {
    var configuration = KafkaProducerConfiguration(client: clientConfiguration(broker))
    configuration.messageTimeout = .seconds(30)
    return configuration
}

package func consumerConfiguration(_ broker: DevBroker, group: String) -> KafkaConsumerConfiguration {
    var configuration = KafkaConsumerConfiguration(client: clientConfiguration(broker), groupID: group)
    configuration.fetchMaxWait = .milliseconds(20)
    // Tansu answers JoinGroup after about half the session timeout (measured):
    // Kafka's minimum keeps group tests quick.
    configuration.sessionTimeout = .seconds(6)
    return configuration
}

package func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// Creates a topic and waits until its metadata shows every partition.
@discardableResult
package func createTopic(_ broker: DevBroker, name: String = uniqueName("hx.test"), partitions: Int32) async throws -> String {
    let admin = try KafkaAdmin(configuration: clientConfiguration(broker))
    let results = try await admin.createTopics([KafkaTopicSpec(name: name, partitions: partitions)])
    if case .failed(let error) = results.first?.outcome { throw error }
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if try await admin.describeCluster().topic(name)?.partitions.count == Int(partitions) { return name }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw KafkaError(code: .timedOut, message: "topic \(name) did not appear")
}

/// Polls until `count` records arrived or `timeout` passed, committing nothing.
package func consume(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(30)) async throws -> [KafkaMessage] {
    var messages: [KafkaMessage] = []
    let deadline = ContinuousClock.now + timeout
    while messages.count < count && ContinuousClock.now < deadline {
        messages += try await consumer.poll()
    }
    return messages
}
