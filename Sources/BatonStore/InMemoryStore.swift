import BatonCore
import BatonExpressions
import BatonSecurity

/// A `WorkflowStore` in memory, with the same semantics as the SQLite store (the shared contract
/// suite runs against both), for unit tests of the engine, runtime and API.
///
/// A commit works on a copy of the state and replaces it only when the whole batch applied, which
/// gives the same all-or-nothing behaviour as a database transaction. Nothing survives the process.
public actor InMemoryStore: WorkflowStore, ScheduleStore, APIKeyStore, AuditStore {
    private struct State {
        var definitions: [String: [DefinitionRecord]] = [:]
        var instances: [String: WorkflowInstance] = [:]
        var revisions: [String: Int64] = [:]
        /// Per instance, by sequence.
        var history: [String: [Int: HistoryEvent]] = [:]
        /// Per instance, in scheduling order.
        var steps: [String: [ScheduledStep]] = [:]
        /// Ascending by sequence.
        var outbox: [OutboxMessage] = []
        var timers: [TimerKey: Timestamp] = [:]
        var lastOutboxSequence: Int64 = 0
        var deadLetters: [DeadLetterRecord] = []
        var dedupe: [String: String] = [:]
        /// When each dedupe mark was written (wall clock, as the SQL stores' `created_at`).
        var dedupeWrittenAt: [String: Timestamp] = [:]
        /// Ascending by sequence.
        var parked: [ParkedOutboxMessage] = []
        /// Event waits by instance and wait id.
        var waits: [String: [String: EventWait]] = [:]
        var buffered: [BufferedEvent] = []
        var schedules: [String: ScheduleRecord] = [:]
        var apiKeys: [APIKey] = []
        var audit: [AuditRecord] = []
        /// Held task requests, oldest first, and each gate's bucket.
        var held: [HeldDispatch] = []
        var buckets: [String: TokenBucket] = [:]
        var breakers: [String: BreakerRecord] = [:]
    }

    private struct ScheduledStep {
        var historySequence: Int
        var execution: StepExecution
    }

    private var state = State()
    private var isClosed = false

    public init() {}

    public func registerDefinition(id: String, document: JSONValue, at time: Timestamp) throws(StoreError) -> Int {
        try checkOpen()
        let version = (state.definitions[id]?.last?.version ?? 0) + 1
        state.definitions[id, default: []].append(DefinitionRecord(id: id, version: version, document: document, createdAt: time))
        return version
    }

    public func definition(id: String, version: Int?) throws(StoreError) -> DefinitionRecord? {
        try checkOpen()
        let versions = state.definitions[id] ?? []
        guard let version else { return versions.last }
        return versions.first { $0.version == version }
    }

    public func definitionVersions(id: String) throws(StoreError) -> [DefinitionRecord] {
        try checkOpen()
        return state.definitions[id] ?? []
    }

    public func eventWaits(event: String, eventKeySource source: String, correlationKey key: String) throws(StoreError) -> [WaitingInstance] {
        try checkOpen()
        return state.waits.keys.sorted().flatMap { instanceId in
            state.waits[instanceId]!.values.filter { $0.event == event && $0.eventKeySource == source && $0.correlationKey == key }
                .map { WaitingInstance(instanceId: instanceId, waitId: $0.id) }.sorted { $0.waitId < $1.waitId }
        }
    }

    public func eventKeySources(event: String) throws(StoreError) -> [String] {
        try checkOpen()
        return Set(state.waits.values.flatMap { $0.values.filter { $0.event == event }.compactMap(\.eventKeySource) }).sorted()
    }

    public func bufferedEvents(event: String, eventKeySource source: String, correlationKey key: String, at now: Timestamp) throws(StoreError) -> [BufferedEvent] {
        try checkOpen()
        return state.buffered.filter { $0.event == event && $0.eventKeySource == source && $0.correlationKey == key && $0.expiresAt > now }
            .sorted { ($0.arrivedAt, $0.ref) < ($1.arrivedAt, $1.ref) }
    }

    public func runningInstanceIds(workflowId: String, businessKey key: String) throws(StoreError) -> [String] {
        try checkOpen()
        return state.instances.values.filter { $0.workflowId == workflowId && $0.businessKey == key && !$0.status.isTerminal }.map(\.id).sorted()
    }

    public func instanceCounts(workflowId: String) throws(StoreError) -> [InstanceCount] {
        try checkOpen()
        var counts: [Int: [InstanceStatus: Int]] = [:]
        for instance in state.instances.values where instance.workflowId == workflowId {
            counts[instance.workflowVersion, default: [:]][instance.status, default: 0] += 1
        }
        return counts.keys.sorted().flatMap { version in
            counts[version]!.keys.sorted { $0.rawValue < $1.rawValue }.map { InstanceCount(version: version, status: $0, count: counts[version]![$0]!) }
        }
    }

    public func definitions() throws(StoreError) -> [DefinitionSummary] {
        try checkOpen()
        return state.definitions.keys.sorted(by: utf8Precedes).compactMap { id in
            guard let versions = state.definitions[id], let latest = versions.last else { return nil }
            return DefinitionSummary(id: id, latestVersion: latest.version, versionCount: versions.count, updatedAt: latest.createdAt)
        }
    }

    public func versionedInstance(id: String) throws(StoreError) -> VersionedInstance? {
        try checkOpen()
        return state.instances[id].map { VersionedInstance(instance: $0, revision: state.revisions[$0.id] ?? 1) }
    }

    public func instances(_ query: InstanceQuery) throws(StoreError) -> InstancePage {
        try checkOpen()
        let cursor = try query.validatedCursor()
        let newestFirst = state.instances.values
            .filter { instance in
                if let workflowId = query.workflowId, instance.workflowId != workflowId { return false }
                if let status = query.status, instance.status != status { return false }
                if let parentId = query.parentId, instance.parent?.instanceId != parentId { return false }
                if let cursor, !Self.isOrdered(instance, before: cursor) { return false }
                return true
            }
            .sorted { a, b in Self.isOrdered(b, before: InstanceCursor(createdAt: a.createdAt.milliseconds, id: a.id)) }
        let page = Array(newestFirst.prefix(query.limit))
        let next = newestFirst.count > query.limit ? page.last.map { InstanceCursor(createdAt: $0.createdAt.milliseconds, id: $0.id).encoded } : nil
        return InstancePage(instances: page, nextCursor: next)
    }

    public func history(instanceId: String, afterSequence: Int, limit: Int) throws(StoreError) -> [HistoryEvent] {
        try checkOpen()
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        let events = state.history[instanceId] ?? [:]
        return events.keys.filter { $0 > afterSequence }.sorted().prefix(limit).compactMap { events[$0] }
    }

    public func stepExecutions(instanceId: String) throws(StoreError) -> [StepExecution] {
        try checkOpen()
        return (state.steps[instanceId] ?? []).map(\.execution)
    }

    public func dedupeValues(for keys: [String]) throws(StoreError) -> [String: String] {
        try checkOpen()
        var values: [String: String] = [:]
        for key in keys { values[key] = state.dedupe[key] }
        return values
    }

    @discardableResult
    public func commit(_ batch: StoreBatch) throws(StoreError) -> [Int64] {
        try checkOpen()
        guard !batch.isEmpty else { return [] }
        var next = state
        let first = next.lastOutboxSequence + 1
        try Self.apply(batch, to: &next)
        state = next
        return batch.outbox.indices.map { first + Int64($0) }
    }

    struct TimerKey: Hashable {
        var instanceId: String
        var timerId: String
    }

    public func dueTimers(until: Timestamp, limit: Int) throws(StoreError) -> [DueTimer] {
        try checkOpen()
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        return state.timers.filter { $0.value <= until }
            .map { DueTimer(instanceId: $0.key.instanceId, timerId: $0.key.timerId, fireAt: $0.value) }
            .sorted { ($0.fireAt, $0.instanceId, $0.timerId) < ($1.fireAt, $1.instanceId, $1.timerId) }
            .prefix(limit).map { $0 }
    }

    public func deadLetters(_ query: DeadLetterQuery) throws(StoreError) -> [DeadLetterRecord] {
        try checkOpen()
        guard (1...1000).contains(query.limit) else { throw StoreError(.invalid, "limit must be between 1 and 1000, got \(query.limit)") }
        return Array(state.deadLetters.filter(query.matches).prefix(query.limit))
    }

    public func deadLetter(id: Int64) throws(StoreError) -> DeadLetterRecord? {
        try checkOpen()
        return state.deadLetters.first { $0.id == id }
    }

    public func nextTimerAt() throws(StoreError) -> Timestamp? {
        try checkOpen()
        return state.timers.values.min()
    }

    public func pendingOutbox(limit: Int) throws(StoreError) -> [OutboxMessage] {
        try checkOpen()
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        return Array(state.outbox.prefix(limit))
    }

    public func markOutboxSent(_ sequences: [Int64]) throws(StoreError) {
        try checkOpen()
        let sent = Set(sequences)
        state.outbox.removeAll { sent.contains($0.sequence) }
    }

    public func gauges() throws(StoreError) -> StoreGauges {
        try checkOpen()
        struct Key: Hashable { var workflowId: String; var status: InstanceStatus }
        var unfinished: [Key: Int] = [:]
        for instance in state.instances.values where !instance.status.isTerminal {
            unfinished[Key(workflowId: instance.workflowId, status: instance.status), default: 0] += 1
        }
        let counts = unfinished.sorted { ($0.key.workflowId, $0.key.status.rawValue) < ($1.key.workflowId, $1.key.status.rawValue) }
            .map { StoreGauges.UnfinishedCount(workflowId: $0.key.workflowId, status: $0.key.status, count: $0.value) }
        return StoreGauges(unfinished: counts, timers: state.timers.count, outbox: state.outbox.count, deadLetters: state.deadLetters.count)
    }

    public func admit(_ request: AdmissionRequest) throws(StoreError) -> AdmissionResult {
        try checkOpen()
        var occupied: [String: Int] = [:]
        var waiting: [String: [QueuedInstance]] = [:]
        for instance in state.instances.values {
            switch instance.status {
            case .running, .paused: occupied[instance.workflowId, default: 0] += 1
            case .queued where state.timers[TimerKey(instanceId: instance.id, timerId: admissionTimerId)] != nil:
                occupied[instance.workflowId, default: 0] += 1
            case .queued:
                waiting[instance.workflowId, default: []].append(QueuedInstance(id: instance.id, workflowId: instance.workflowId, createdAt: instance.createdAt))
            default: break
            }
        }
        let counts = waiting.mapValues(\.count)
        var limits: [String: Int] = [:]
        for workflowId in counts.keys {
            if case .number(let n)? = state.definitions[workflowId]?.last?.document["maxConcurrent"] { limits[workflowId] = Int(n) }
        }
        let room = AdmissionPlanner.room(request, limits: limits, waiting: counts, occupied: occupied)
        let candidates = room.flatMap { workflowId, free in
            waiting[workflowId]!.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.prefix(free)
        }
        let admitted = AdmissionPlanner.choose(request, candidates: candidates, occupied: occupied)
        for instance in admitted {
            state.timers[TimerKey(instanceId: instance.id, timerId: admissionTimerId)] = request.now
        }
        return AdmissionResult(admitted: admitted.map(\.id), waiting: AdmissionPlanner.remaining(waiting: counts, admitted: admitted))
    }

    public func releaseHeld(_ request: ReleaseRequest) throws(StoreError) -> [OutboxMessage] {
        try checkOpen()
        let waiting = state.held.filter { $0.gate == request.gate }
        guard !waiting.isEmpty else { return [] }
        var bucket = state.buckets[request.gate] ?? .full(request)
        let count = bucket.take(request, waiting: waiting.count)
        state.buckets[request.gate] = bucket
        let positions = state.held.indices.filter { state.held[$0].gate == request.gate }.prefix(count)
        var released: [OutboxMessage] = []
        for position in positions {
            state.lastOutboxSequence += 1
            var message = state.held[position].message
            message.sequence = state.lastOutboxSequence
            released.append(message)
        }
        let gone = Set(positions)
        state.held = state.held.indices.filter { !gone.contains($0) }.map { state.held[$0] }
        state.outbox.append(contentsOf: released)
        return released
    }

    public func updateBreakers(_ update: BreakerUpdate) throws(StoreError) -> BreakerUpdateResult {
        try checkOpen()
        let (changed, transitions, probes) = update.plan(state.breakers)
        for record in changed { state.breakers[record.taskType] = record }
        var released: [OutboxMessage] = []
        for type in probes {
            guard let index = state.held.firstIndex(where: { $0.gate == type }) else { continue }
            state.lastOutboxSequence += 1
            var message = state.held.remove(at: index).message
            message.sequence = state.lastOutboxSequence
            state.outbox.append(message)
            released.append(message)
            state.breakers[type]?.probeReleased = true
        }
        for (record, transition) in transitions {
            guard var message = update.announce(record, transition) else { continue }
            state.lastOutboxSequence += 1
            message.sequence = state.lastOutboxSequence
            state.outbox.append(message)
            released.append(message)
        }
        return BreakerUpdateResult(
            records: state.breakers.values.sorted { $0.taskType < $1.taskType },
            transitions: transitions.map { (record: state.breakers[$0.0.taskType] ?? $0.0, transition: $0.1) }, released: released
        )
    }

    public func heldCounts() throws(StoreError) -> [String: Int] {
        try checkOpen()
        return state.held.reduce(into: [:]) { $0[$1.gate, default: 0] += 1 }
    }

    public func purge(_ request: PurgeRequest) throws(StoreError) -> PurgeResult {
        try checkOpen()
        let candidates = state.instances.values.filter { instance in
            guard instance.status.isTerminal else { return false }
            let cutoff = request.workflowCutoffs[instance.workflowId] ?? request.finishedBefore
            return cutoff.map { instance.updatedAt < $0 } ?? false
        }
        let purged = candidates.sorted { ($0.updatedAt, $0.id) < ($1.updatedAt, $1.id) }.prefix(request.limit)
        for instance in purged {
            let id = instance.id
            state.instances[id] = nil
            state.revisions[id] = nil
            state.history[id] = nil
            state.steps[id] = nil
            state.waits[id] = nil
            state.timers = state.timers.filter { $0.key.instanceId != id }
        }
        var marks = 0
        if let before = request.dedupeBefore {
            let old = state.dedupeWrittenAt.filter { $0.value < before }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.prefix(request.limit)
            for (key, _) in old {
                state.dedupe[key] = nil
                state.dedupeWrittenAt[key] = nil
                marks += 1
            }
        }
        return PurgeResult(instances: purged.count, dedupeMarks: marks)
    }

    public func outboxCount() throws(StoreError) -> Int {
        try checkOpen()
        return state.outbox.count
    }

    public func parkOutbox(_ rows: [ParkedOutboxMessage]) throws(StoreError) {
        try checkOpen()
        for row in rows {
            guard let index = state.outbox.firstIndex(where: { $0.sequence == row.sequence }) else { continue }
            state.outbox.remove(at: index)
            state.parked.append(row)
        }
        state.parked.sort { $0.sequence < $1.sequence }
    }

    public func parkedOutbox(afterSequence: Int64, limit: Int) throws(StoreError) -> [ParkedOutboxMessage] {
        try checkOpen()
        guard (1...1000).contains(limit) else { throw StoreError(.invalid, "limit must be between 1 and 1000, got \(limit)") }
        return Array(state.parked.filter { $0.sequence > afterSequence }.prefix(limit))
    }

    public func close() {
        isClosed = true
    }

    // MARK: Internals

    private func checkOpen() throws(StoreError) {
        if isClosed { throw StoreError(.invalid, "the in-memory store is closed; create a new one") }
    }

    /// Applies the batch in the SQLite store's order: instances, history, step executions, outbox,
    /// dedupe marks. Throws the same codes for the same problems.
    private static func apply(_ batch: StoreBatch, to state: inout State) throws(StoreError) {
        for instance in batch.instances {
            let expected = batch.decidedFrom[instance.id]
            let found = state.revisions[instance.id]
            guard expected == found else { throw StoreError.staleInstance(instance.id, expected: expected, found: found) }
            state.instances[instance.id] = instance
            state.revisions[instance.id] = (found ?? 0) + 1
        }
        for item in batch.history {
            let (instanceId, event) = (item.instanceId, item.event)
            guard state.instances[instanceId] != nil else {
                throw StoreError(.invalid, "history event \(event.sequence) belongs to the unknown instance '\(instanceId)'; every history event and step execution needs its instance in the store or the same batch")
            }
            guard state.history[instanceId]?[event.sequence] == nil else {
                throw StoreError(.conflict, "history event \(event.sequence) of instance '\(instanceId)' exists already; history is append-only")
            }
            state.history[instanceId, default: [:]][event.sequence] = event
        }
        for item in batch.history {
            guard let change = StepExecutionChange(item) else { continue }
            try apply(change, to: &state)
        }
        for var message in batch.outbox {
            state.lastOutboxSequence += 1
            message.sequence = state.lastOutboxSequence
            state.outbox.append(message)
        }
        state.held.append(contentsOf: batch.held)
        if !batch.withdrawnTasks.isEmpty {
            let withdrawn = Set(batch.withdrawnTasks)
            state.held.removeAll { $0.taskId.map(withdrawn.contains) ?? false }
        }
        for var record in batch.deadLetters {
            record.id = (state.deadLetters.last?.id ?? 0) + 1
            state.deadLetters.append(record)
        }
        for id in batch.redriven {
            guard let index = state.deadLetters.firstIndex(where: { $0.id == id }) else {
                throw StoreError(.invalid, "no dead letter \(id) to mark redriven")
            }
            state.deadLetters[index].redrivenAt = batch.redrivenAt
            state.deadLetters[index].redriveCount += 1
        }
        for change in batch.timers {
            switch change {
            case .set(let instanceId, let timerId, let fireAt):
                guard state.instances[instanceId] != nil else {
                    throw StoreError(.invalid, "timer '\(timerId)' belongs to the unknown instance '\(instanceId)'")
                }
                state.timers[TimerKey(instanceId: instanceId, timerId: timerId)] = fireAt
            case .delete(let instanceId, let timerId):
                state.timers[TimerKey(instanceId: instanceId, timerId: timerId)] = nil
            case .deleteIfAt(let instanceId, let timerId, let fireAt):
                let key = TimerKey(instanceId: instanceId, timerId: timerId)
                if state.timers[key] == fireAt { state.timers[key] = nil }
            }
        }
        for change in batch.waits {
            switch change {
            case .set(let instanceId, let wait): state.waits[instanceId, default: [:]][wait.id] = wait
            case .delete(let instanceId, let waitId): state.waits[instanceId]?[waitId] = nil
            }
        }
        for event in batch.bufferedEvents where !state.buffered.contains(where: { $0.ref == event.ref && $0.eventKeySource == event.eventKeySource }) {
            state.buffered.append(event)
        }
        if !batch.consumedEvents.isEmpty {
            let consumed = Set(batch.consumedEvents)
            state.buffered.removeAll { consumed.contains($0.ref) }
        }
        if let before = batch.eventsExpiredBefore { state.buffered.removeAll { $0.expiresAt <= before } }
        for (key, value) in batch.dedupe {
            guard state.dedupe[key] == nil else {
                throw StoreError(.conflict, "dedupe key '\(key)' exists already; check dedupeValues(for:) before committing")
            }
            state.dedupe[key] = value
            state.dedupeWrittenAt[key] = .wallClock
        }
    }

    private static func apply(_ change: StepExecutionChange, to state: inout State) throws(StoreError) {
        switch change {
        case .scheduled(let execution, let historySequence):
            let existing = state.steps[execution.instanceId] ?? []
            guard !existing.contains(where: { $0.execution.taskId == execution.taskId && $0.execution.attempt == execution.attempt }) else {
                throw StoreError(.conflict, "task '\(execution.taskId)' attempt \(execution.attempt) of instance '\(execution.instanceId)' was scheduled already")
            }
            var steps = existing
            let position = steps.firstIndex { $0.historySequence > historySequence } ?? steps.endIndex
            steps.insert(ScheduledStep(historySequence: historySequence, execution: execution), at: position)
            state.steps[execution.instanceId] = steps
        case .completed(let instanceId, let taskId, let attempt, let output, let at):
            updateSteps(of: instanceId, taskId: taskId, attempt: attempt, in: &state) { execution in
                execution.status = .completed
                execution.output = output
                execution.completedAt = at
            }
        case .failed(let instanceId, let taskId, let attempt, let error, let at):
            updateSteps(of: instanceId, taskId: taskId, attempt: attempt, in: &state) { execution in
                execution.status = .failed
                execution.error = error.flatMap(ErrorInfo.init(json:))
                execution.completedAt = at
            }
        }
    }

    /// Updates the executions of `taskId` (every attempt when `attempt` is nil); none is fine.
    private static func updateSteps(of instanceId: String, taskId: String, attempt: Int?, in state: inout State, _ update: (inout StepExecution) -> Void) {
        guard var steps = state.steps[instanceId] else { return }
        for index in steps.indices where steps[index].execution.taskId == taskId && (attempt == nil || steps[index].execution.attempt == attempt) {
            update(&steps[index].execution)
        }
        state.steps[instanceId] = steps
    }

    // MARK: Schedules

    public func createSchedule(_ schedule: ScheduleRecord) throws(StoreError) {
        try checkOpen()
        guard state.schedules[schedule.id] == nil else { throw StoreError.scheduleExists(schedule.id) }
        var stored = schedule
        stored.version = 1
        state.schedules[schedule.id] = stored
    }

    public func updateSchedule(_ schedule: ScheduleRecord, expectedVersion: Int) throws(StoreError) -> ScheduleRecord {
        try checkOpen()
        let found = state.schedules[schedule.id]?.version
        guard found == expectedVersion else { throw StoreError.staleScheduleVersion(schedule.id, expected: expectedVersion, found: found) }
        var stored = schedule
        stored.version = expectedVersion + 1
        stored.createdAt = state.schedules[schedule.id]!.createdAt
        state.schedules[schedule.id] = stored
        return stored
    }

    public func schedule(id: String) throws(StoreError) -> ScheduleRecord? {
        try checkOpen()
        return state.schedules[id]
    }

    public func schedules(workflowId: String?) throws(StoreError) -> [ScheduleRecord] {
        try checkOpen()
        return state.schedules.values.filter { workflowId == nil || $0.workflowId == workflowId }.sorted { utf8Precedes($0.id, $1.id) }
    }

    public func dueSchedules(until: Timestamp, limit: Int) throws(StoreError) -> [ScheduleRecord] {
        try checkOpen()
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        let due = state.schedules.values.filter { $0.nextFireAt.map { $0.milliseconds <= until.milliseconds } ?? false }
        return Array(due.sorted {
            $0.nextFireAt!.milliseconds != $1.nextFireAt!.milliseconds ? $0.nextFireAt!.milliseconds < $1.nextFireAt!.milliseconds : utf8Precedes($0.id, $1.id)
        }.prefix(limit))
    }

    public func deleteSchedule(id: String) throws(StoreError) -> Bool {
        try checkOpen()
        return state.schedules.removeValue(forKey: id) != nil
    }

    // MARK: API keys

    public func createAPIKey(_ key: APIKey) throws(StoreError) {
        try checkOpen()
        if state.apiKeys.contains(where: { $0.id == key.id }) { throw StoreError(.conflict, "an API key with id '\(key.id)' exists") }
        if key.revokedAt == nil, state.apiKeys.contains(where: { $0.name == key.name && $0.revokedAt == nil }) { throw StoreError.apiKeyNameTaken(key.name) }
        state.apiKeys.append(key)
    }

    public func apiKeys() throws(StoreError) -> [APIKey] {
        try checkOpen()
        return state.apiKeys.sorted { ($0.createdAt.milliseconds, $0.id) < ($1.createdAt.milliseconds, $1.id) }
    }

    public func apiKey(id: String) throws(StoreError) -> APIKey? {
        try checkOpen()
        return state.apiKeys.first { $0.id == id }
    }

    public func revokeAPIKey(id: String, at time: Timestamp) throws(StoreError) -> APIKey? {
        try checkOpen()
        guard let index = state.apiKeys.firstIndex(where: { $0.id == id }) else { return nil }
        if state.apiKeys[index].revokedAt == nil { state.apiKeys[index].revokedAt = time }
        return state.apiKeys[index]
    }

    public func recordAPIKeyUse(id: String, at time: Timestamp) throws(StoreError) {
        try checkOpen()
        guard let index = state.apiKeys.firstIndex(where: { $0.id == id }) else { return }
        state.apiKeys[index].lastUsedAt = max(state.apiKeys[index].lastUsedAt ?? time, time)
    }

    // MARK: Audit log

    public func appendAudit(_ entry: AuditEntry) throws(StoreError) -> AuditRecord {
        try checkOpen()
        let record = AuditChain.record(after: state.audit.last, entry)
        state.audit.append(record)
        return record
    }

    public func auditRecords(_ query: AuditQuery) throws(StoreError) -> [AuditRecord] {
        try checkOpen()
        return Array(state.audit.filter(query.matches).prefix(query.limit))
    }

    /// Whether `instance` lists after the cursor position, i.e. `(createdAt, id) < cursor` with ids
    /// compared by UTF-8 bytes as SQLite compares TEXT.
    private static func isOrdered(_ instance: WorkflowInstance, before cursor: InstanceCursor) -> Bool {
        if instance.createdAt.milliseconds != cursor.createdAt { return instance.createdAt.milliseconds < cursor.createdAt }
        return utf8Precedes(instance.id, cursor.id)
    }
}

/// Byte-wise string order, the order SQLite's default BINARY collation gives.
private func utf8Precedes(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
