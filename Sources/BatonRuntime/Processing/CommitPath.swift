import BatonCore
import BatonStore

/// Takes the rows each commit wrote to the outbox, in commit order, with their sequences (the
/// outbox relay, which then publishes them without reading them back).
public protocol CommittedOutboxSink: Sendable {
    func enqueue(_ rows: [OutboxMessage])
}

/// The way from a decided batch to durable state: queues each batch behind the decisions made
/// before it (`CommitPipeline`), writes it in one store transaction with the revisions it was
/// decided from (compare-and-set), and then tells what lies downstream: the instance cache, the
/// outbox relay (`publishesTo`) and the timer service (`wakesTimers`).
///
/// Downstream parts are given at construction and never call back: the arrows point one way,
/// from the decider through here to the relay and the timer service.
public final class CommitPath: Sendable {
    public let store: any WorkflowStore
    let statistics: RuntimeStatistics
    let latencyProbe: StepLatencyProbe?
    let metrics: RuntimeMetrics?
    /// Where the spans of committed transitions go; nil when tracing is off (none are computed).
    let spans: SpanReporter?
    let pipeline = CommitPipeline()
    let cache: InstanceCache
    /// Other processes write the store too: a decision that changed nothing is still committed
    /// (the store verifies the revisions it read), and API reads bypass the cache.
    let verifiesReads: Bool
    private let outbox: (any CommittedOutboxSink)?
    private let timers: WakeSignal?
    /// Signalled after a commit that queued an instance or ended one (a slot may be free).
    public let admission = WakeSignal()

    /// - Parameters:
    ///   - cacheBytes: the instance cache's budget (see `OrchestratorConfiguration.instanceCacheBytes`).
    ///   - publishesTo: gets every committed outbox row; nil when nothing publishes (tests, tools).
    ///   - wakesTimers: signalled after a commit that set timers, so the timer service does not
    ///     sleep past one sooner than it expected.
    public init(
        store: any WorkflowStore, cacheBytes: Int = OrchestratorConfiguration.defaultInstanceCacheBytes, statistics: RuntimeStatistics = RuntimeStatistics(),
        publishesTo outbox: (any CommittedOutboxSink)? = nil, wakesTimers timers: WakeSignal? = nil, latencyProbe: StepLatencyProbe? = nil,
        metrics: RuntimeMetrics? = nil, readiness: Readiness? = nil, spans: SpanReporter? = nil
    ) {
        self.spans = spans
        self.storeBreaker = DependencyBreaker(name: "store", readiness: readiness)
        self.store = store
        self.metrics = metrics
        self.statistics = statistics
        self.latencyProbe = latencyProbe
        self.cache = InstanceCache(capacityBytes: cacheBytes)
        self.verifiesReads = (store as? any SharedWorkflowStore)?.isShared ?? false
        self.outbox = outbox
        self.timers = timers
    }

    /// The generation a decision starts in (see `CommitPipeline`); taken under the write lock.
    var generation: UInt64 { pipeline.generation }

    /// Queues the work's commit behind every earlier decision and returns without waiting for it.
    /// Call under the decider's write lock, with the generation taken when the decision began.
    /// `afterCommit` runs once the batch is durable, before the next batch commits.
    func enqueue(
        _ work: BatchWork, decidedIn generation: UInt64, counts: RuntimeCounters = RuntimeCounters(),
        requires: CommitTicket? = nil, afterCommit: @escaping @Sendable () async -> Void = {}
    ) -> Task<Result<Void, StoreError>, Never> {
        guard !work.isEmpty || requires != nil || (verifiesReads && !work.decidedFrom.isEmpty) else {
            statistics.update { $0.add(counts) }
            return Task { .success(()) }
        }
        assert(work.cascade.isEmpty, "settleCascade must run before a batch is committed")
        let changed = work.changedInstances
        let childrenStarted = work.childrenStarted
        let observations = work.observations
        let spanObservations = work.spans
        let breakerOutcomes = work.breakerOutcomes
        let enqueuedAt = ContinuousClock.now
        return pipeline.enqueue(
            work, decidedIn: generation, requires: requires?.task,
            prepare: { [store] batch in store.prepare(batch) },
            write: { [self] prepared throws(StoreError) in
                let start = ContinuousClock.now
                let batch = prepared.batch
                let sequences: [Int64]
                do throws(StoreError) {
                    sequences = try await store.commit(prepared: prepared)
                } catch where error.code == .stale {
                    // Another writer committed one of these instances since it was read: forget
                    // what this process holds of them (the pipeline drops its overlay as for any
                    // failed commit), so the batch is decided again on what the store has now.
                    for instance in changed { cache.remove(instance.id) }
                    for id in batch.decidedFrom.keys { cache.remove(id) }
                    statistics.update { $0.commitsRefusedStale += 1 }
                    throw StoreError(.stale, error.message + "; the batch is decided again from the store", isRetryable: true)
                } catch {
                    if [.unavailable, .locked, .database].contains(error.code) { storeBreaker.failed(error.message) }
                    throw error
                }
                storeBreaker.succeeded()
                let committedAt = ContinuousClock.now
                metrics?.committed(observations, in: committedAt - start)
                if !spanObservations.isEmpty { spans?.report(spanObservations) }
                breakers.add(breakerOutcomes)
                latencyProbe?.stage("3 queued → committed incl. fsync (per batch)", ContinuousClock.now - enqueuedAt)
                latencyProbe?.stage("3b of which in the store: write + fsync (per batch)", ContinuousClock.now - start)
                if batch.timers.contains(where: { if case .set = $0 { return true } else { return false } }) {
                    timers?.signal()
                }
                if !sequences.isEmpty, let outbox {
                    var rows = batch.outbox
                    for index in rows.indices { rows[index].sequence = sequences[index] }
                    outbox.enqueue(rows)
                }
                if !batch.held.isEmpty { heldDispatches.signal() }
                if changed.contains(where: { $0.status == .queued || $0.status.isTerminal }) {
                    admission.signal()
                }
                for instance in changed {
                    if instance.status.isTerminal {
                        cache.remove(instance.id)
                    } else {
                        cache.put(VersionedInstance(instance: instance, revision: (batch.decidedFrom[instance.id] ?? 0) + 1))
                    }
                }
                statistics.update { c in
                    c.add(counts)
                    c.instancesStarted += childrenStarted
                    c.batchesCommitted += 1
                    c.commitSeconds += (committedAt - start).seconds
                }
            },
            completed: afterCommit
        )
    }

    /// Hands rows moved into the outbox outside a commit (released task requests) to the relay.
    func handOver(_ rows: [OutboxMessage]) {
        if !rows.isEmpty { outbox?.enqueue(rows) }
    }

    /// Opens after repeated failed commits: API writes are then refused at once (503) and
    /// readiness reports it; the first commit that works closes it.
    public let storeBreaker: DependencyBreaker

    /// The circuit breakers this process knows, and the outcomes its commits saw.
    public let breakers = BreakerBoard()

    /// Signalled after a commit that held task requests back (the rate limiter releases them).
    public let heldDispatches = WakeSignal()

    /// Wakes the timer service (instances admitted outside a commit have due timers).
    func wakeTimers() { timers?.signal() }

    /// Commits `work` and waits for it (API commands, which answer only once it is durable).
    func commitNow(_ work: BatchWork, decidedIn generation: UInt64) async throws(StoreError) {
        try await enqueue(work, decidedIn: generation).value.get()
    }

    /// The instance from the batch's working set, an uncommitted earlier decision, the cache, or
    /// the store. The revision it was read at goes into the batch, whose commit the store refuses
    /// if another writer moved the instance on since (compare-and-set).
    func load(_ id: String, into work: inout BatchWork) async throws(StoreError) -> WorkflowInstance? {
        if let working = work.instances[id] { return working }
        let loaded: VersionedInstance?
        if let pending = pipeline.instance(id) {
            loaded = pending
        } else if let cached = cache.get(id) {
            loaded = cached
        } else {
            loaded = try await store.versionedInstance(id: id)
        }
        guard let loaded else { return nil }
        work.decidedFrom[id] = loaded.revision
        return loaded.instance
    }

    /// The committed instance, from the cache when it holds it (API reads).
    func committedInstance(id: String) async throws(StoreError) -> WorkflowInstance? {
        if !verifiesReads, let cached = cache.get(id) { return cached.instance }
        return try await store.instance(id: id)
    }
}

extension OutboxRelay: CommittedOutboxSink {}
