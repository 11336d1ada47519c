import BatonMessages
import BatonStore

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

    /// Concurrency limits: starts beyond them wait as QUEUED. Default: none.
    public var limits: ConcurrencyLimits = ConcurrencyLimits()
    /// Task requests per second, by task type, for executors that cannot take bursts: requests
    /// of these types are held in the store and released at that rate (all processes together)
    /// by `DispatchRateLimiter`. Types not named are dispatched at once. Default: none.
    public var taskRates: [String: Double] = [:]
    /// Circuit breakers per task type (see `CircuitBreakerService`). Default: none.
    public var breakers: BreakerSettings = BreakerSettings()

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

/// How many instances may run at once, and how many may wait for a slot.
public struct ConcurrencyLimits: Sendable, Hashable {
    /// Instances of all workflows RUNNING or PAUSED at once; nil: no global limit (a workflow's
    /// `maxConcurrent` still applies to its own).
    public var maxRunning: Int?
    /// QUEUED instances beyond which starts are refused (REST: 429 with `Retry-After`) and the
    /// trigger consumer pauses. Counted at every admission pass, so several processes may
    /// together pass it by what they start between two passes. Default: 100,000.
    public var maxQueued: Int

    public init(maxRunning: Int? = nil, maxQueued: Int = 100_000) {
        self.maxRunning = maxRunning
        self.maxQueued = maxQueued
    }
}

/// Which task types have a circuit breaker, and its policy.
public struct BreakerSettings: Sendable, Hashable {
    /// The policy of every task type not named in `taskTypes`; nil: those have none.
    public var defaultPolicy: BreakerPolicy?
    /// Per task type: a policy, or nil to exempt the type from the default.
    public var taskTypes: [String: BreakerPolicy?]

    public init(defaultPolicy: BreakerPolicy? = nil, taskTypes: [String: BreakerPolicy?] = [:]) {
        self.defaultPolicy = defaultPolicy
        self.taskTypes = taskTypes
    }

    public var isEnabled: Bool { defaultPolicy != nil || taskTypes.values.contains { $0 != nil } }

    public func policy(for taskType: String) -> BreakerPolicy? {
        if let own = taskTypes[taskType] { return own }
        return defaultPolicy
    }
}
