import CRDKafka
import Logging

/// Owns a librdkafka mock cluster and the `rd_kafka_t` that hosts it (the cluster's threads run
/// inside that handle, which must outlive it).
///
/// `@unchecked Sendable` is safe because the mock cluster API is thread-safe (each call is sent
/// to the cluster's own thread as an operation), and the one mutable field, the cluster pointer
/// that becomes nil when destroyed, is only read or changed under `cluster`'s lock.
final class MockCluster: @unchecked Sendable {
    private let host: RDKafkaClient
    private let cluster: ConditionLock<OpaquePointer?>
    let bootstrapServers: String

    init(brokerCount: Int, logger: Logger) throws(KafkaError) {
        let operation = "starting embedded broker"
        let conf = RDKafkaConf(operation: operation)
        // The host handle never connects anywhere; notice-level lines such as "no
        // bootstrap.servers configured" would only confuse users.
        try conf.set("log_level", "4")
        // The mock's own sockets follow the host handle: without this, replies sit behind
        // Nagle's algorithm and delayed ACKs for 40 ms on loopback.
        try conf.set("socket.nagle.disable", "true")
        host = try conf.makeClient(type: RD_KAFKA_PRODUCER, context: RDKafkaClientContext(logger: logger))
        guard let cluster = rd_kafka_mock_cluster_new(host.pointer, Int32(clamping: brokerCount)) else {
            throw KafkaError(
                code: .invalidArgument,
                message: "librdkafka could not start a mock cluster with \(brokerCount) brokers",
                isRetriable: false,
                context: operation
            )
        }
        self.cluster = ConditionLock(cluster)
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        destroy()
    }

    /// Runs `body` with the live cluster; throws once the cluster has been destroyed.
    func with<R>(_ operation: String, _ body: (OpaquePointer) -> R) throws(KafkaError) -> R {
        let result: R? = cluster.withLock { cluster in cluster.map(body) }
        guard let result else {
            throw KafkaError(code: .shutDown, message: "the embedded broker has been shut down", isRetriable: false, context: operation)
        }
        return result
    }

    /// Like ``with(_:_:)`` for calls that return an error code.
    func check(_ operation: String, _ body: (OpaquePointer) -> rd_kafka_resp_err_t) throws(KafkaError) {
        let code = try with(operation, body)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code, context: operation) }
    }

    /// Stops the brokers (clients see their connections drop). Idempotent.
    func destroy() {
        cluster.withLock { cluster in
            if let live = cluster { rd_kafka_mock_cluster_destroy(live) }
            cluster = nil
        }
    }
}
