import CRDKafka
import Logging

/// The embedded development broker: librdkafka's mock cluster hosted in a dedicated rd_kafka_t. Real Kafka protocol on 127.0.0.1, for development and tests only (in-memory, ~5 MB per partition).
///
/// It lets `baton dev` and the test suites run without a Kafka installation while still
/// speaking the real protocol, so the same client code is exercised. It is not a store: each
/// partition keeps only about 5 MB (older messages are silently pruned) and nothing survives
/// ``shutdown()``. Not served by the mock: CreateTopics (use ``createTopic(_:partitions:replicationFactor:)``
/// or ``KafkaAdmin``, which does that for in-process brokers), SASL/TLS, DescribeGroups,
/// DescribeConfigs, DeleteRecords; it does not de-duplicate idempotent retries nor simulate
/// `read_committed`.
public final class EmbeddedBroker: Sendable {
    let cluster: MockCluster
    private let forwarder: TCPForwarder?
    private let registeredAddresses: [String]

    /// The mock's own `127.0.0.1:<ephemeral>[,...]` addresses, one per broker.
    public let bootstrapServers: String
    /// `"127.0.0.1:<stablePort>"` while the forwarder runs, else `nil`.
    public let stableBootstrapServers: String?

    /// `stablePort`: also listen on 127.0.0.1:stablePort and forward TCP to the mock's bootstrap broker, so users get a stable address (9092 by default when free). If the port is busy, log a warning and go on without it (stableBootstrapServers == nil). 0 or nil = no forwarder.
    ///
    /// Broker ids are 1...`brokerCount`.
    public init(brokerCount: Int = 1, stablePort: Int? = nil, logger: Logger) throws(KafkaError) {
        let cluster = try MockCluster(brokerCount: brokerCount, logger: logger)
        self.cluster = cluster
        bootstrapServers = cluster.bootstrapServers
        var forwarder: TCPForwarder?
        if let stablePort, stablePort > 0 {
            let target = EmbeddedBrokerRegistry.split(cluster.bootstrapServers).first.flatMap(Self.port(of:))
            do {
                guard let target else {
                    throw KafkaError(code: .invalidArgument, message: "cannot parse \(cluster.bootstrapServers)", context: "starting forwarder")
                }
                forwarder = try TCPForwarder(port: stablePort, targetPort: target, logger: logger)
            } catch {
                logger.warning(
                    "Embedded broker runs without its stable address",
                    metadata: ["port": "\(stablePort)", "error": "\(error)", "bootstrapServers": "\(cluster.bootstrapServers)"]
                )
            }
        }
        self.forwarder = forwarder
        stableBootstrapServers = forwarder.map { _ in "127.0.0.1:\(stablePort ?? 0)" }
        registeredAddresses = EmbeddedBrokerRegistry.split(bootstrapServers) + (stableBootstrapServers.map { [$0] } ?? [])
        EmbeddedBrokerRegistry.register(cluster, addresses: registeredAddresses)
        logger.info(
            "Embedded Kafka broker started",
            metadata: ["bootstrapServers": "\(bootstrapServers)", "stableBootstrapServers": "\(stableBootstrapServers ?? "none")"]
        )
    }

    deinit {
        shutdown()
    }

    /// rd_kafka_mock_topic_create (the mock does not serve CreateTopics).
    ///
    /// Throws ``KafkaError/Code/topicAlreadyExists`` when the topic is already there.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        try cluster.check("creating topic \(name) on the embedded broker") {
            rd_kafka_mock_topic_create($0, name, Int32(clamping: partitions), Int32(clamping: replicationFactor))
        }
    }

    /// Client properties that suit the mock; merge them into ``KafkaConfiguration/properties``.
    ///
    /// `fetch.wait.max.ms=2`: the mock cannot wake a parked Fetch when data arrives, so every
    /// empty Fetch is answered only after the full wait, and that wait becomes the latency of
    /// each hop. Measured on 2 cores (librdkafka 2.0.2, one idle group consumer, CPU of client
    /// plus mock, median produce→consume latency): 0 ms → 82 % CPU (a busy loop), 0.14 ms;
    /// 1 ms → 9–10 %, 1.4 ms; 2 ms → 6–7 %, 2.4 ms; 5 ms → 5 %, 5.5 ms; 10 ms → 3 %, 10.6 ms.
    /// 2 ms sits at the knee: near the idle-CPU floor, at little latency cost. A real broker
    /// answers as soon as data arrives, so do not copy this setting to production.
    ///
    /// `socket.nagle.disable=true`: with Nagle's algorithm on, small requests and responses on
    /// loopback meet delayed ACKs and stall for 40 ms (measured: the raw forwarder went from
    /// ~10k to ~40k messages/s and Baton's serial p99 from 45 ms to 8 ms once both the mock's
    /// host handle and the clients disabled it).
    public static var recommendedClientProperties: [String: String] {
        ["fetch.wait.max.ms": "2", "socket.nagle.disable": "true"]
    }

    /// Stops the forwarder and the brokers; clients see their connections drop. Idempotent.
    public func shutdown() {
        forwarder?.stop()
        EmbeddedBrokerRegistry.unregister(addresses: registeredAddresses)
        cluster.destroy()
    }

    private static func port(of address: String) -> Int? {
        address.split(separator: ":").last.flatMap { Int($0) }
    }
}
