import BatonMessages

/// Settings of the processing core. Defaults suit a single Baton process.
public struct OrchestratorConfiguration: Sendable {
    /// Topic names. Default: prefix `baton.`.
    public var topics: TopicNames
    /// The record size limit: inputs over `budget.maxInputBytes` are dead-lettered as `OVERSIZED`,
    /// task requests over `budget.maxRecordBytes` fail their step with `PAYLOAD_TOO_LARGE`, and
    /// dead-letter copies are truncated to fit. Default: 1,000,000-byte records.
    public var budget: MessageBudget
    /// CloudEvents `source` of lifecycle events. Default: `urn:baton:orchestrator`.
    public var lifecycleSource: String
    /// The estimated bytes of running instances kept in memory, least recently used dropped
    /// first (the store stays the source of truth). Default: 128 MiB.
    public var instanceCacheBytes: Int

    public static let defaultInstanceCacheBytes = 128 << 20

    public init(
        topics: TopicNames = TopicNames(), budget: MessageBudget = MessageBudget(), lifecycleSource: String = LifecycleCodec.defaultSource,
        instanceCacheBytes: Int = OrchestratorConfiguration.defaultInstanceCacheBytes
    ) {
        self.topics = topics
        self.budget = budget
        self.lifecycleSource = lifecycleSource
        self.instanceCacheBytes = instanceCacheBytes
    }
}
