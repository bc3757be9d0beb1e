import CRdKafka
import Logging

/// librdkafka's in-process mock Kafka cluster, for the fast test tier of
/// client logic: it speaks the real protocol and can be told to answer a
/// request with an error, which no real broker can be made to do on demand.
/// Behaviour a user relies on is still shown against a real broker.
public final class KafkaMockCluster: @unchecked Sendable {
    /// Kafka protocol API keys used with `failNext`.
    public enum API: Int16, Sendable {
        case produce = 0
        case endTxn = 26
        case addPartitionsToTxn = 24
        case initProducerId = 22
    }

    private let owner: RDKafkaClient
    private let cluster: OpaquePointer

    /// Starts a cluster of `brokers` brokers inside a client of its own; it stops
    /// when this object is released.
    public init(brokers: Int = 1) throws {
        // The mock cluster lives inside a client instance; this one only hosts it.
        owner = try RDKafkaClient(kind: .producer, properties: [("client.id", "hx-mock-host")],
                                  callbacks: RDKafkaCallbacks(logger: Logger(label: "hx.kafka.mock"), statistics: nil))
        guard let cluster = rd_kafka_mock_cluster_new(owner.handle, Int32(brokers)) else {
            throw KafkaError(code: .broker, message: "could not create the mock cluster")
        }
        self.cluster = cluster
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        owner.destroy()
    }

    /// The brokers' addresses, comma-separated, for `KafkaClientConfiguration.bootstrapServers`.
    public var bootstrapServers: String { String(cString: rd_kafka_mock_cluster_bootstraps(cluster)) }

    /// Creates a topic here: the mock brokers do not support CreateTopics, so
    /// `KafkaAdmin.createTopics` cannot.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws {
        let err = rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdkafka: err, context: "mock topic \(name)") }
    }

    /// The next `count` requests of this API are answered with the broker error named
    /// by its librdkafka code (e.g. 29, TOPIC_AUTHORIZATION_FAILED).
    public func failNext(_ api: API, count: Int = 1, brokerError code: Int32) {
        var errors = [rd_kafka_resp_err_t](repeating: rd_kafka_resp_err_t(rawValue: code), count: count)
        rd_kafka_mock_push_request_errors_array(cluster, api.rawValue, count, &errors)
    }
}
