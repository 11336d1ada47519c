import CRDKafka

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Fault injection: thin wrappers over `rdkafka_mock.h` (librdkafka 2.0.2), so the fault and
/// chaos suites can break the cluster in the ways production clusters break.
///
/// Broker ids are 1...brokerCount; where noted, -1 means "all brokers" or "no broker".
extension EmbeddedBroker {
    /// Makes the whole cluster unreachable while its listeners stay open: every request fails
    /// with a transport error, so clients drop their connections and retry, as with brokers that
    /// went away, until `setUnreachable(false)`.
    ///
    /// Prefer this to ``setBrokerDown(_:)``: librdkafka 2.0.2's mock re-binds a downed broker's
    /// port when it comes back up and aborts the whole process if another socket took that port
    /// meanwhile — which, on a machine running many tests, happens.
    public func setUnreachable(_ unreachable: Bool) {
        for apiKey in KafkaAPIKey.all {
            clearRequestErrors(apiKey: apiKey)
            if unreachable { pushRequestErrors(apiKey: apiKey, errors: Array(repeating: KafkaError.Code.transport.rawValue, count: 50_000)) }
        }
    }

    /// Takes a broker off the network: its connections close and new ones are refused. -1: all.
    /// See ``setUnreachable(_:)`` for the hazard of bringing it back up.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try cluster.check("setting broker \(id) down") { rd_kafka_mock_broker_set_down($0, id) }
    }

    /// Brings a broker back after ``setBrokerDown(_:)``. -1: all.
    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try cluster.check("setting broker \(id) up") { rd_kafka_mock_broker_set_up($0, id) }
    }

    /// Delays every response of a broker (a slow network or disk). 0 removes the delay.
    public func setRoundTripTime(broker: Int32, milliseconds: Int) throws(KafkaError) {
        try cluster.check("setting broker \(broker) round-trip time") {
            rd_kafka_mock_broker_set_rtt($0, broker, Int32(clamping: milliseconds))
        }
    }

    /// The next `errors.count` requests of `apiKey` (to any broker) fail with these error codes,
    /// in order. `KafkaError.Code.transport` drops the connection instead of answering.
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        guard !errors.isEmpty else { return }
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        _ = try? cluster.with("pushing request errors") { cluster in
            codes.withUnsafeBufferPointer { rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, $0.baseAddress) }
        }
    }

    /// The next requests of `apiKey` to one broker get these responses in order: an error code
    /// (0 for success) after a delay. Error 0 with a delay is a slow acknowledgement of a write
    /// that was applied, which provokes client retries and duplicates.
    public func pushBrokerRequestErrors(
        broker: Int32,
        apiKey: Int16,
        responses: [(error: Int32, roundTripTimeMilliseconds: Int32)]
    ) throws(KafkaError) {
        for response in responses {
            try cluster.check("pushing request errors to broker \(broker)") { cluster in
                Self.pushOneErrorRTT(cluster, broker, apiKey, response.error, response.roundTripTimeMilliseconds)
            }
        }
    }

    /// Forgets the pushed errors for `apiKey` (cluster-wide stack).
    public func clearRequestErrors(apiKey: Int16) {
        _ = try? cluster.with("clearing request errors") { rd_kafka_mock_clear_request_errors($0, apiKey) }
    }

    /// Moves a partition's leadership; broker -1 makes it leaderless (produce and fetch stall).
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try cluster.check("setting leader of \(topic)/\(partition)") {
            rd_kafka_mock_partition_set_leader($0, topic, partition, broker)
        }
    }

    /// Makes consumers fetch a partition from a follower (a preferred replica).
    public func setPartitionFollower(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try cluster.check("setting follower of \(topic)/\(partition)") {
            rd_kafka_mock_partition_set_follower($0, topic, partition, broker)
        }
    }

    /// Makes Metadata (and AddPartitionsToTxn) requests report `error` for a topic; 0 clears it.
    public func setTopicError(topic: String, error: Int32) {
        _ = try? cluster.with("setting error of topic \(topic)") {
            rd_kafka_mock_topic_set_error($0, topic, rd_kafka_resp_err_t(rawValue: error))
        }
    }

    /// Moves the coordinator of a consumer group (`keyType` "group") or transactional id
    /// (`keyType` "transaction") to another broker.
    public func setCoordinator(keyType: String, key: String, broker: Int32) throws(KafkaError) {
        try cluster.check("setting \(keyType) coordinator of \(key)") {
            rd_kafka_mock_coordinator_set($0, keyType, key, broker)
        }
    }

    /// Restricts the versions of an API the brokers announce; -1, -1 disables the API.
    public func setAPIVersion(apiKey: Int16, minVersion: Int16, maxVersion: Int16) throws(KafkaError) {
        try cluster.check("setting versions of API \(apiKey)") {
            rd_kafka_mock_set_apiversion($0, apiKey, minVersion, maxVersion)
        }
    }

    /// `rd_kafka_mock_broker_push_request_error_rtts` is variadic, which Swift cannot call. It is
    /// called here through a fixed prototype for exactly one (error, rtt) pair: on the 64-bit
    /// Linux ABIs Baton supports (x86-64 System V, AArch64) integer variadic arguments are passed
    /// exactly like fixed ones, and `cnt` = 1 makes the callee read just that pair.
    private static func pushOneErrorRTT(
        _ cluster: OpaquePointer,
        _ broker: Int32,
        _ apiKey: Int16,
        _ error: Int32,
        _ rttMs: Int32
    ) -> rd_kafka_resp_err_t {
        typealias PushOne = @convention(c) (OpaquePointer, Int32, Int16, Int, Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "rd_kafka_mock_broker_push_request_error_rtts") else {
            return RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED
        }
        let push = unsafeBitCast(symbol, to: PushOne.self)
        return rd_kafka_resp_err_t(rawValue: push(cluster, broker, apiKey, 1, error, rttMs))
    }
}
