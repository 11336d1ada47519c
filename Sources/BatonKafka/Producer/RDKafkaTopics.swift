import CRDKafka

/// Owns a producer's `rd_kafka_topic_t` handles, one per topic, created on first use.
///
/// Why not just pass topic names: in librdkafka 2.0.2 a record for a topic the client has no
/// handle for waits for the 1-second topic scan before metadata is requested (measured: first
/// delivery after ~0.8–1 s instead of ~6 ms); `rd_kafka_topic_new` asks for metadata at once.
/// Reusing handles also spares a topic lookup per record.
///
/// `@unchecked Sendable` is safe because the dictionary is only touched under `handles`' lock,
/// topic handles are thread-safe in librdkafka, and they are destroyed only in `deinit`, before
/// the client they belong to (which this object keeps alive).
final class RDKafkaTopics: @unchecked Sendable {
    private let client: RDKafkaClient
    private let handles = ConditionLock<[String: OpaquePointer]>([:])

    init(client: RDKafkaClient) {
        self.client = client
    }

    deinit {
        handles.withLock { handles in
            for handle in handles.values { rd_kafka_topic_destroy(handle) }
            handles.removeAll()
        }
    }

    /// The handle for `topic`, or the error librdkafka gives for an unusable name.
    func handle(for topic: String) -> Result<OpaquePointer, KafkaError> {
        handles.withLock { handles in
            if let handle = handles[topic] { return .success(handle) }
            guard let handle = rd_kafka_topic_new(client.pointer, topic, nil) else {
                return .failure(KafkaError(rd_kafka_last_error(), context: "producing to \(topic)"))
            }
            handles[topic] = handle
            return .success(handle)
        }
    }
}
