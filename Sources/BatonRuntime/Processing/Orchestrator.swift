import BatonCore
import BatonExpressions
import BatonMessages
import BatonStore
import Synchronization

/// The decider: feeds inputs (consumed batches, due timers, operators' commands) to the engine
/// with the instances they concern, and hands each batch's outcome to the commit path.
///
/// Decisions are made one at a time under `writeLock`, each on the latest state this process
/// knows (the commit path's overlay of uncommitted decisions, its cache, or the store); the store
/// refuses a batch decided from a revision another writer has moved on (compare-and-set). Kafka
/// types never reach this type, which keeps it testable with a store alone. It calls nothing
/// above it: the services that feed it hold it, and what follows a commit (publishing, timers)
/// is wired into the commit path.
public final class Orchestrator: Sendable {
    public let configuration: OrchestratorConfiguration
    public let commits: CommitPath
    let engine: Engine
    let clock: @Sendable () -> Timestamp
    let makeId: @Sendable () -> String
    let provisionTopics: @Sendable ([String]) async throws -> Void
    let catalog = DefinitionCatalog()
    let writeLock = AsyncSerialLock()
    /// The `eventKey` expressions of the stored waits, by event type: read from the store once
    /// per type, then kept current by `record` (this process writes every wait), so a trigger
    /// event costs no query to learn whether some step waits for its type.
    let storedEventKeys = Mutex<[String: Set<String>]>([:])
    let queueEstimate = QueueEstimate()
    /// The circuit breakers as last read, and the outcomes not yet reported.
    public var breakers: BreakerBoard { commits.breakers }
    /// Whether any task type has a breaker (outcomes are tallied only then).
    var tracksBreakers: Bool { configuration.breakers.isEnabled }

    /// - Parameters:
    ///   - commits: where decided batches go (and, through it, the relay and the timer service).
    ///   - clock: the time every transition is stamped with (a manual clock in tests).
    ///   - makeId: new instance ids (UUIDs in production, predictable ids in tests).
    ///   - provisionTopics: makes sure the task topics of a definition exist before it is registered,
    ///     so the first task request of a new task type does not wait for topic auto-creation.
    public init(
        commits: CommitPath, configuration: OrchestratorConfiguration = OrchestratorConfiguration(), engine: Engine = Engine(),
        clock: @escaping @Sendable () -> Timestamp, makeId: @escaping @Sendable () -> String,
        provisionTopics: @escaping @Sendable ([String]) async throws -> Void = { _ in }
    ) {
        self.commits = commits
        self.provisionTopics = provisionTopics
        self.configuration = configuration
        self.engine = engine
        self.clock = clock
        self.makeId = makeId
    }

    /// An orchestrator with a commit path of its own over `store` (tests and tools; the
    /// composition root builds the commit path itself to wire the relay and timer service).
    public convenience init(
        store: any WorkflowStore, configuration: OrchestratorConfiguration = OrchestratorConfiguration(), engine: Engine = Engine(),
        clock: @escaping @Sendable () -> Timestamp, makeId: @escaping @Sendable () -> String,
        provisionTopics: @escaping @Sendable ([String]) async throws -> Void = { _ in },
        publishesTo outbox: (any CommittedOutboxSink)? = nil, wakesTimers timers: WakeSignal? = nil, statistics: RuntimeStatistics = RuntimeStatistics()
    ) {
        self.init(
            commits: CommitPath(store: store, cacheBytes: configuration.instanceCacheBytes, statistics: statistics, publishesTo: outbox, wakesTimers: timers),
            configuration: configuration, engine: engine, clock: clock, makeId: makeId, provisionTopics: provisionTopics
        )
    }

    public var store: any WorkflowStore { commits.store }
    var statistics: RuntimeStatistics { commits.statistics }
    var latencyProbe: StepLatencyProbe? { commits.latencyProbe }
    var pipeline: CommitPipeline { commits.pipeline }

    /// Counters since start.
    public var counters: RuntimeCounters { commits.statistics.snapshot }

    /// The instance cache's size and evictions.
    public var instanceCache: InstanceCacheStatistics { commits.cache.statistics }

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

    /// Learns the definition versions other processes registered since this one last looked
    /// (several processes on one store): compiles the new latest versions, so triggers match them
    /// here too, and makes sure their task topics exist. Returns the ids learned.
    public func learnNewDefinitions() async throws(StoreError) -> [String] {
        var learned: [String] = []
        var taskTopics: Set<String> = []
        for summary in try await store.definitions() where (catalog.latestVersion(of: summary.id) ?? 0) < summary.latestVersion {
            guard let definition = try await catalog.resolve(id: summary.id, version: summary.latestVersion, store: store) else { continue }
            catalog.insert(definition, isLatest: true)
            learned.append(summary.id)
            for type in definition.taskTypes { taskTopics.insert(configuration.topics.tasks(type)) }
        }
        if !taskTopics.isEmpty {
            do {
                try await provisionTopics(taskTopics.sorted())
            } catch {
                throw StoreError(.unavailable, "could not create the task topics of definitions registered elsewhere: \(error)", isRetryable: true)
            }
        }
        return learned
    }

    /// The latest version of definition `id` this process has compiled (what its triggers match),
    /// nil when it knows none.
    public func knownLatestVersion(of id: String) -> Int? { catalog.latestVersion(of: id) }

    /// The orchestrator's clock (the timer service fires by it).
    public var now: Timestamp { clock() }

    // MARK: Committing

    func enqueueCommit(
        _ work: BatchWork, decidedIn generation: UInt64, counts: RuntimeCounters = RuntimeCounters(),
        requires: CommitTicket? = nil, afterCommit: @escaping @Sendable () async -> Void = {}
    ) -> Task<Result<Void, StoreError>, Never> {
        commits.enqueue(work, decidedIn: generation, counts: counts, requires: requires, afterCommit: afterCommit)
    }

    func commitNow(_ work: BatchWork, decidedIn generation: UInt64) async throws(StoreError) {
        try await commits.commitNow(work, decidedIn: generation)
    }

    func loadInstance(_ id: String, into work: inout BatchWork) async throws(StoreError) -> WorkflowInstance? {
        try await commits.load(id, into: &work)
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
        let trace = transition.effects.isEmpty ? nil : transition.instance.effectiveTrace
        for effect in transition.effects {
            var message: WireMessage
            switch effect {
            case .dispatchTask(let task):
                message = TaskRequestCodec.encode(task, topics: configuration.topics)
                message.traced(trace, span: TraceContext.taskSpanValue(task.instanceId, task.taskId))
                let bytes = message.recordBytes
                if bytes > configuration.budget.maxRecordBytes {
                    oversized.append((task, bytes))
                    continue
                }
                if configuration.taskRates[task.taskType] != nil || breakers.holds(task.taskType) {
                    work.held.append(HeldDispatch(gate: task.taskType, message: OutboxMessage(message), taskId: task.taskId))
                    continue
                }
            case .emitLifecycle(let event):
                MetricObservation.of(event, into: &work.observations)
                if commits.spans != nil, let trace {
                    let taskType: String? = if let stepId = event.stepId, case .task(let step)? = definition?.steps[stepId]?.kind { step.taskType } else { nil }
                    if let span = SpanObservation.of(event, trace: trace, taskType: taskType) { work.spans.append(span) }
                }
                if tracksBreakers, let stepId = event.stepId, event.taskId != nil, case .task(let step)? = definition?.steps[stepId]?.kind {
                    switch event.type {
                    case .stepCompleted: work.breakerOutcomes[step.taskType, default: BreakerTally()].successes += 1
                    // A timed-out attempt is followed by one of these (code TIMEOUT): counted once.
                    case .stepRetrying, .stepFailed: work.breakerOutcomes[step.taskType, default: BreakerTally()].failures += 1
                    default: break
                    }
                }
                message = LifecycleCodec.encode(event, topics: configuration.topics, source: configuration.lifecycleSource)
                message.traced(trace, span: event.taskId.map { TraceContext.taskSpanValue(event.instanceId, $0) } ?? TraceContext.workflowSpanValue(event.instanceId))
            case .cancelTask(let cancellation):
                // Its request may still be held (rate limit, open breaker): withdrawn, never sent.
                if configuration.taskRates[cancellation.taskType] != nil || tracksBreakers { work.withdrawnTasks.append(cancellation.taskId) }
                message = TaskCancellationCodec.encode(cancellation, topics: configuration.topics)
                message.traced(trace, span: TraceContext.taskSpanValue(cancellation.instanceId, cancellation.taskId))
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
    /// What the batch's lifecycle events tell the metrics, recorded once it is durable.
    var observations: [MetricObservation] = []
    /// The spans the batch's lifecycle events end, reported once it is durable (tracing on only).
    var spans: [SpanObservation] = []
    /// Task requests held back by a rate limit instead of written to `outbox`.
    var held: [HeldDispatch] = []
    /// Tasks cancelled by this batch whose requests may be held (see `StoreBatch.withdrawnTasks`).
    var withdrawnTasks: [String] = []
    /// Attempt outcomes by task type, for the circuit breakers once the batch is durable.
    var breakerOutcomes: [String: BreakerTally] = [:]

    var isEmpty: Bool {
        order.isEmpty && history.isEmpty && outbox.isEmpty && dedupe.isEmpty && timers.isEmpty && deadLetters.isEmpty && redriven.isEmpty
            && waits.isEmpty && bufferedEvents.isEmpty && consumedEvents.isEmpty && held.isEmpty && withdrawnTasks.isEmpty
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
        batch.held = held
        batch.withdrawnTasks = withdrawnTasks
        return batch
    }
}
