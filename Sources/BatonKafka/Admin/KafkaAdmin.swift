import CRDKafka
import Logging

/// Cluster administration Baton needs at startup: make sure its topics exist, and inspect them.
///
/// Blocking calls, meant for startup and tools rather than the hot path; each uses a short-lived
/// client of its own.
public enum KafkaAdmin {
    /// Uses rd_kafka_CreateTopics; topics that already exist are not an error. Returns the names created.
    ///
    /// For an embedded broker of this process (matched by address), the topics are created on
    /// the mock directly, because the mock does not answer CreateTopics.
    public static func createTopics(
        configuration: KafkaConfiguration,
        topics: [TopicSpec],
        timeout: Duration
    ) throws(KafkaError) -> [String] {
        guard !topics.isEmpty else { return [] }
        if let cluster = EmbeddedBrokerRegistry.cluster(for: configuration.bootstrapServers) {
            return try createOnEmbeddedBroker(cluster, topics: topics)
        }
        let operation = "creating topics \(topics.map(\.name).joined(separator: ", "))"
        let client = try makeClient(configuration, operation: operation)
        return try RDKafkaCreateTopics.run(client: client, topics: topics, timeout: timeout, operation: operation)
    }

    /// Metadata: topic name -> partition count.
    ///
    /// Includes internal topics such as `__consumer_offsets` when the cluster reports them.
    public static func listTopics(configuration: KafkaConfiguration, timeout: Duration) throws(KafkaError) -> [String: Int] {
        let operation = "listing topics of \(configuration.bootstrapServers)"
        let client = try makeClient(configuration, operation: operation)
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(client.pointer, 1, nil, &metadata, timeout.milliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(code, context: operation)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var topics: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            topics[String(cString: topic.topic)] = Int(topic.partition_cnt)
        }
        return topics
    }

    private static func createOnEmbeddedBroker(_ cluster: MockCluster, topics: [TopicSpec]) throws(KafkaError) -> [String] {
        var created: [String] = []
        for spec in topics {
            let code = try cluster.with("creating topic \(spec.name) on the embedded broker") {
                rd_kafka_mock_topic_create($0, spec.name, Int32(clamping: spec.partitions), Int32(clamping: spec.replicationFactor))
            }
            switch code {
            case RD_KAFKA_RESP_ERR_NO_ERROR: created.append(spec.name)
            case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: continue
            default: throw KafkaError(code, context: "creating topic \(spec.name) on the embedded broker")
            }
        }
        return created
    }

    /// A plain client for one admin call; its logs go nowhere but debug level.
    private static func makeClient(_ configuration: KafkaConfiguration, operation: String) throws(KafkaError) -> RDKafkaClient {
        let conf = RDKafkaConf(operation: operation)
        try conf.apply(configuration)
        var logger = Logger(label: "baton.kafka.admin")
        logger.logLevel = .warning
        return try conf.makeClient(type: RD_KAFKA_PRODUCER, context: RDKafkaClientContext(logger: logger))
    }
}
