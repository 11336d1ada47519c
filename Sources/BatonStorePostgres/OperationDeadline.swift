import PostgresNIO
import Synchronization

/// A deadline for one store call, and the connection to close when it passes.
///
/// Why it exists: PostgresNIO 1.33 drops the promise of a query written to a connection the server
/// is just closing (a failover, `pg_terminate_backend`, `pg_ctl restart`), so that query's `await`
/// never returns and ignores cancellation. Measured by `PostgresDisconnectTests`: with 6 writers
/// and a backend terminated every 300 ms, every writer hung within 6 s. The call is therefore run
/// in a task of its own and raced against its deadline; when the deadline wins, the caller gets
/// `TimedOut` (mapped to a retryable `.unavailable`), the connection is closed so the
/// server rolls back whatever it held, and the stuck task is left to the pool, which replaces
/// the closed connection. A commit given up this way is safe to decide again: revisions and
/// dedupe marks refuse a second application, and a closed session commits nothing.
///
/// One watchdog per store checks every call's deadline four times a second, rather than a
/// timer per call: a sleeping task per call cost 1.4 ms per serial step (5.8 → 7.2 ms median in
/// `make bench` on PostgreSQL, a foreach 20% slower).
final class OperationDeadline: Sendable {
    /// The call did not return within `after`.
    struct TimedOut: Error {
        var after: Duration
    }

    private struct Watched {
        var deadline: ContinuousClock.Instant
        var expire: @Sendable () -> Void
    }

    private let watched = Mutex<(next: UInt64, calls: [UInt64: Watched])>((0, [:]))
    private let checker = Mutex<Task<Void, Never>?>(nil)
    let timeout: Duration

    init(timeout: Duration) { self.timeout = timeout }

    /// Stops the watchdog (calls still running then are left to their own end).
    func stop() { checker.withLock { $0 }?.cancel() }

    /// - Parameter limit: this call's own deadline instead of the store's (a migration may
    ///   rewrite large tables).
    func run<T: Sendable>(within limit: Duration? = nil, _ operation: @escaping @Sendable (HeldConnection) async throws -> T) async throws -> T {
        startChecking()
        let held = HeldConnection()
        let race = Race<T>()
        let timeout = limit ?? timeout
        let id = watched.withLock { state -> UInt64 in
            state.next += 1
            state.calls[state.next] = Watched(deadline: .now + timeout) {
                if race.finish(.failure(TimedOut(after: timeout))) { held.close() }
            }
            return state.next
        }
        let work = Task {
            do {
                race.finish(.success(try await operation(held)))
            } catch {
                race.finish(.failure(error))
            }
        }
        defer { _ = watched.withLock { $0.calls.removeValue(forKey: id) } }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { race.attach($0) }
        } onCancel: {
            work.cancel()
        }
    }

    private func startChecking() {
        checker.withLock { task in
            guard task == nil else { return }
            task = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    guard let self else { return }
                    let now = ContinuousClock.now
                    let expired = self.watched.withLock { state in
                        let due = state.calls.filter { $0.value.deadline <= now }
                        for id in due.keys { state.calls[id] = nil }
                        return due.values.map(\.expire)
                    }
                    for expire in expired { expire() }
                }
            }
        }
    }

    /// The connection a call leased, so the deadline can close it.
    final class HeldConnection: Sendable {
        private let connection = Mutex<PostgresConnection?>(nil)

        func hold(_ leased: PostgresConnection) { connection.withLock { $0 = leased } }

        func close() {
            guard let leased = connection.withLock({ $0 }) else { return }
            let _: EventLoopFuture<Void> = leased.close()
        }
    }

    /// Whichever of the call and the timer finishes first resumes the caller, once.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: UnsafeContinuation<T, any Error>?
            var result: Result<T, any Error>?
            var finished = false
        }

        private let state = Mutex(State())

        /// - Returns: whether this outcome is the one the caller gets.
        @discardableResult
        func finish(_ result: sending Result<T, any Error>) -> Bool {
            var outcome: Result<T, any Error>? = result
            let (won, waiting) = state.withLock { state -> (Bool, UnsafeContinuation<T, any Error>?) in
                guard !state.finished else { return (false, nil) }
                state.finished = true
                guard let waiting = state.continuation else {
                    state.result = outcome.take()
                    return (true, nil)
                }
                state.continuation = nil
                return (true, waiting)
            }
            if let waiting, let outcome { waiting.resume(with: outcome) }
            return won
        }

        func attach(_ continuation: UnsafeContinuation<T, any Error>) {
            let ready: Result<T, any Error>? = state.withLock { state in
                if let result = state.result {
                    state.result = nil
                    return result
                }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
