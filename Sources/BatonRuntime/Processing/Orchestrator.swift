import BatonCore
import BatonExpressions
import BatonMessages
import BatonStore
import Synchronization

/// The processing core: feeds inputs to the engine and commits each batch's outcome in one store
/// transaction (state, history, outbox, dedupe marks).
///
/// Single writer by design: every write takes `writeLock`, so a decision is always made on the
/// latest committed state. Reads go straight to the store. Kafka types never reach this type,
/// which keeps it testable with a store alone.
public final class Orchestrator: WorkflowService {
    public let store: any WorkflowStore
    public let configuration: OrchestratorConfiguration
    let engine: Engine
    let clock: @Sendable () -> Timestamp
    let makeId: @Sendable () -> String
    let provisionTopics: @Sendable ([String]) async throws -> Void
    /// Set by the benchmark only.
    public let latencyProbe: StepLatencyProbe?
    let catalog = DefinitionCatalog()
    let writeLock = AsyncSerialLock()
    let instances: InstanceCache
    let counterBox = CounterBox()
    let pipeline = CommitPipeline()
    /// The `eventKey` expressions of the stored waits, by event type: read from the store once
    /// per type, then kept current by `record` (this process writes every wait), so a trigger
    /// event costs no query to learn whether some step waits for its type.
    let storedEventKeys = Mutex<[String: Set<String>]>([:])
    private let observers = Mutex<[@Sendable ([OutboxMessage]) -> Void]>([])
    private let timerObservers = Mutex<[@Sendable (Timestamp) -> Void]>([])
    private let notReady = Mutex<[String: String]>([:])

    /// - Parameters:
    ///   - clock: the time every transition is stamped with (a manual clock in tests).
    ///   - makeId: new instance ids (UUIDs in production, predictable ids in tests).
    ///   - provisionTopics: makes sure the task topics of a definition exist before it is registered,
    ///     so the first task request of a new task type does not wait for topic auto-creation.
    public init(
        store: any WorkflowStore, configuration: OrchestratorConfiguration = OrchestratorConfiguration(), engine: Engine = Engine(),
        clock: @escaping @Sendable () -> Timestamp, makeId: @escaping @Sendable () -> String,
        provisionTopics: @escaping @Sendable ([String]) async throws -> Void = { _ in },
        latencyProbe: StepLatencyProbe? = nil
    ) {
        self.latencyProbe = latencyProbe
        self.provisionTopics = provisionTopics
        self.store = store
        self.configuration = configuration
        self.engine = engine
        self.clock = clock
        self.makeId = makeId
        self.instances = InstanceCache(capacityBytes: configuration.instanceCacheBytes)
    }

    /// Counters since start.
    public var counters: RuntimeCounters { counterBox.snapshot }

    /// The instance cache's size and evictions.
    public var instanceCache: InstanceCacheStatistics { instances.statistics }

    /// Adds one outbox relay round to the counters.
    public func recordRelayRound(_ round: OutboxRelay.Round) {
        counterBox.update { c in
            c.outboxPublished += round.published
            c.outboxParked += round.parked
            if round.published > 0 { c.relayRounds += 1 }
            c.publishSeconds += round.publishSeconds
            c.markSentSeconds += round.markSentSeconds
        }
    }

    func recordTiming(process: Double = 0, offsetCommit: Double = 0) {
        counterBox.update { c in
            c.processSeconds += process
            c.offsetCommitSeconds += offsetCommit
        }
    }

    /// Called after every successful commit that wrote outbox rows, with those rows and their
    /// sequences, in commit order (the relay publishes them without reading them back).
    public func onCommit(_ observer: @escaping @Sendable ([OutboxMessage]) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    /// Marks a part of the service not ready (`reason`) or ready again (`nil`), for `/readyz`.
    public func setReadiness(_ component: String, notReadyBecause reason: String?) {
        notReady.withLock { $0[component] = reason }
    }

    public func notReadyReason() async -> String? {
        notReady.withLock { state in
            state.isEmpty ? nil : state.keys.sorted().map { "\($0): \(state[$0]!)" }.joined(separator: "; ")
        }
    }

    /// Loads and compiles the latest version of every definition, so triggers match from the first
    /// message. Returns the task topics those versions dispatch to, which must exist before Baton
    /// publishes to them.
    @discardableResult
    public func loadDefinitions() async throws(StoreError) -> [String] {
        var taskTopics: Set<String> = []
        for summary in try await store.definitions() {
            guard let definition = try await catalog.resolve(id: summary.id, version: summary.latestVersion, store: store) else { continue }
            catalog.insert(definition, isLatest: true)
            for type in definition.taskTypes { taskTopics.insert(configuration.topics.tasks(type)) }
        }
        return taskTopics.sorted()
    }

    /// Called after a commit that set timers, with the earliest of them (the timer service wakes
    /// early when it is sooner than what it sleeps towards).
    public func onTimersSet(_ observer: @escaping @Sendable (Timestamp) -> Void) {
        timerObservers.withLock { $0.append(observer) }
    }

    /// The orchestrator's clock (the timer service fires by it).
    public var now: Timestamp { clock() }

    func notifyCommitted(_ rows: [OutboxMessage]) {
        for observer in observers.withLock({ $0 }) { observer(rows) }
    }

    // MARK: Committing

    /// Queues the work's commit behind every earlier decision (see `CommitPipeline`) and returns
    /// without waiting for it. Call under `writeLock`, with the generation taken when the decision
    /// began. `afterCommit` runs once the batch is durable, before the next batch commits.
    func enqueueCommit(
        _ work: BatchWork, decidedIn generation: UInt64, counts: RuntimeCounters = RuntimeCounters(),
        requires: CommitTicket? = nil, afterCommit: @escaping @Sendable () async -> Void = {}
    ) -> Task<Result<Void, StoreError>, Never> {
        guard !work.isEmpty || requires != nil else {
            counterBox.update { $0.add(counts) }
            return Task { .success(()) }
        }
        assert(work.cascade.isEmpty, "settleCascade must run before a batch is committed")
        let changed = work.changedInstances
        let childrenStarted = work.childrenStarted
        let enqueuedAt = ContinuousClock.now
        return pipeline.enqueue(
            work, decidedIn: generation, requires: requires?.task,
            prepare: { [store] batch in store.prepare(batch) },
            write: { [self] prepared throws(StoreError) in
                let start = ContinuousClock.now
                let batch = prepared.batch
                let sequences = try await store.commit(prepared: prepared)
                latencyProbe?.stage("3 queued → committed incl. fsync (per batch)", ContinuousClock.now - enqueuedAt)
                latencyProbe?.stage("3b of which in the store: write + fsync (per batch)", ContinuousClock.now - start)
                let earliest = batch.timers.compactMap { change -> Timestamp? in
                    if case .set(_, _, let at) = change { return at } else { return nil }
                }.min()
                if let earliest { for observer in timerObservers.withLock({ $0 }) { observer(earliest) } }
                if !sequences.isEmpty {
                    var rows = batch.outbox
                    for index in rows.indices { rows[index].sequence = sequences[index] }
                    notifyCommitted(rows)
                }
                for instance in changed {
                    if instance.status.isTerminal {
                        instances.remove(instance.id)
                    } else {
                        instances.put(VersionedInstance(instance: instance, revision: (batch.decidedFrom[instance.id] ?? 0) + 1))
                    }
                }
                counterBox.update { c in
                    c.add(counts)
                    c.instancesStarted += childrenStarted
                    c.batchesCommitted += 1
                    c.commitSeconds += (ContinuousClock.now - start).seconds
                }
            },
            completed: afterCommit
        )
    }

    /// Decides nothing new: commits `work` and waits for it (API commands).
    func commitNow(_ work: BatchWork, decidedIn generation: UInt64) async throws(StoreError) {
        try await enqueueCommit(work, decidedIn: generation).value.get()
    }

    /// The instance from the batch's working set, an uncommitted earlier decision, the cache, or
    /// the store. The revision it was read at goes into the batch, whose commit the store refuses
    /// if another writer moved the instance on since (compare-and-set).
    func loadInstance(_ id: String, into work: inout BatchWork) async throws(StoreError) -> WorkflowInstance? {
        if let working = work.instances[id] { return working }
        let loaded: VersionedInstance?
        if let pending = pipeline.instance(id) {
            loaded = pending
        } else if let cached = instances.get(id) {
            loaded = cached
        } else {
            loaded = try await store.versionedInstance(id: id)
        }
        guard let loaded else { return nil }
        work.decidedFrom[id] = loaded.revision
        return loaded.instance
    }

    /// Adds a transition's outcome to the batch: instance, history, and effects as outbox rows.
    ///
    /// A task request larger than the producer's record limit is not written (it could never be
    /// sent, and the instance would wait for it for ever): its attempt fails with
    /// `PAYLOAD_TOO_LARGE` instead, through the engine like a worker's failure, so the step's
    /// `catch`, `fallback` and the definition's `onFailure` apply.
    func record(_ transition: Transition, previous: WorkflowInstance?, definition: WorkflowDefinition?, into work: inout BatchWork) {
        work.put(transition.instance)
        let before = previous?.timers ?? [:]
        let after = transition.instance.timers
        if !(before.isEmpty && after.isEmpty) {
            let id = transition.instance.id
            for timerId in before.keys.sorted() where after[timerId] == nil {
                work.timers.append(.delete(instanceId: id, timerId: timerId))
            }
            for timerId in after.keys.sorted() where before[timerId] != after[timerId] {
                work.timers.append(.set(instanceId: id, timerId: timerId, fireAt: after[timerId]!.fireAt))
            }
        }
        let waitsBefore = previous?.eventWaits ?? [:]
        let waitsAfter = transition.instance.eventWaits
        if !(waitsBefore.isEmpty && waitsAfter.isEmpty) {
            let id = transition.instance.id
            for waitId in waitsBefore.keys.sorted() where waitsAfter[waitId] == nil {
                work.waits.append(.delete(instanceId: id, waitId: waitId))
            }
            for waitId in waitsAfter.keys.sorted() where waitsBefore[waitId] != waitsAfter[waitId] {
                let wait = waitsAfter[waitId]!
                work.waits.append(.set(instanceId: id, wait: wait))
                if let source = wait.eventKeySource, let key = wait.correlationKey {
                    storedEventKeys.withLock { known in
                        if known[wait.event] != nil { known[wait.event]!.insert(source) }
                    }
                    work.waitIndex[BatchWork.waitKey(wait.event, source, key), default: []].append(WaitingInstance(instanceId: id, waitId: waitId))
                    // An event may have arrived before the wait: it is looked for before the batch commits.
                    work.cascade.append(.matchKept(instanceId: id, wait: wait))
                }
            }
        }
        for event in transition.history {
            work.history.append(InstanceHistoryEvent(instanceId: transition.instance.id, event: event))
        }
        var oversized: [(task: TaskDispatch, bytes: Int)] = []
        for effect in transition.effects {
            let message: WireMessage
            switch effect {
            case .dispatchTask(let task):
                message = TaskRequestCodec.encode(task, topics: configuration.topics)
                let bytes = message.recordBytes
                if bytes > configuration.budget.maxRecordBytes {
                    oversized.append((task, bytes))
                    continue
                }
            case .emitLifecycle(let event): message = LifecycleCodec.encode(event, topics: configuration.topics, source: configuration.lifecycleSource)
            case .cancelTask(let cancellation): message = TaskCancellationCodec.encode(cancellation, topics: configuration.topics)
            case .startChild(let start):
                work.cascade.append(.start(start))
                continue
            case .cancelChild(let cancellation):
                work.cascade.append(.cancel(cancellation))
                continue
            case .reportToParent(let outcome):
                work.cascade.append(.report(outcome))
                continue
            }
            work.outbox.append(OutboxMessage(message))
        }
        for (task, bytes) in oversized {
            guard let definition, let current = work.instances[task.instanceId] else { continue }
            let failure = TaskResult(
                taskId: task.taskId, instanceId: task.instanceId, stepId: task.stepId, attempt: task.attempt, status: .failed,
                error: ErrorInfo(
                    code: BatonErrorCode.payloadTooLarge,
                    message: "the task request is \(bytes) bytes, more than the \(configuration.budget.maxRecordBytes) bytes a Kafka record may have (message.max.bytes); it was not sent",
                    details: ["bytes": .number(Double(bytes)), "limit": .number(Double(configuration.budget.maxRecordBytes))]
                ),
                workerId: "baton"
            )
            let failed = engine.taskResultReceived(failure, instance: current, definition: definition, at: current.updatedAt)
            record(failed, previous: current, definition: definition, into: &work)
        }
    }
}

extension OutboxMessage {
    init(_ message: WireMessage) {
        self.init(topic: message.topic, key: message.key, value: message.value, headers: message.headers.map { OutboxHeader(key: $0.key, value: $0.value) })
    }
}

/// Everything one batch changes, before it is committed.
struct BatchWork {
    var instances: [String: WorkflowInstance] = [:]
    var order: [String] = []
    var history: [InstanceHistoryEvent] = []
    var outbox: [OutboxMessage] = []
    var dedupe: [String: String] = [:]
    var timers: [TimerChange] = []
    var deadLetters: [DeadLetterRecord] = []
    var redriven: [Int64] = []
    var redrivenAt: Timestamp?
    /// What transitions asked of other instances (start a child, cancel one, report to a
    /// parent), applied by `settleCascade` before the batch commits, in the same transaction.
    var cascade: [CascadeInput] = []
    var childrenStarted = 0
    /// Business keys of the instances this batch started (`businessKey(_:_:)` → instance id).
    var businessKeys: [String: String] = [:]
    /// Changes to the event-wait index, and the waits this batch set (`waitKey(_:_:_:)` → waits).
    var waits: [WaitChange] = []
    var waitIndex: [String: [WaitingInstance]] = [:]
    /// Events kept for waits to come, and refs of kept events a wait consumed, in this batch.
    var bufferedEvents: [BufferedEvent] = []
    var consumedEvents: [String] = []
    var eventsExpiredBefore: Timestamp?
    /// The revision each stored instance was read at (see `StoreBatch.decidedFrom`).
    var decidedFrom: [String: Int64] = [:]

    var isEmpty: Bool {
        order.isEmpty && history.isEmpty && outbox.isEmpty && dedupe.isEmpty && timers.isEmpty && deadLetters.isEmpty && redriven.isEmpty
            && waits.isEmpty && bufferedEvents.isEmpty && consumedEvents.isEmpty
    }

    static func waitKey(_ event: String, _ source: String, _ key: String) -> String { event + "\u{1F}" + source + "\u{1F}" + key }

    mutating func put(_ instance: WorkflowInstance) {
        if instances.updateValue(instance, forKey: instance.id) == nil {
            order.append(instance.id)
            if let key = instance.businessKey { businessKeys[Self.businessKey(instance.workflowId, key)] = instance.id }
        }
    }

    static func businessKey(_ workflowId: String, _ key: String) -> String { workflowId + "\u{1F}" + key }

    var changedInstances: [WorkflowInstance] { order.map { instances[$0]! } }

    func storeBatch() -> StoreBatch {
        var batch = StoreBatch(
            instances: changedInstances, history: history, outbox: outbox, dedupe: dedupe, timers: timers,
            deadLetters: deadLetters, redriven: redriven, redrivenAt: redrivenAt
        )
        batch.waits = waits
        batch.bufferedEvents = bufferedEvents
        batch.consumedEvents = consumedEvents
        batch.eventsExpiredBefore = eventsExpiredBefore
        batch.decidedFrom = decidedFrom
        return batch
    }
}
