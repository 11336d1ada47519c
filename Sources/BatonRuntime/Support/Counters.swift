import Synchronization

/// What the runtime has done since start: for logs, `/metrics`-style views, tests and the bench.
public struct RuntimeCounters: Sendable, Hashable {
    public var messagesProcessed = 0
    public var batchesCommitted = 0
    public var instancesStarted = 0
    public var resultsApplied = 0
    /// Inputs that changed nothing (duplicate, stale, finished instance), by rejection reason.
    public var inputsIgnored: [String: Int] = [:]
    /// Inputs copied to the dead-letter topic, by reason.
    public var deadLettered: [String: Int] = [:]
    public var triggersDeduplicated = 0
    /// Trigger starts not made because a running instance of the workflow has their business key.
    public var startsIgnoredByBusinessKey = 0
    /// Waiting steps completed by trigger-topic events, and events kept because none waited yet.
    public var eventsDelivered = 0
    public var eventsKept = 0
    /// Timers that changed an instance (retries started, tasks and workflows timed out).
    public var timersFired = 0
    /// Instances failed with `DEFINITION_UNAVAILABLE` because their definition version could not be loaded.
    public var definitionsUnavailable = 0
    /// Dead letters re-injected by operators.
    public var deadLettersRedriven = 0
    public var outboxPublished = 0
    /// Outbox rows parked because they can never be published (`GET /v1/outbox/parked`).
    public var outboxParked = 0
    /// Publication rounds of the outbox relay.
    public var relayRounds = 0
    /// Batches the store refused because another writer had moved one of their instances on
    /// (compare-and-set); each was decided again from the store.
    public var commitsRefusedStale = 0
    /// API commands decided again after such a refusal.
    public var commandsDecidedAgain = 0

    /// Where the time goes (seconds, summed): deciding and committing batches, committing Kafka
    /// offsets, waiting for delivery reports, and marking outbox rows sent. The benchmark prints
    /// these to show what bounds throughput.
    public var processSeconds = 0.0
    /// Of `processSeconds`: deciding batches (parse, engine, encode), and writing + fsyncing them.
    /// The two overlap (see `CommitPipeline`).
    public var decideSeconds = 0.0
    public var commitSeconds = 0.0
    public var offsetCommitSeconds = 0.0
    public var publishSeconds = 0.0
    public var markSentSeconds = 0.0

    public init() {}

    mutating func add(_ batch: RuntimeCounters) {
        messagesProcessed += batch.messagesProcessed
        instancesStarted += batch.instancesStarted
        resultsApplied += batch.resultsApplied
        triggersDeduplicated += batch.triggersDeduplicated
        startsIgnoredByBusinessKey += batch.startsIgnoredByBusinessKey
        eventsDelivered += batch.eventsDelivered
        eventsKept += batch.eventsKept
        timersFired += batch.timersFired
        definitionsUnavailable += batch.definitionsUnavailable
        for (k, v) in batch.inputsIgnored { inputsIgnored[k, default: 0] += v }
        for (k, v) in batch.deadLettered { deadLettered[k, default: 0] += v }
    }

    public var totalIgnored: Int { inputsIgnored.values.reduce(0, +) }
    public var totalDeadLettered: Int { deadLettered.values.reduce(0, +) }
}

/// The runtime's counters, shared by the parts that count: made by the composition root and given
/// to each part (commit path, relay, consumer), so no part reports to another through a callback.
public final class RuntimeStatistics: Sendable {
    private let value = Mutex(RuntimeCounters())

    public init() {}

    func update(_ body: (inout RuntimeCounters) -> Void) { value.withLock { body(&$0) } }

    /// Counters since start.
    public var snapshot: RuntimeCounters { value.withLock { $0 } }

    /// Adds one outbox relay round.
    func record(_ round: OutboxRelay.Round) {
        update { c in
            c.outboxPublished += round.published
            c.outboxParked += round.parked
            if round.published > 0 { c.relayRounds += 1 }
            c.publishSeconds += round.publishSeconds
            c.markSentSeconds += round.markSentSeconds
        }
    }

    /// Adds time spent processing a consumed batch and committing its offsets.
    func recordTiming(process: Double = 0, offsetCommit: Double = 0) {
        update { c in
            c.processSeconds += process
            c.offsetCommitSeconds += offsetCommit
        }
    }
}
