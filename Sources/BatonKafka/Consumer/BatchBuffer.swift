import Synchronization

/// The bounded hand-off between a consumer's poll thread and its single async iterator.
///
/// Back-pressure: the poll thread must reserve a slot before it polls a batch, and a slot frees
/// only when the iterator takes the batch. With `capacity` 1 at most two batches exist outside
/// librdkafka: the one the application is processing and one waiting here. (librdkafka's own
/// prefetch queue, bounded by `queued.max.messages.kbytes`, comes on top.)
final class BatchBuffer: Sendable {
    private struct State {
        var batches: [[KafkaMessage]] = []
        var freeSlots: Int
        var waiter: CheckedContinuation<[KafkaMessage]?, Never>?
        var isFinished = false
    }

    private let state: ConditionLock<State>
    /// Messages the poll thread has taken out of librdkafka so far (tests check the bound).
    let polledMessageCount = Atomic(0)

    init(capacity: Int = 1) {
        state = ConditionLock(State(freeSlots: capacity))
    }

    // MARK: Poll thread side

    /// Blocks until a slot is free; false after `timeout` or once finished, so the poll loop can
    /// re-check whether it should stop.
    func reserveSlot(timeout: Duration) -> Bool {
        state.wait(timeout: timeout) { state in
            if state.isFinished { return false }
            guard state.freeSlots > 0 else { return nil }
            state.freeSlots -= 1
            return true
        } ?? false
    }

    /// Gives back a slot whose poll came back empty.
    func releaseSlot() {
        state.withLock { $0.freeSlots += 1 }
    }

    /// Hands a batch (polled with a reserved slot) to the waiting iterator, or parks it.
    func deliver(_ batch: [KafkaMessage]) {
        polledMessageCount.add(batch.count, ordering: .relaxed)
        let waiter = state.withLock { state -> CheckedContinuation<[KafkaMessage]?, Never>? in
            guard !state.isFinished else { return nil }
            if let waiter = state.waiter {
                // Straight into the application's hands: the slot is free again.
                state.waiter = nil
                state.freeSlots += 1
                return waiter
            }
            state.batches.append(batch)
            return nil
        }
        waiter?.resume(returning: batch)
    }

    /// Ends iteration. Batches not yet taken are dropped: they are uncommitted, so the group
    /// delivers them again to whoever consumes next.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<[KafkaMessage]?, Never>? in
            state.isFinished = true
            state.batches.removeAll()
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    // MARK: Iterator side

    /// The next batch; `nil` once finished or when the calling task is cancelled.
    func next() async -> [KafkaMessage]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[KafkaMessage]?, Never>) in
                let immediate = state.withLock { state -> [KafkaMessage]?? in
                    if !state.batches.isEmpty {
                        state.freeSlots += 1
                        return .some(state.batches.removeFirst())
                    }
                    if state.isFinished || Task.isCancelled { return .some(nil) }
                    precondition(state.waiter == nil, "KafkaConsumer.batches supports only one iterator at a time")
                    state.waiter = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<[KafkaMessage]?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
