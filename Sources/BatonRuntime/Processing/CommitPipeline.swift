import BatonCore
import BatonStore
import Synchronization

/// Lets the next batch be decided while the previous one is still being written and fsynced.
///
/// Deciding a batch (parse, engine, encode) and committing it (SQLite write + fsync) each take
/// about half of a step's cost; done one after the other they leave one core idle. Decisions are
/// still made one at a time, in order, under the orchestrator's write lock, but each decided batch
/// is handed to this pipeline and the next decision starts at once. Commits run in decision order:
/// each starts only after its predecessor finished.
///
/// Until a batch commits, the instances and dedupe marks it changed live in an overlay. Later
/// decisions read it (they build on the earlier batch); readers of the API do not (they see only
/// committed state).
///
/// A decision built on a batch that then fails to commit must not commit either. Every failed
/// store commit starts a new generation and drops the overlay; a batch decided (even partly) in an
/// older generation is refused with a retryable error, so its caller decides it again from the
/// store. Nothing built on lost state is ever written.
final class CommitPipeline: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextTicket: UInt64 = 0
        /// With the revision each will have once committed.
        var instances: [String: (ticket: UInt64, instance: VersionedInstance)] = [:]
        var dedupe: [String: (ticket: UInt64, value: String)] = [:]
        /// Business keys (`workflowId` U+001F `key`) of instances started by uncommitted decisions.
        var businessKeys: [String: (ticket: UInt64, instanceId: String)] = [:]
        /// Event waits set, events kept and kept events consumed by uncommitted decisions.
        var waits: [String: [(ticket: UInt64, wait: WaitingInstance)]] = [:]
        var kept: [(ticket: UInt64, event: BufferedEvent)] = []
        var consumed: [String: UInt64] = [:]
        var tail: Task<Result<Void, StoreError>, Never>?
    }

    private let state = Mutex(State())

    /// Taken by a decision when it starts, under the write lock.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// The instance as the latest uncommitted decision left it, if one changed it.
    func instance(_ id: String) -> VersionedInstance? {
        state.withLock { $0.instances[id]?.instance }
    }

    /// A dedupe mark written by an uncommitted decision.
    func dedupeValue(_ key: String) -> String? {
        state.withLock { $0.dedupe[key]?.value }
    }

    /// The instance an uncommitted decision started with this business key, if any.
    func businessKeyOwner(_ compositeKey: String) -> String? {
        state.withLock { $0.businessKeys[compositeKey]?.instanceId }
    }

    /// Waits set by uncommitted decisions under `waitKey` (they may have been dropped since:
    /// callers check the instance).
    func waits(_ waitKey: String) -> [WaitingInstance] {
        state.withLock { $0.waits[waitKey]?.map(\.wait) ?? [] }
    }

    /// Events kept by uncommitted decisions, and whether an uncommitted decision consumed `ref`.
    func keptEvents(where matches: (BufferedEvent) -> Bool) -> [BufferedEvent] {
        state.withLock { $0.kept.map(\.event).filter(matches) }
    }

    func isConsumed(_ ref: String) -> Bool {
        state.withLock { $0.consumed[ref] != nil }
    }

    /// Queues `work` behind every earlier decision. `write` runs only if no commit failed since
    /// `generation` and `requires` (an earlier commit from the same source) succeeded; `completed`
    /// runs after a successful `write`, before the next commit starts.
    func enqueue(
        _ work: BatchWork, decidedIn generation: UInt64, requires: Task<Result<Void, StoreError>, Never>?,
        prepare: @escaping @Sendable (StoreBatch) -> PreparedBatch,
        write: @escaping @Sendable (PreparedBatch) async throws(StoreError) -> Void,
        completed: @escaping @Sendable () async -> Void
    ) -> Task<Result<Void, StoreError>, Never> {
        let batch = work.storeBatch()
        return state.withLock { s in
            guard s.generation == generation else {
                return Task { .failure(Self.staleDecision) }
            }
            s.nextTicket += 1
            let ticket = s.nextTicket
            for instance in batch.instances {
                s.instances[instance.id] = (ticket, VersionedInstance(instance: instance, revision: (batch.decidedFrom[instance.id] ?? 0) + 1))
            }
            for (key, value) in batch.dedupe { s.dedupe[key] = (ticket, value) }
            for (key, id) in work.businessKeys { s.businessKeys[key] = (ticket, id) }
            for (key, waits) in work.waitIndex { s.waits[key, default: []] += waits.map { (ticket, $0) } }
            s.kept += work.bufferedEvents.map { (ticket, $0) }
            for ref in work.consumedEvents { s.consumed[ref] = ticket }
            let previous = s.tail
            let task = Task { [self] () -> Result<Void, StoreError> in
                // Encoding overlaps the previous batch's transaction.
                let prepared = prepare(batch)
                if let previous { _ = await previous.value }
                guard self.generation == generation else { return .failure(Self.staleDecision) }
                if let requires, case .failure = await requires.value {
                    // Its overlay entries may already have been read: drop them all.
                    self.failed()
                    return .failure(Self.staleDecision)
                }
                let written = await Self.run(write, prepared)
                if case .failure = written {
                    self.failed()
                    return written
                }
                self.committed(ticket, batch)
                await completed()
                return .success(())
            }
            s.tail = task
            return task
        }
    }

    private static func run(_ write: @Sendable (PreparedBatch) async throws(StoreError) -> Void, _ batch: PreparedBatch) async -> Result<Void, StoreError> {
        do throws(StoreError) {
            try await write(batch)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Waits for every queued commit (shutdown, tests).
    func drain() async {
        while let tail = state.withLock({ $0.tail }) {
            _ = await tail.value
            let done = state.withLock { s -> Bool in
                guard s.tail == tail else { return false }
                s.tail = nil
                return true
            }
            if done { return }
        }
    }

    private func committed(_ ticket: UInt64, _ batch: StoreBatch) {
        state.withLock { s in
            for instance in batch.instances where s.instances[instance.id]?.ticket == ticket {
                s.instances[instance.id] = nil
            }
            for key in batch.dedupe.keys where s.dedupe[key]?.ticket == ticket {
                s.dedupe[key] = nil
            }
            for key in s.waits.keys {
                s.waits[key]!.removeAll { $0.ticket == ticket }
                if s.waits[key]!.isEmpty { s.waits[key] = nil }
            }
            s.kept.removeAll { $0.ticket == ticket }
            for ref in batch.consumedEvents where s.consumed[ref] == ticket { s.consumed[ref] = nil }
            for instance in batch.instances {
                guard let key = instance.businessKey else { continue }
                let composite = BatchWork.businessKey(instance.workflowId, key)
                if s.businessKeys[composite]?.ticket == ticket { s.businessKeys[composite] = nil }
            }
        }
    }

    private func failed() {
        state.withLock { s in
            s.generation += 1
            s.instances.removeAll()
            s.dedupe.removeAll()
            s.businessKeys.removeAll()
            s.waits.removeAll()
            s.kept.removeAll()
            s.consumed.removeAll()
        }
    }

    static let staleDecision = StoreError(
        .unavailable, "not committed: an earlier batch this one was decided on failed to commit; it is decided again from the store",
        isRetryable: true
    )
}

/// A decided batch on its way into the store.
public struct CommitTicket: Sendable {
    /// What the batch did (valid once the commit succeeded).
    public let report: BatchReport
    let task: Task<Result<Void, StoreError>, Never>

    /// Returns once the batch is committed; throws when it was not (nothing of it was written).
    public func wait() async throws(StoreError) {
        try await task.value.get()
    }

    public var result: Result<Void, StoreError> {
        get async { await task.value }
    }
}
