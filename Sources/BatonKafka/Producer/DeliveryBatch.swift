import Synchronization

/// Collects the delivery reports of one `send` call and resumes its single continuation when
/// the last one arrives: the outbox relay's batches cost one suspension, not one per record.
///
/// Reports arrive on the producer's poll thread (any order across partitions); each fills its
/// slot by index, so results come back in input order. A slot is filled once: later reports
/// for the same index (impossible in librdkafka, but also after a forced shutdown) are ignored.
final class DeliveryBatch: Sendable {
    typealias Results = [Result<DeliveryReport, KafkaError>]

    private struct State {
        var results: [Result<DeliveryReport, KafkaError>?]
        var remaining: Int
        var waiter: CheckedContinuation<Results, Never>?
    }

    /// The topic of each record, so reports need not convert librdkafka's topic name.
    let topics: [String]
    /// Per-record opaque pointers handed to librdkafka.
    let tickets: DeliveryTickets
    private let state: Mutex<State>

    init(topics: [String]) {
        self.topics = topics
        self.state = Mutex(State(results: Array(repeating: nil, count: topics.count), remaining: topics.count))
        self.tickets = DeliveryTickets(count: topics.count)
        tickets.bind(to: self)
    }

    /// Records the outcome of record `index`.
    func complete(_ index: Int, with result: Result<DeliveryReport, KafkaError>) {
        let ready = state.withLock { state -> (CheckedContinuation<Results, Never>, Results)? in
            guard state.results[index] == nil else { return nil }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.results.map { $0! })
        }
        if let (waiter, results) = ready { waiter.resume(returning: results) }
    }

    /// Fails every record that has no outcome yet (used when the producer shuts down and no more
    /// reports can arrive).
    func failRemaining(with error: KafkaError) {
        let pending = state.withLock { state in state.results.indices.filter { state.results[$0] == nil } }
        for index in pending { complete(index, with: .failure(error)) }
    }

    /// Suspends until every record has an outcome. Not cancellable: the reports are coming anyway,
    /// and abandoning them would lose the knowledge of what was written.
    func results() async -> Results {
        await withCheckedContinuation { (continuation: CheckedContinuation<Results, Never>) in
            let ready = state.withLock { state -> Results? in
                if state.remaining == 0 { return state.results.map { $0! } }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// What a produced message's opaque pointer points at: its batch and its index in the batch.
struct DeliveryTicket {
    var batch: Unmanaged<DeliveryBatch>
    var index: Int
}

/// One allocation holding the tickets of a batch, valid as long as the batch lives (the `send`
/// call awaiting it keeps it alive until every report has arrived or been failed).
///
/// `@unchecked Sendable` is safe because the memory is written once in ``bind(to:)`` before any
/// pointer is handed out, and is only read afterwards.
final class DeliveryTickets: @unchecked Sendable {
    private let base: UnsafeMutablePointer<DeliveryTicket>
    private let count: Int

    init(count: Int) {
        self.count = count
        self.base = .allocate(capacity: max(count, 1))
    }

    /// Unretained: the batch owns the tickets, not the other way around.
    func bind(to batch: DeliveryBatch) {
        let unmanaged = Unmanaged.passUnretained(batch)
        for index in 0..<count {
            (base + index).initialize(to: DeliveryTicket(batch: unmanaged, index: index))
        }
    }

    func opaque(_ index: Int) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(base + index)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
}
