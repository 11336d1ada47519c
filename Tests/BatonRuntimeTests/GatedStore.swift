import BatonCore
import BatonExpressions
import BatonStore
import Synchronization

/// An `InMemoryStore` whose commits can be held at a gate and then let through or failed, so a
/// test can decide the next batch while the previous one is still "being written".
final class GatedStore: WorkflowStore {
    enum Verdict: Sendable { case proceed, fail }

    private let inner = InMemoryStore()
    private struct State {
        var holding = false
        var waiting: [CheckedContinuation<Verdict, Never>] = []
        var commits = 0
        var definitionsHidden = false
    }

    private let state = Mutex(State())

    /// From now on, definitions read as absent (a version deleted or lost behind Baton's back).
    func hideDefinitions() { state.withLock { $0.definitionsHidden = true } }

    /// From now on, commits wait at the gate.
    func hold() { state.withLock { $0.holding = true } }

    /// Number of commits waiting at the gate.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Successful commits so far.
    var commitCount: Int { state.withLock { $0.commits } }

    /// Lets the oldest waiting commit go on (or fail); stops holding when none is left.
    func release(_ verdict: Verdict) {
        let next = state.withLock { s -> CheckedContinuation<Verdict, Never>? in
            guard !s.waiting.isEmpty else { return nil }
            let c = s.waiting.removeFirst()
            if s.waiting.isEmpty { s.holding = false }
            return c
        }
        next?.resume(returning: verdict)
    }

    func commit(_ batch: StoreBatch) async throws(StoreError) -> [Int64] {
        let verdict = await withCheckedContinuation { (c: CheckedContinuation<Verdict, Never>) in
            let held = state.withLock { s -> Bool in
                guard s.holding else { return false }
                s.waiting.append(c)
                return true
            }
            if !held { c.resume(returning: .proceed) }
        }
        if verdict == .fail { throw StoreError(.unavailable, "disk full (injected)", isRetryable: true) }
        let sequences = try await inner.commit(batch)
        state.withLock { $0.commits += 1 }
        return sequences
    }

    func registerDefinition(id: String, document: JSONValue, at time: Timestamp) async throws(StoreError) -> Int {
        try await inner.registerDefinition(id: id, document: document, at: time)
    }
    func definition(id: String, version: Int?) async throws(StoreError) -> DefinitionRecord? {
        if state.withLock({ $0.definitionsHidden }) { return nil }
        return try await inner.definition(id: id, version: version)
    }
    func definitionVersions(id: String) async throws(StoreError) -> [DefinitionRecord] { try await inner.definitionVersions(id: id) }
    func definitions() async throws(StoreError) -> [DefinitionSummary] { try await inner.definitions() }
    func instanceCounts(workflowId: String) async throws(StoreError) -> [InstanceCount] { try await inner.instanceCounts(workflowId: workflowId) }
    func versionedInstance(id: String) async throws(StoreError) -> VersionedInstance? { try await inner.versionedInstance(id: id) }
    func eventWaits(event: String, eventKeySource source: String, correlationKey key: String) async throws(StoreError) -> [WaitingInstance] {
        try await inner.eventWaits(event: event, eventKeySource: source, correlationKey: key)
    }
    func eventKeySources(event: String) async throws(StoreError) -> [String] { try await inner.eventKeySources(event: event) }
    func bufferedEvents(event: String, eventKeySource source: String, correlationKey key: String, at now: Timestamp) async throws(StoreError) -> [BufferedEvent] {
        try await inner.bufferedEvents(event: event, eventKeySource: source, correlationKey: key, at: now)
    }
    func runningInstanceIds(workflowId: String, businessKey key: String) async throws(StoreError) -> [String] { try await inner.runningInstanceIds(workflowId: workflowId, businessKey: key) }
    func instances(_ query: InstanceQuery) async throws(StoreError) -> InstancePage { try await inner.instances(query) }
    func history(instanceId: String, afterSequence: Int, limit: Int) async throws(StoreError) -> [HistoryEvent] {
        try await inner.history(instanceId: instanceId, afterSequence: afterSequence, limit: limit)
    }
    func stepExecutions(instanceId: String) async throws(StoreError) -> [StepExecution] { try await inner.stepExecutions(instanceId: instanceId) }
    func dedupeValues(for keys: [String]) async throws(StoreError) -> [String: String] { try await inner.dedupeValues(for: keys) }
    func dueTimers(until: Timestamp, limit: Int) async throws(StoreError) -> [DueTimer] { try await inner.dueTimers(until: until, limit: limit) }
    func nextTimerAt() async throws(StoreError) -> Timestamp? { try await inner.nextTimerAt() }
    func deadLetters(_ query: DeadLetterQuery) async throws(StoreError) -> [DeadLetterRecord] { try await inner.deadLetters(query) }
    func deadLetter(id: Int64) async throws(StoreError) -> DeadLetterRecord? { try await inner.deadLetter(id: id) }
    func pendingOutbox(limit: Int) async throws(StoreError) -> [OutboxMessage] { try await inner.pendingOutbox(limit: limit) }
    func markOutboxSent(_ sequences: [Int64]) async throws(StoreError) { try await inner.markOutboxSent(sequences) }
    func outboxCount() async throws(StoreError) -> Int { try await inner.outboxCount() }
    func gauges() async throws(StoreError) -> StoreGauges { try await inner.gauges() }
    func admit(_ request: AdmissionRequest) async throws(StoreError) -> AdmissionResult { try await inner.admit(request) }
    func releaseHeld(_ request: ReleaseRequest) async throws(StoreError) -> [OutboxMessage] { try await inner.releaseHeld(request) }
    func heldCounts() async throws(StoreError) -> [String: Int] { try await inner.heldCounts() }
    func updateBreakers(_ update: BreakerUpdate) async throws(StoreError) -> BreakerUpdateResult { try await inner.updateBreakers(update) }
    func purge(_ request: PurgeRequest) async throws(StoreError) -> PurgeResult { try await inner.purge(request) }
    func parkOutbox(_ rows: [ParkedOutboxMessage]) async throws(StoreError) { try await inner.parkOutbox(rows) }
    func parkedOutbox(afterSequence: Int64, limit: Int) async throws(StoreError) -> [ParkedOutboxMessage] {
        try await inner.parkedOutbox(afterSequence: afterSequence, limit: limit)
    }
    func close() async { await inner.close() }
}
