/// A topic Baton needs, created at startup so that consumers never subscribe to a missing topic.
public struct TopicSpec: Sendable, Hashable {
    public var name: String
    /// Upper bound on consumer parallelism for this topic. Default: 1.
    public var partitions: Int
    /// Copies kept by the cluster; 1 for development brokers. Default: 1.
    public var replicationFactor: Int

    public init(name: String, partitions: Int = 1, replicationFactor: Int = 1) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
    }
}
