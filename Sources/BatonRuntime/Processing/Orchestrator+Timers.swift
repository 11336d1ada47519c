import BatonCore
import BatonStore

extension Orchestrator {
    /// Fires due timers as one transaction and waits for its commit. Each fired timer's index row
    /// is deleted in that same transaction, so a timer fires once: a crash before the commit
    /// leaves it due (it fires after restart), a crash after leaves it gone.
    ///
    /// The due rows were read before the write lock was taken, so each is checked against the
    /// timer the instance holds now: a timer moved to a later time under the same id (a heartbeat
    /// pushing its deadline) is neither fired nor deleted; its index row already holds the new
    /// time. A row whose timer is gone is deleted only while it still holds the time it was read
    /// with. An instance whose definition can no longer be loaded fails with
    /// `DEFINITION_UNAVAILABLE` (never a timer dropped in silence, never one that blocks the rest).
    ///
    /// - Returns: how many timers changed an instance (the rest were stale: their instance moved
    ///   on or ended, and they are only removed).
    @discardableResult
    public func fireTimers(_ due: [DueTimer]) async throws(StoreError) -> Int {
        guard !due.isEmpty else { return 0 }
        let ticket: Task<Result<Void, StoreError>, Never>
        var fired = 0
        var unavailable = 0
        do {
            await writeLock.lock()
            defer { writeLock.unlock() }
            let generation = pipeline.generation
            let now = clock()
            var work = BatchWork()
            for timer in due {
                if timer.timerId == admissionTimerId {
                    let (admitted, failed) = try await fireAdmission(timer, into: &work, now: now)
                    fired += admitted
                    unavailable += failed
                    continue
                }
                let staleRow = TimerChange.deleteIfAt(instanceId: timer.instanceId, timerId: timer.timerId, fireAt: timer.fireAt)
                guard let instance = try await loadInstance(timer.instanceId, into: &work), !instance.status.isTerminal,
                    let held = instance.timers[timer.timerId]
                else {
                    work.timers.append(staleRow)
                    continue
                }
                // Moved since it was read: the row now holds the new time and fires then.
                guard held.fireAt == timer.fireAt else { continue }
                switch try await definitionOrReason(of: instance) {
                case .success(let definition):
                    let transition = engine.timerFired(timer.timerId, instance: instance, definition: definition, at: now)
                    record(transition, previous: instance, definition: definition, into: &work)
                    if transition.rejection == nil { fired += 1 }
                case .failure(let reason):
                    // Dispatches nothing: no definition is needed to record it.
                    let transition = engine.definitionUnavailable(reason.description, instance: instance, at: now)
                    record(transition, previous: instance, definition: nil, into: &work)
                    unavailable += 1
                }
            }
            var counts = RuntimeCounters()
            counts.timersFired = fired
            counts.definitionsUnavailable = unavailable
            try await settleCascade(&work)
            ticket = enqueueCommit(work, decidedIn: generation, counts: counts)
        }
        try await ticket.value.get()
        return fired
    }

    /// The instance's definition, or why it cannot be had (logged by the caller's counters and
    /// recorded in the instance's error). A store that cannot be read is not such a reason: that
    /// error is thrown, and the timers are tried again.
    func definitionOrReason(of instance: WorkflowInstance) async throws(StoreError) -> Result<WorkflowDefinition, UnavailableDefinition> {
        let name = "definition \(instance.workflowId) v\(instance.workflowVersion)"
        do {
            guard let definition = try await catalog.resolve(id: instance.workflowId, version: instance.workflowVersion, store: store) else {
                return .failure(UnavailableDefinition("\(name) is not in the store"))
            }
            return .success(definition)
        } catch where error.code == .corrupt {
            return .failure(UnavailableDefinition("\(name) cannot be used: \(error.message)"))
        }
    }
}

/// Why an instance's definition cannot be used.
struct UnavailableDefinition: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
