import BatonMessages

/// Settings of the processing core. Defaults suit a single Baton process.
public struct OrchestratorConfiguration: Sendable {
    /// Topic names. Default: prefix `baton.`.
    public var topics: TopicNames
    /// Inbound message values larger than this are dead-lettered as `OVERSIZED`. Default: 1 MiB.
    public var maxMessageBytes: Int
    /// CloudEvents `source` of lifecycle events. Default: `urn:baton:orchestrator`.
    public var lifecycleSource: String
    /// Running instances kept in memory (the store stays the source of truth). Default: 100,000.
    public var instanceCacheLimit: Int

    public init(topics: TopicNames = TopicNames(), maxMessageBytes: Int = 1 << 20, lifecycleSource: String = LifecycleCodec.defaultSource, instanceCacheLimit: Int = 100_000) {
        self.topics = topics
        self.maxMessageBytes = maxMessageBytes
        self.lifecycleSource = lifecycleSource
        self.instanceCacheLimit = instanceCacheLimit
    }
}
