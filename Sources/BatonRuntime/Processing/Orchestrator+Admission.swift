import BatonCore
import BatonStore
import Synchronization

/// What this process last learned of the queue: the admission service's pass counts it, and
/// each start this process queues adds one until the next pass.
final class QueueEstimate: Sendable {
    private let waiting = Mutex(0)

    var count: Int { waiting.withLock { $0 } }
    func set(_ value: Int) { waiting.withLock { $0 = value } }
    func add(_ value: Int) { waiting.withLock { $0 += value } }
}

extension Orchestrator {
    /// Whether a start of `definition` waits in the queue: a global limit is set, or its workflow
    /// has one. Without limits nothing changes (no queue, no admission pass on the way).
    func startsQueued(_ definition: WorkflowDefinition) -> Bool {
        configuration.limits.maxRunning != nil || catalog.maxConcurrent(of: definition.id) != nil
    }

    /// Whether an admission pass could admit anything: limits exist, or the last pass left
    /// instances waiting (limits may have been lifted since they queued).
    public var admissionMayAdmit: Bool {
        configuration.limits.maxRunning != nil || !catalog.workflowLimits.isEmpty || queueEstimate.count > 0
    }

    /// QUEUED instances waiting for a slot, as this process last counted them.
    public var queuedEstimate: Int { queueEstimate.count }

    /// Refuses a start that would queue while the queue is full, before anything is written.
    func checkQueueRoom(for definition: WorkflowDefinition) throws(ServiceError) {
        guard startsQueued(definition) else { return }
        let waiting = queueEstimate.count
        guard waiting < configuration.limits.maxQueued else {
            throw ServiceError(
                .queueFull,
                "\(waiting) instances already wait for a slot (limits.maxQueued is \(configuration.limits.maxQueued)); '\(definition.id)' cannot queue another now"
            )
        }
    }

    /// One admission pass (see `AdmissionRequest`): the store gives free slots to the oldest
    /// QUEUED instances and sets their admission timers; the timer service then starts them.
    @discardableResult
    public func admitQueued(limit: Int = 500) async throws(StoreError) -> AdmissionResult {
        let request = AdmissionRequest(maxRunning: configuration.limits.maxRunning, limit: limit, now: clock())
        let result = try await store.admit(request)
        queueEstimate.set(result.waitingTotal)
        if !result.admitted.isEmpty { commits.wakeTimers() }
        return result
    }

    /// The admission timer of `instance` is due: it starts if it still waits (else the row goes).
    func fireAdmission(_ timer: DueTimer, into work: inout BatchWork, now: Timestamp) async throws(StoreError) -> (fired: Int, unavailable: Int) {
        let row = TimerChange.delete(instanceId: timer.instanceId, timerId: timer.timerId)
        work.timers.append(row)
        guard let instance = try await loadInstance(timer.instanceId, into: &work), instance.status == .queued else { return (0, 0) }
        switch try await definitionOrReason(of: instance) {
        case .success(let definition):
            record(engine.admitted(instance: instance, definition: definition, now: now), previous: instance, definition: definition, into: &work)
            return (1, 0)
        case .failure(let reason):
            record(engine.definitionUnavailable(reason.description, instance: instance, at: now), previous: instance, definition: nil, into: &work)
            return (0, 1)
        }
    }
}
