/// How to reach a Kafka cluster, shared by producers, consumers and admin calls.
///
/// Baton types only what it reads itself; everything else (TLS, SASL, tuning) goes through
/// ``properties`` so that any librdkafka feature works by configuration alone, without a new
/// release of Baton.
public struct KafkaConfiguration: Sendable {
    /// `host:port[,host:port...]`, librdkafka's `bootstrap.servers`.
    public var bootstrapServers: String
    /// Shows up in broker logs and quotas. Default: `"baton"`.
    public var clientId: String
    /// Any librdkafka property, applied last (TLS, SASL, tuning) — TLS/SASL work by configuration alone.
    ///
    /// Because they are applied after Baton's own settings, they also override Baton's defaults
    /// (for example `acks` or `enable.idempotence` on the producer). Default: empty.
    public var properties: [String: String]

    public init(bootstrapServers: String, clientId: String = "baton", properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientId = clientId
        self.properties = properties
    }
}
