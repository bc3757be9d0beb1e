import HXAudit
import HXCanonical
import HXDelivery
import HXKafka
import Logging
import Synchronization

/// Writes a worker's delivery events: statuses on `hx.delivery.v1`, dead letters
/// of failed ones, then their audit records in the chain `delivery:<code>`, in
/// one Kafka transaction. Two tasks of one worker record (the send loop, and for
/// MESH the mailbox poller); the chain has one next record, so they take turns.
final class DeliveryRecorder: Sendable {
    let producer: KafkaProducer
    let recipient: String
    let transport: String
    let format: String
    let chainId: String
    let auditPartition: Int32
    let configurationDigest: String
    let backoff: Duration
    let logger: Logger
    private let chain: Mutex<AuditChain>
    private let turn = Turn()
    /// Told of every status once its transaction went through (MESH: the acknowledgements still owed).
    private let recorded: @Sendable ([DeliveryStatus]) -> Void

    init(producer: KafkaProducer, recipient: String, transport: String, format: String, chainId: String, auditPartition: Int32,
         chain: AuditChain, configurationDigest: String, backoff: Duration, logger: Logger,
         recorded: @escaping @Sendable ([DeliveryStatus]) -> Void = { _ in }) {
        self.producer = producer
        self.recipient = recipient
        self.transport = transport
        self.format = format
        self.chainId = chainId
        self.auditPartition = auditPartition
        self.chain = Mutex(chain)
        self.configurationDigest = configurationDigest
        self.backoff = backoff
        self.logger = logger
        self.recorded = recorded
    }

    /// Kafka refusing the transaction is tried again with the same events; fencing and fatal errors end the worker.
    func record(_ events: [DeliveryEvent]) async throws {
        guard !events.isEmpty else { return }
        await turn.take()
        do {
            try await recordInTurn(events)
            await turn.pass()
        } catch {
            await turn.pass()
            throw error
        }
    }

    private func recordInTurn(_ events: [DeliveryEvent]) async throws {
        var outputs: [KafkaOutgoingMessage] = []
        var statuses: [DeliveryStatus] = []
        for e in events {
            let status = e.statusRecord(recipient: recipient, transport: transport, format: format)
            statuses.append(status)
            outputs.append(KafkaOutgoingMessage(topic: HXTopic.deliveryStatus, key: Array(e.job.decisionId.utf8), value: status.jsonBytes))
            if e.status == .failed { outputs.append(e.deadLetter(recipient: recipient, transport: transport)) }
        }
        while true {
            var next = chain.withLock { $0 }
            var audit: [KafkaOutgoingMessage] = []
            for e in events {
                let sealed = next.appendForWire(try e.auditEntry(recipient: recipient, transport: transport, configurationDigest: configurationDigest))
                audit.append(KafkaOutgoingMessage(topic: HXTopic.audit, partition: auditPartition, key: Array(chainId.utf8), value: sealed.wire))
            }
            do {
                try await producer.inTransaction {
                    // Statuses confirmed before any audit record is sent, as the router does.
                    try await producer.send(batch: outputs).throwFirstFailure()
                    try await producer.send(batch: audit).throwFirstFailure()
                }
                chain.withLock { $0 = next }
                break
            } catch let error as KafkaError where error.isFatal || error.code == .fenced {
                throw error
            } catch {
                logger.warning("recording delivery statuses failed; trying again", metadata: [
                    "delivery.recipient": "\(recipient)", "error": "\(error)", "delivery.records": "\(events.count)"])
                try await Task.sleep(for: backoff)
            }
        }
        recorded(statuses)
    }

    /// One holder at a time, handed on in arrival order; `take` suspends while another holds it.
    private actor Turn {
        private var held = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func take() async {
            guard held else { held = true; return }
            await withCheckedContinuation { waiting.append($0) }
        }

        func pass() {
            if waiting.isEmpty { held = false } else { waiting.removeFirst().resume() }
        }
    }
}
