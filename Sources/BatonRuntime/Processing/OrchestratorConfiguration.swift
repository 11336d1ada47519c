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
    /// Running instances kept in memory (the store stays the source of truth). Default: 100,000.
    public var instanceCacheLimit: Int

    public init(topics: TopicNames = TopicNames(), budget: MessageBudget = MessageBudget(), lifecycleSource: String = LifecycleCodec.defaultSource, instanceCacheLimit: Int = 100_000) {
        self.topics = topics
        self.budget = budget
        self.lifecycleSource = lifecycleSource
        self.instanceCacheLimit = instanceCacheLimit
    }
}
