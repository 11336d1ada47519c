import BatonCore
import BatonExpressions
import BatonStore
import Logging
import PostgresNIO
import Synchronization

/// The `WorkflowStore` for several Baton processes: one PostgreSQL database reached through a
/// PostgresNIO connection pool.
///
/// Every operation is one round trip or one transaction on a pooled connection; nothing blocks a
/// thread (PostgresNIO runs on its own event loops). Correctness with several writers comes from
/// the database, not from this process: instance writes compare and set their revision, unique
/// keys refuse a second dedupe mark or history sequence, and the schema is migrated once under an
/// advisory lock however many processes start together.
public final class PostgresStore: SharedWorkflowStore, Sendable {
    public let configuration: Configuration
    public let ownership: Ownership
    let client: PostgresClient
    let logger: Logger
    /// `client.run()`, which owns the pool's connections; cancelled by `close()`.
    private let runner: Task<Void, Never>
    private let closed = Atomic<Bool>(false)
    /// Holds the ownership lock's connection while the store is open (`Ownership.exclusive`).
    private let owner = Mutex<Task<Void, Never>?>(nil)
    /// Which instance parts (foreach chunks) the database holds at which revision.
    let writtenParts = WrittenParts()
    /// Gives up store calls the server does not answer (see `OperationDeadline`).
    let deadline: OperationDeadline
    /// How this process's operations use the pool (metrics).
    let pool: PoolUseCounter

    private init(configuration: Configuration, ownership: Ownership, client: PostgresClient, logger: Logger) {
        self.configuration = configuration
        self.ownership = ownership
        self.client = client
        self.logger = logger
        self.deadline = OperationDeadline(timeout: configuration.operationTimeout)
        self.pool = PoolUseCounter(capacity: configuration.clientConfiguration.options.maximumConnections)
        self.runner = Task { await client.run() }
    }

    public var isShared: Bool { ownership == .shared }

    /// Whether other processes may use the database at the same time.
    public enum Ownership: Sendable, Hashable {
        /// One process owns the database, as one owns a SQLite file: a second exclusive `open`
        /// is refused with `.locked` while the first is open (a session advisory lock on a
        /// connection of its own, released by the server when that connection ends, however the
        /// process ended). For tools that must be alone; shared stores do not take the lock.
        case exclusive
        /// Several processes share it (`baton serve`); each write is arbitrated by the database:
        /// compare-and-set, read revisions verified, outbox shards leased, timers claimed.
        case shared
    }

    /// Connects, takes the ownership lock (`.exclusive`), then brings the schema up to this
    /// build's version (see `PostgresSchema`).
    ///
    /// - Throws: `.unavailable` (retryable) when the server cannot be reached; `.locked` when
    ///   another process owns the database; `.corrupt` when the schema is newer than this build.
    public static func open(
        _ configuration: Configuration, ownership: Ownership = .exclusive, logger: Logger = Logger(label: "baton.store.postgres")
    ) async throws(StoreError) -> PostgresStore {
        let client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
        let store = PostgresStore(configuration: configuration, ownership: ownership, client: client, logger: logger)
        do {
            if ownership == .exclusive { try await store.takeOwnership() }
            // Not under the per-call timeout: a migration may rewrite large tables, and a busy
            // server at start-up is no reason to give up on it.
            try await store.transaction("migrate the schema", timeout: .seconds(3_600)) { connection in
                try await PostgresSchema.migrate(connection, logger: logger)
            }
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// The advisory lock key of exclusive ownership (any constant unique to Baton).
    static let ownershipLock: Int64 = 0x6261_746f_6e00_0002

    /// Takes the ownership lock on a connection that this store keeps leased until `close()`.
    private func takeOwnership() async throws(StoreError) {
        let (taken, answer) = AsyncStream.makeStream(of: Result<Bool, StoreError>.self)
        let client = client
        let logger = logger
        let holder = Task {
            do {
                try await client.withConnection { connection in
                    var acquired = false
                    for try await value in try await connection.query("SELECT pg_try_advisory_lock(\(Self.ownershipLock))", logger: logger).decode(Bool.self) {
                        acquired = value
                    }
                    answer.yield(.success(acquired))
                    guard acquired else { return }
                    // Held until close() cancels this task; the pool's shutdown then closes the
                    // connection, and with it the session's lock.
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                }
            } catch {
                answer.yield(.failure(self.mapError(error, "take the ownership lock")))
            }
            answer.finish()
        }
        owner.withLock { $0 = holder }
        var outcome: Result<Bool, StoreError> = .failure(StoreError(.unavailable, "the ownership lock was not answered", isRetryable: true))
        for await result in taken {
            outcome = result
            break
        }
        guard try outcome.get() else {
            throw StoreError(
                .locked,
                "the PostgreSQL database \(configuration.redactedURL) is in use by another Baton process; a store opened for exclusive use shares it with no one (baton serve opens PostgreSQL shared)"
            )
        }
    }

    /// Closes the pool. Idempotent; later calls to any other method throw `.invalid`.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let holder = owner.withLock { $0 }
        holder?.cancel()
        await holder?.value
        runner.cancel()
        await runner.value
        deadline.stop()
    }

    /// Runs `body` on a pooled connection outside a transaction (reads, single statements).
    func run<T: Sendable>(_ what: @autoclosure () -> String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        try checkOpen()
        let (client, pool) = (client, pool)
        do {
            return try await deadline.run { held in
                try await pool.leasing(from: client) { connection in
                    held.hold(connection)
                    try Self.checkUsable(connection)
                    return try await body(connection)
                }
            }
        } catch {
            throw mapError(error, what())
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(
        _ what: @autoclosure () -> String, timeout: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        try checkOpen()
        let (client, logger, pool) = (client, logger, pool)
        do {
            return try await deadline.run(within: timeout) { held in
                try await pool.leasing(from: client) { connection in
                    held.hold(connection)
                    try Self.checkUsable(connection)
                    try await connection.query("BEGIN", logger: logger)
                    let value: T
                    do {
                        value = try await body(connection)
                    } catch {
                        // PostgresNIO 1.33 never answers a query written to a connection that has
                        // just closed (its promise is dropped): a ROLLBACK after the server ended the
                        // session would hang this call for good. A closed connection has no
                        // transaction left to roll back; the pool replaces it.
                        if !connection.isClosed, !Self.isConnectionLoss(error) {
                            _ = try? await connection.query("ROLLBACK", logger: logger)
                        }
                        throw error
                    }
                    do {
                        try await connection.query("COMMIT", logger: logger)
                    } catch {
                        throw UnknownCommitOutcome(underlying: error)
                    }
                    return value
                }
            }
        } catch {
            throw mapError(error, what())
        }
    }

    /// A connection the server closed while it sat in the pool is refused before a query is
    /// written to it (see `transaction`: such a query would never be answered).
    private static func checkUsable(_ connection: PostgresConnection) throws {
        if connection.isClosed { throw StoreError(.unavailable, "the pooled connection was closed by the server", isRetryable: true) }
    }

    /// Whether `error` means the session is gone (nothing to roll back, nothing more to send).
    private static func isConnectionLoss(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown: return true
        case .server: return (error.serverInfo?[.sqlState] ?? "").hasPrefix("57P") || (error.serverInfo?[.sqlState] ?? "").hasPrefix("08")
        default: return false
        }
    }

    private func checkOpen() throws(StoreError) {
        guard !closed.load(ordering: .acquiring) else {
            throw StoreError(.invalid, "the PostgreSQL store at \(configuration.redactedURL) is closed; open a new one")
        }
    }

    /// A PostgresNIO or server error as a `StoreError`, retryable where waiting can help (a lost
    /// connection, a server shutting down or out of resources, a serialisation failure).
    func mapError(_ error: any Error, _ what: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? OperationDeadline.TimedOut {
            logger.warning("PostgreSQL store call given up", metadata: ["operation": "\(what)", "after": "\(error.after)"])
            return StoreError(.unavailable, "\(what) failed: PostgreSQL at \(configuration.redactedURL) did not answer within \(error.after); its connection was closed", isRetryable: true)
        }
        if let error = error as? UnknownCommitOutcome {
            var mapped = mapError(error.underlying, what)
            // The server may or may not have committed: retrying is safe (dedupe marks and
            // revisions refuse a second application), giving up is not.
            mapped.message += " (while committing; the transaction may or may not have been applied)"
            return mapped
        }
        if let error = error as? PSQLError {
            if closed.load(ordering: .acquiring), error.code == .poolClosed {
                return StoreError(.invalid, "the PostgreSQL store at \(configuration.redactedURL) is closed; open a new one")
            }
            switch error.code {
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                let message = error.serverInfo?[.message] ?? "\(error)"
                let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
                let text = "\(what) failed: \(message)\(detail) [SQLSTATE \(state)]"
                switch state {
                case "23505": return StoreError(.conflict, text)
                case "23503": return StoreError(.invalid, text)
                case "40001", "40P01", "55P03", "57014": return StoreError(.unavailable, text, isRetryable: true)
                case "25006": return StoreError(.unavailable, text, isRetryable: true)
                case _ where state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P"):
                    return StoreError(.unavailable, text, isRetryable: true)
                default: return StoreError(.database, text)
                }
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed, .queryCancelled:
                return StoreError(.unavailable, "\(what) failed: PostgreSQL at \(configuration.redactedURL) is unreachable (\(error.code))", isRetryable: true)
            default:
                return StoreError(.database, "\(what) failed: \(error.code) \(error)")
            }
        }
        if error is PostgresDecodingError {
            return StoreError(.corrupt, "\(what) failed: a column does not decode (\(error)); was the schema changed outside Baton?")
        }
        if error is CancellationError {
            return StoreError(.unavailable, "\(what) was cancelled", isRetryable: true)
        }
        return StoreError(.unavailable, "\(what) failed: \(error)", isRetryable: true)
    }
}

/// COMMIT was sent but not answered: the transaction may or may not be applied.
struct UnknownCommitOutcome: Error {
    var underlying: any Error
}
