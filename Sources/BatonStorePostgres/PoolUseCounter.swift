import BatonStore
import PostgresNIO
import Synchronization

/// Counts how this process's store operations use the PostgreSQL pool: waiting for a connection,
/// or holding one. PostgresNIO keeps its pool's own figures internal, so the store counts at the
/// one place every operation passes (`run`, `transaction`); a metrics scrape reads them.
final class PoolUseCounter: Sendable {
    private let counts = Mutex((inUse: 0, waiting: 0))
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var use: StorePoolUse {
        let (inUse, waiting) = counts.withLock { ($0.inUse, $0.waiting) }
        return StorePoolUse(inUse: inUse, waiting: waiting, capacity: capacity)
    }

    /// Runs `body` on a pooled connection, counted as waiting until the pool hands one over and
    /// as in use until `body` returns.
    func leasing<T: Sendable>(from client: PostgresClient, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let lease = request()
        defer { lease.end() }
        return try await client.withConnection { connection in
            lease.start()
            return try await body(connection)
        }
    }

    /// An operation asks for a connection: waiting until `start`, in use until `end`.
    func request() -> Lease {
        counts.withLock { $0.waiting += 1 }
        return Lease(counter: self)
    }

    /// One operation's use of the pool; `end` (always called) undoes what `request` and `start` counted.
    final class Lease: Sendable {
        private let counter: PoolUseCounter
        private let leased = Mutex(false)

        fileprivate init(counter: PoolUseCounter) { self.counter = counter }

        func start() {
            guard !leased.withLock({ let was = $0; $0 = true; return was }) else { return }
            counter.counts.withLock { $0.waiting -= 1; $0.inUse += 1 }
        }

        func end() {
            let wasLeased = leased.withLock { $0 }
            counter.counts.withLock { if wasLeased { $0.inUse -= 1 } else { $0.waiting -= 1 } }
        }
    }
}

extension PostgresStore {
    /// How this process's operations use the connection pool right now.
    public var poolUse: StorePoolUse { pool.use }
}
