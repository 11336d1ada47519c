import BatonCore
import BatonStore

extension Orchestrator {
    /// Fires due timers as one transaction and waits for its commit. Each fired timer's index row
    /// is deleted in that same transaction, so a timer fires once: a crash before the commit
    /// leaves it due (it fires after restart), a crash after leaves it gone.
    ///
    /// - Returns: how many timers changed an instance (the rest were stale: their instance moved
    ///   on or ended, and they are only removed).
    @discardableResult
    public func fireTimers(_ due: [DueTimer]) async throws(StoreError) -> Int {
        guard !due.isEmpty else { return 0 }
        let ticket: Task<Result<Void, StoreError>, Never>
        var fired = 0
        do {
            await writeLock.lock()
            defer { writeLock.unlock() }
            let generation = pipeline.generation
            let now = clock()
            var work = BatchWork()
            for timer in due {
                work.timers.append(.delete(instanceId: timer.instanceId, timerId: timer.timerId))
                guard let instance = try await loadInstance(timer.instanceId, work: work), !instance.status.isTerminal,
                    instance.timers[timer.timerId] != nil,
                    let definition = try await catalog.resolve(id: instance.workflowId, version: instance.workflowVersion, store: store)
                else { continue }
                let transition = engine.timerFired(timer.timerId, instance: instance, definition: definition, at: now)
                record(transition, previous: instance, into: &work)
                if transition.rejection == nil { fired += 1 }
            }
            var counts = RuntimeCounters()
            counts.timersFired = fired
            ticket = enqueueCommit(work, decidedIn: generation, counts: counts)
        }
        try await ticket.value.get()
        return fired
    }
}
