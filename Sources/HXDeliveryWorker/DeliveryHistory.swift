import HXCanonical
import HXDelivery
import HXKafka

/// What a MESH delivery worker reads back from Kafka: its recipient's past
/// statuses (to rebuild what acknowledgements are still owed) and, for an
/// acknowledgement that arrives, the delivery record it closes (its audit
/// record names the patient; a failed one's dead letter keeps the record).
enum DeliveryHistory {
    /// Every status of `recipient` on `hx.delivery.v1`, each partition in order
    /// (a decision's statuses share one, keyed by decision id).
    static func statuses(client: KafkaClientConfiguration, recipient: String) async throws -> [DeliveryStatus] {
        let cluster = try await KafkaAdmin(configuration: client).describeCluster()
        guard let topic = cluster.topic(HXTopic.deliveryStatus) else { return [] }
        let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: HXGroup.deliverRecovery))
        var out: [DeliveryStatus] = []
        do {
            let partitions = topic.partitions.map { KafkaTopicPartition(topic: HXTopic.deliveryStatus, partition: $0.id) }
            _ = try await reader.readToEnd(partitions, from: KafkaConsumer.beginning) { m in
                if let status = try? DeliveryStatus(json: m.value), status.recipient == recipient { out.append(status) }
            }
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
        return out
    }

    /// The record at `offset` of one partition of a delivery topic, nil when it is gone (retention).
    static func record(client: KafkaClientConfiguration, topic: String, partition: Int, offset: Int) async throws -> KafkaMessage? {
        let reader = try KafkaConsumer(configuration: .partitionReader(client: client, groupID: HXGroup.deliverRecovery))
        do {
            let found = try await record(reader: reader, topic: topic, partition: partition, offset: offset)
            await reader.close()
            return found
        } catch {
            await reader.close()
            throw error
        }
    }

    /// The same with a reader the caller made (`partitionReader`) and closes: one poll's
    /// acknowledgements share one, rather than starting a Kafka client each.
    static func record(reader: KafkaConsumer, topic: String, partition: Int, offset: Int) async throws -> KafkaMessage? {
        struct Found: Error { var message: KafkaMessage }
        do {
            _ = try await reader.readToEnd(KafkaTopicPartition(topic: topic, partition: Int32(partition)), from: Int64(offset)) { m in
                // Stops the read at the record wanted; the rest of the partition is not needed.
                if m.offset == Int64(offset) { throw Found(message: m) }
            }
        } catch let hit as Found {
            return hit.message
        }
        return nil
    }
}
