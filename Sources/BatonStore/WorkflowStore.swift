import BatonCore
import BatonExpressions

/// Where Baton keeps definitions, instances, history, the outbox and dedupe marks.
///
/// The contract that makes Baton crash-safe: `commit(_:)` applies a whole `StoreBatch` atomically
/// and durably (per the backend's durability setting) or not at all. Implementations never run
/// blocking I/O on Swift's cooperative thread pool.
public protocol WorkflowStore: Sendable {
    /// Stores a new version of definition `id` (1 for the first) and returns the version number.
    func registerDefinition(id: String, document: JSONValue, at time: Timestamp) async throws(StoreError) -> Int
    /// A given version, or the latest when `version` is nil.
    func definition(id: String, version: Int?) async throws(StoreError) -> DefinitionRecord?
    /// Every version of one definition, oldest first (empty when unknown).
    func definitionVersions(id: String) async throws(StoreError) -> [DefinitionRecord]
    func definitions() async throws(StoreError) -> [DefinitionSummary]
    /// How many instances of workflow `workflowId` each version has, by status: what still runs
    /// on a version before it can be retired.
    func instanceCounts(workflowId: String) async throws(StoreError) -> [InstanceCount]

    /// The committed instance and its revision, which a batch changing it names in
    /// `StoreBatch.decidedFrom`.
    func versionedInstance(id: String) async throws(StoreError) -> VersionedInstance?
    /// Waits for `event` whose correlation key is `key` under the `eventKey` expression `source`
    /// (an index lookup).
    func eventWaits(event: String, eventKeySource source: String, correlationKey key: String) async throws(StoreError) -> [WaitingInstance]
    /// The distinct `eventKey` expressions of the waits for `event`.
    func eventKeySources(event: String) async throws(StoreError) -> [String]
    /// Kept events for `event` with key `key` under `source` that have not expired at `now`, oldest first.
    func bufferedEvents(event: String, eventKeySource source: String, correlationKey key: String, at now: Timestamp) async throws(StoreError) -> [BufferedEvent]
    /// Ids of the RUNNING or PAUSED instances of `workflowId` whose business key is `key`, as
    /// committed (an index lookup). One at most, unless a bug let a twin start.
    func runningInstanceIds(workflowId: String, businessKey key: String) async throws(StoreError) -> [String]
    func instances(_ query: InstanceQuery) async throws(StoreError) -> InstancePage
    /// History events with `sequence > afterSequence`, ascending, at most `limit`.
    func history(instanceId: String, afterSequence: Int, limit: Int) async throws(StoreError) -> [HistoryEvent]
    /// Every attempt of every task step of an instance, in scheduling order.
    func stepExecutions(instanceId: String) async throws(StoreError) -> [StepExecution]

    /// The values of those dedupe keys that exist.
    func dedupeValues(for keys: [String]) async throws(StoreError) -> [String: String]

    /// Applies the batch in one transaction, or throws `.stale` (see `StoreBatch.decidedFrom`)
    /// and applies nothing when an instance changed since it was read. Also maintains the step-executions projection from the
    /// batch's `TaskScheduled`, `TaskCompleted` and `TaskFailed` history events.
    ///
    /// - Returns: the sequences given to the batch's outbox messages, in their order, so the
    ///   caller can hand the committed rows to the relay without reading them back.
    @discardableResult
    func commit(_ batch: StoreBatch) async throws(StoreError) -> [Int64]

    /// Does the part of a commit that needs no database (encoding), so a caller can overlap it
    /// with the previous batch's transaction. Pass the result to `commit(prepared:)`.
    func prepare(_ batch: StoreBatch) -> PreparedBatch
    /// `commit(_:)` of a batch prepared with `prepare(_:)`.
    @discardableResult
    func commit(prepared: PreparedBatch) async throws(StoreError) -> [Int64]

    /// Timers with `fireAt <= until`, earliest first, at most `limit`: read through an index on
    /// the fire time, so the cost does not grow with the number of instances waiting.
    func dueTimers(until: Timestamp, limit: Int) async throws(StoreError) -> [DueTimer]
    /// The earliest pending timer's time, nil when there is none.
    func nextTimerAt() async throws(StoreError) -> Timestamp?

    /// Dead letters matching the query, ascending by id.
    func deadLetters(_ query: DeadLetterQuery) async throws(StoreError) -> [DeadLetterRecord]
    func deadLetter(id: Int64) async throws(StoreError) -> DeadLetterRecord?

    /// The oldest unsent outbox messages, ascending by sequence.
    func pendingOutbox(limit: Int) async throws(StoreError) -> [OutboxMessage]
    /// Removes published messages from the outbox.
    func markOutboxSent(_ sequences: [Int64]) async throws(StoreError)
    /// Number of unsent outbox messages (for metrics and tests).
    func outboxCount() async throws(StoreError) -> Int
    /// Moves rows that can never be published out of the outbox into the parked rows, in one
    /// transaction; rows no longer in the outbox are ignored.
    func parkOutbox(_ rows: [ParkedOutboxMessage]) async throws(StoreError)
    /// Parked rows with `sequence > afterSequence`, ascending, at most `limit` (1...1000).
    func parkedOutbox(afterSequence: Int64, limit: Int) async throws(StoreError) -> [ParkedOutboxMessage]

    /// Unfinished instances, timers, outbox backlog and dead letters, counted now (metrics).
    func gauges() async throws(StoreError) -> StoreGauges

    /// Removes finished instances (with their history, step executions and parts) and dedupe
    /// marks older than the request's cutoffs, at most `limit` of each, oldest first, in one
    /// transaction. Running and paused instances are never touched.
    func purge(_ request: PurgeRequest) async throws(StoreError) -> PurgeResult

    /// Gives free slots under the concurrency limits to the oldest QUEUED instances, in one
    /// transaction no other pass runs beside, and sets each admitted instance's admission timer
    /// (see `AdmissionRequest`).
    func admit(_ request: AdmissionRequest) async throws(StoreError) -> AdmissionResult

    /// Moves the oldest held task requests of `request.gate` into the outbox, as many as the
    /// gate's token bucket (kept in the store, refilled at `ratePerSecond`) allows, in one
    /// transaction, and returns the outbox rows with their sequences (for the relay).
    func releaseHeld(_ request: ReleaseRequest) async throws(StoreError) -> [OutboxMessage]
    /// Applies one process's breaker outcomes and the passing of time to the shared breakers, in
    /// one transaction no other update runs beside: writes the changed breakers, moves each due
    /// probe (one held request) into the outbox and writes the announcements of transitions.
    func updateBreakers(_ update: BreakerUpdate) async throws(StoreError) -> BreakerUpdateResult
    /// Held task requests, by gate (task type); gates with none are absent.
    func heldCounts() async throws(StoreError) -> [String: Int]

    /// Releases the store (closes files, drops the ownership lock). Idempotent.
    func close() async
}

/// A `StoreBatch` with whatever its store computed ahead of the transaction.
public struct PreparedBatch: Sendable {
    public let batch: StoreBatch
    /// The backend's own encoding (the SQLite store's bound column values); nil when it has none.
    public let encoded: (any Sendable)?

    public init(batch: StoreBatch, encoded: (any Sendable)? = nil) {
        self.batch = batch
        self.encoded = encoded
    }
}

extension WorkflowStore {
    public func instance(id: String) async throws(StoreError) -> WorkflowInstance? {
        try await versionedInstance(id: id)?.instance
    }

    public func prepare(_ batch: StoreBatch) -> PreparedBatch { PreparedBatch(batch: batch) }

    @discardableResult
    public func commit(prepared: PreparedBatch) async throws(StoreError) -> [Int64] {
        try await commit(prepared.batch)
    }
}
