import HXDevBroker
import HXKafka
import HXKafkaTestSupport
import Testing

@Suite("Client errors are typed and clear")
struct ClientErrorTests {
    @Test("an unknown configuration property is rejected with its name")
    func unknownProperty() throws {
        var configuration = KafkaProducerConfiguration(client: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:1"]))
        configuration.client.properties["no.such.property"] = "1"
        let error = try #require(throws: KafkaError.self) { try KafkaProducer(configuration: configuration) }
        #expect(error.code == .configurationInvalid)
        #expect(error.message.contains("no.such.property"))
    }

    @Test("an invalid value is rejected with the property's name")
    func invalidValue() throws {
        var configuration = KafkaConsumerConfiguration(client: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:1"]), groupID: "g")
        configuration.client.properties["acks"] = "banana"
        configuration.client.properties["compression.codec"] = "zip"
        let error = try #require(throws: KafkaError.self) { try KafkaConsumer(configuration: configuration) }
        #expect(error.code == .configurationInvalid)
        #expect(error.message.contains("acks") || error.message.contains("compression.codec"))
    }

    @Test("a password in a rejected property is not echoed")
    func passwordHidden() throws {
        var configuration = KafkaProducerConfiguration(client: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:1"]))
        configuration.client.properties["sasl.password.bogus"] = "s3cret"
        let error = try #require(throws: KafkaError.self) { try KafkaProducer(configuration: configuration) }
        #expect(!error.description.contains("s3cret"))
    }

    @Test("a message to an unreachable broker fails with a timeout instead of hanging")
    func unreachableBroker() async throws {
        let port = try DevBroker.freePort()  // nothing listens there
        var configuration = KafkaProducerConfiguration(client: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:\(port)"]))
        configuration.messageTimeout = .seconds(2)
        let producer = try KafkaProducer(configuration: configuration)
        let error = try await #require(throws: KafkaError.self) {
            try await producer.send(KafkaOutgoingMessage(topic: "hx.nowhere", key: "k", value: "v"))
        }
        #expect(error.code == .timedOut)
        #expect(error.isRetriable)
        await producer.close()
    }

    @Test("a closed producer refuses to send")
    func closedProducer() async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:1"])))
        await producer.close()
        let error = try await #require(throws: KafkaError.self) {
            try await producer.send(KafkaOutgoingMessage(topic: "t", key: nil, value: "v"))
        }
        #expect(error.code == .closed)
    }

    @Test("transactions without a transactional id are refused")
    func notTransactional() async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:1"])))
        let error = try #require(throws: KafkaError.self) { try producer.beginTransaction() }
        #expect(error.code == .configurationInvalid)
        #expect(error.message.contains("transactional.id"))
    }
}
