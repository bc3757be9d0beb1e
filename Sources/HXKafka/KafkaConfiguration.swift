/// Settings every Kafka client shares: where the cluster is, who we are, how we
/// authenticate. Each property's doc names the librdkafka key it sets.
public struct KafkaClientConfiguration: Sendable {
    /// `bootstrap.servers`. Use `127.0.0.1:PORT` for the development broker (IPv4 only).
    public var bootstrapServers: [String]
    /// `client.id`, shown in broker logs and quotas. librdkafka's default is `rdkafka`.
    public var clientID: String = "hx"
    /// `security.protocol` and the TLS / SASL settings that go with it.
    public var security: KafkaSecurity = .plaintext
    /// `statistics.interval.ms`: how often librdkafka's statistics reach swift-metrics.
    /// `nil` (librdkafka's default, 0) turns statistics off.
    public var statisticsInterval: Duration?
    /// `socket.timeout.ms` (librdkafka default 60 s): how long a request may wait for a broker.
    public var socketTimeout: Duration?
    /// Any further librdkafka property, applied last, so it wins. Unknown names
    /// and invalid values are rejected when the client is created.
    public var properties: [String: String] = [:]

    /// Settings for these brokers (`host:port` each); every other field at its default.
    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    func librdkafkaProperties() -> [(String, String)] {
        var list: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers.joined(separator: ",")),
            ("client.id", clientID),
        ]
        if let statisticsInterval { list.append(("statistics.interval.ms", String(statisticsInterval.milliseconds))) }
        if let socketTimeout { list.append(("socket.timeout.ms", String(socketTimeout.milliseconds))) }
        list += security.librdkafkaProperties()
        return list
    }
}

/// How a client authenticates to the cluster (`security.protocol` and friends).
public struct KafkaSecurity: Sendable {
    /// `security.protocol` values: TLS, SASL, both or neither.
    public enum TransportProtocol: String, Sendable {
        case plaintext = "plaintext", ssl = "ssl", saslPlaintext = "sasl_plaintext", saslSSL = "sasl_ssl"
    }

    /// TLS settings (`ssl.*`), for the `ssl` and `sasl_ssl` transports.
    public struct TLS: Sendable {
        /// `ssl.ca.location`: the CA bundle that signed the brokers' certificates.
        public var caLocation: String?
        /// `ssl.certificate.location` and `ssl.key.location`: this client's certificate for mutual TLS.
        public var certificateLocation: String?
        /// `ssl.key.location`: the private key (PEM) of `certificateLocation`.
        public var keyLocation: String?
        /// `ssl.key.password`.
        public var keyPassword: String?
        /// `ssl.endpoint.identification.algorithm` (`https` by default: check the broker's host name).
        public var verifyHostname: Bool = true

        /// TLS with these files. A `nil` leaves librdkafka's default: for the CA,
        /// OpenSSL's default trust store.
        public init(caLocation: String? = nil, certificateLocation: String? = nil, keyLocation: String? = nil, keyPassword: String? = nil) {
            self.caLocation = caLocation
            self.certificateLocation = certificateLocation
            self.keyLocation = keyLocation
            self.keyPassword = keyPassword
        }
    }

    /// SASL credentials, for the `sasl_plaintext` and `sasl_ssl` transports.
    public struct SASL: Sendable {
        /// `sasl.mechanism`: `SCRAM-SHA-512`, `SCRAM-SHA-256` or `PLAIN`.
        public var mechanism: String
        /// `sasl.username` and `sasl.password`.
        public var username: String
        /// `sasl.password`. Configuration errors never show it.
        public var password: String

        /// Credentials for `mechanism` (`SCRAM-SHA-512` unless told otherwise).
        public init(mechanism: String = "SCRAM-SHA-512", username: String, password: String) {
            self.mechanism = mechanism
            self.username = username
            self.password = password
        }
    }

    /// `security.protocol` (librdkafka default `plaintext`).
    public var transport: TransportProtocol
    /// The `ssl.*` settings; `nil` sets none, leaving librdkafka's defaults.
    public var tls: TLS?
    /// The `sasl.*` settings; `nil` sets none.
    public var sasl: SASL?

    /// This transport with, where it needs them, TLS settings and SASL credentials.
    public init(transport: TransportProtocol, tls: TLS? = nil, sasl: SASL? = nil) {
        self.transport = transport
        self.tls = tls
        self.sasl = sasl
    }

    /// No TLS and no SASL, as for the development broker.
    public static let plaintext = KafkaSecurity(transport: .plaintext)

    func librdkafkaProperties() -> [(String, String)] {
        var list: [(String, String)] = [("security.protocol", transport.rawValue)]
        if let tls {
            if let v = tls.caLocation { list.append(("ssl.ca.location", v)) }
            if let v = tls.certificateLocation { list.append(("ssl.certificate.location", v)) }
            if let v = tls.keyLocation { list.append(("ssl.key.location", v)) }
            if let v = tls.keyPassword { list.append(("ssl.key.password", v)) }
            list.append(("ssl.endpoint.identification.algorithm", tls.verifyHostname ? "https" : "none"))
        }
        if let sasl {
            list += [("sasl.mechanism", sasl.mechanism), ("sasl.username", sasl.username), ("sasl.password", sasl.password)]
        }
        return list
    }
}

/// Settings for a `KafkaProducer`. Each property's doc names the librdkafka key
/// it sets; `client.properties` are applied last, so they win.
public struct KafkaProducerConfiguration: Sendable {
    /// Where the cluster is and how to authenticate: the settings all clients share.
    public var client: KafkaClientConfiguration
    /// `enable.idempotence`: on by default, so that retries never duplicate or reorder.
    public var idempotence: Bool = true
    /// `linger.ms` (librdkafka default 5 ms): how long to wait to fill a batch.
    public var linger: Duration = .milliseconds(5)
    /// `message.timeout.ms` (librdkafka default 300 s): after this a message that the
    /// broker has not acknowledged fails with `timedOut` instead of waiting for ever.
    public var messageTimeout: Duration = .seconds(300)
    /// `compression.codec` (librdkafka default none).
    public var compression: String?
    /// `transactional.id`: set it to use transactions. One id per logical producer,
    /// stable across restarts, so that a restarted instance fences its predecessor.
    public var transactionalID: String?
    /// `transaction.timeout.ms` (librdkafka default 60 s).
    public var transactionTimeout: Duration?
    /// Swift-only: how long `close()` (and graceful shutdown) waits for unsent messages.
    public var flushTimeoutOnClose: Duration = .seconds(10)

    /// A producer with the defaults above: idempotent, not transactional.
    public init(client: KafkaClientConfiguration) {
        self.client = client
    }

    /// librdkafka refuses a message timeout longer than the transaction timeout
    /// (60 s by default), so a transactional producer uses the shorter of the two.
    var effectiveMessageTimeout: Duration {
        guard transactionalID != nil else { return messageTimeout }
        return min(messageTimeout, transactionTimeout ?? .seconds(60))
    }

    func librdkafkaProperties() -> [(String, String)] {
        var list = client.librdkafkaProperties()
        list += [
            ("enable.idempotence", idempotence ? "true" : "false"),
            ("linger.ms", String(linger.milliseconds)),
            ("message.timeout.ms", String(effectiveMessageTimeout.milliseconds)),
            // Java clients' partitioner, so a key lands on the same partition whoever sends it.
            ("partitioner", "murmur2_random"),
        ]
        if let compression { list.append(("compression.codec", compression)) }
        if let transactionalID { list.append(("transactional.id", transactionalID)) }
        if let transactionTimeout { list.append(("transaction.timeout.ms", String(transactionTimeout.milliseconds))) }
        return list + client.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// Settings for a `KafkaConsumer`. Each property's doc names the librdkafka key
/// it sets; `client.properties` are applied last, so they win.
public struct KafkaConsumerConfiguration: Sendable {
    /// `auto.offset.reset` values: read a partition with no committed position from
    /// its first record still kept, or only what is written from now on.
    public enum OffsetReset: String, Sendable { case earliest, latest }
    /// `isolation.level` values: whether records of transactions not (yet) committed
    /// are handed out.
    public enum IsolationLevel: String, Sendable { case readCommitted = "read_committed", readUncommitted = "read_uncommitted" }

    /// Where the cluster is and how to authenticate: the settings all clients share.
    public var client: KafkaClientConfiguration
    /// `group.id`: consumers with the same group share the partitions of what they subscribe to.
    public var groupID: String
    /// `auto.offset.reset` for a group with no committed offset. Here `earliest`
    /// (librdkafka defaults to `latest`): a new consumer of a feed must not skip its backlog.
    public var offsetReset: OffsetReset = .earliest
    /// `isolation.level` (librdkafka default `read_committed`).
    public var isolationLevel: IsolationLevel = .readCommitted
    /// `enable.auto.commit`: off by default; callers commit what they have processed.
    public var autoCommit: Bool = false
    /// `session.timeout.ms` (librdkafka default 45 s): how soon a silent member is removed.
    public var sessionTimeout: Duration?
    /// `max.poll.interval.ms` (librdkafka default 300 s).
    public var maxPollInterval: Duration?
    /// `partition.assignment.strategy` (librdkafka default `range,roundrobin`).
    public var assignmentStrategy: String?
    /// `fetch.wait.max.ms` (librdkafka default 500 ms): how long the broker may hold a
    /// fetch open waiting for data. Apache Kafka answers as soon as data arrives;
    /// a lower value bounds latency on brokers that wait the full time.
    public var fetchMaxWait: Duration?
    /// `fetch.queue.backoff.ms` (librdkafka default 1 s): how long fetching pauses once
    /// the prefetch queue is full. 100 ms here: with the default, a consumer catching
    /// up on a backlog sat idle for up to a second each time it drained the queue (measured).
    public var fetchQueueBackoff: Duration? = .milliseconds(100)
    /// `enable.partition.eof`: needed by `readToEnd`, which must know where a
    /// partition ends without asking for watermarks (some brokers answer
    /// ListOffsets with less than the true end). `poll` skips these events.
    public var partitionEOF: Bool = false
    /// `queued.max.messages.kbytes` (librdkafka default 64 MiB): how much fetched input
    /// librdkafka holds ahead of `poll`; a consumer that falls behind holds this much.
    public var prefetchLimitKilobytes: Int?
    /// Swift-only: most messages returned by one `poll`.
    public var maxBatchSize: Int = 1000
    /// Swift-only: how long one `poll` waits for the first message.
    public var pollTimeout: Duration = .milliseconds(100)

    /// A member of group `groupID` with the defaults above: explicit commits,
    /// reading from the earliest offset where the group has committed none.
    public init(client: KafkaClientConfiguration, groupID: String) {
        self.client = client
        self.groupID = groupID
    }

    /// For reading partitions by offset (`assign`, `readToEnd`), outside any group
    /// rebalancing: partition ends reported, fetches answered quickly. `groupID`
    /// only names the reader to the broker; it never commits.
    public static func partitionReader(client: KafkaClientConfiguration, groupID: String) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(client: client, groupID: groupID)
        configuration.partitionEOF = true
        configuration.fetchMaxWait = .milliseconds(10)
        return configuration
    }

    func librdkafkaProperties() -> [(String, String)] {
        var list = client.librdkafkaProperties()
        list += [
            ("group.id", groupID),
            ("auto.offset.reset", offsetReset.rawValue),
            ("isolation.level", isolationLevel.rawValue),
            ("enable.auto.commit", autoCommit ? "true" : "false"),
            // We commit explicit offsets; the client must not store any of its own.
            ("enable.auto.offset.store", "false"),
            ("enable.partition.eof", partitionEOF ? "true" : "false"),
        ]
        if let sessionTimeout { list.append(("session.timeout.ms", String(sessionTimeout.milliseconds))) }
        if let maxPollInterval { list.append(("max.poll.interval.ms", String(maxPollInterval.milliseconds))) }
        if let fetchQueueBackoff { list.append(("fetch.queue.backoff.ms", String(fetchQueueBackoff.milliseconds))) }
        if let fetchMaxWait { list.append(("fetch.wait.max.ms", String(fetchMaxWait.milliseconds))) }
        if let prefetchLimitKilobytes { list.append(("queued.max.messages.kbytes", String(prefetchLimitKilobytes))) }
        if let assignmentStrategy { list.append(("partition.assignment.strategy", assignmentStrategy)) }
        return list + client.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down, as librdkafka's `*.ms` properties take them.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    var millisecondsInt32: Int32 { Int32(clamping: milliseconds) }
}
