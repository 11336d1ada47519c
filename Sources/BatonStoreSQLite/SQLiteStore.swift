import BatonCore
import BatonExpressions
import BatonStore
import Synchronization
import Dispatch

/// The production `WorkflowStore`: one SQLite file in WAL mode, owned by one Baton process.
///
/// Every SQLite call runs on the store's own serial queue, so the connection is used by one thread
/// at a time and no blocking file I/O ever runs on Swift's cooperative pool; async callers wait on
/// a continuation. JSON encoding happens before the hop, on the caller's task, so the queue does
/// nothing but write. One writer plus batched transactions is what makes SQLite fast enough that
/// the engine, not the store, sets Baton's throughput.
///
/// `@unchecked Sendable` because the compiler cannot see the confinement: `session` (and
/// `failRestoringDurability`), the mutable state, is read and written only on `queue`, a serial DispatchQueue, and the connection
/// and its statements never leave that queue.
public final class SQLiteStore: WorkflowStore, @unchecked Sendable {
    /// As opened; kept for diagnostics and for reopening after `close()`.
    public let configuration: Configuration
    private let queue: DispatchQueue
    /// `nil` once closed. Touched only on `queue`.
    private var session: SQLiteSession?
    /// Reads that must not wait behind a commit (dedupe marks and instances while deciding, API
    /// queries) run on a second connection on their own queue: in WAL mode a reader sees every
    /// commit that finished before its read began and never blocks the writer.
    private let readQueue = DispatchQueue(label: "baton.store.sqlite.read")
    /// Opened on first use, closed by `close()`. Touched only on `readQueue`.
    private var reader: SQLiteConnection?
    private var readerClosed = false
    /// Which instance parts (foreach chunks) the file holds at which revision.
    let writtenParts = WrittenParts()
    /// Test-only: makes switching back to `synchronous=FULL` fail. Touched only on `queue`.
    private var failRestoringDurability = false

    /// For the test that proves a failed switch back to FULL stops the store.
    func injectDurabilityRestoreFailure() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.failRestoringDurability = true
                continuation.resume()
            }
        }
    }

    /// Opens (or creates) the database, blocking the calling thread while it locks the file and
    /// migrates the schema. From async code prefer `open(_:)`, which does that on the store's queue.
    ///
    /// - Throws: `.locked` when another store or process owns the file; `.corrupt` when its schema
    ///   is newer than this build; `.unavailable` when the file cannot be opened or written.
    public init(configuration: Configuration) throws(StoreError) {
        self.configuration = configuration
        queue = DispatchQueue(label: "baton.store.sqlite")
        let opened = queue.sync { Result { () throws(StoreError) in try SQLiteSession(configuration: configuration) } }
        session = try opened.get()
    }

    private init(configuration: Configuration, queue: DispatchQueue, session: SQLiteSession) {
        self.configuration = configuration
        self.queue = queue
        self.session = session
    }

    /// Opens (or creates) the database on the store's own queue; see `init(configuration:)`.
    public static func open(_ configuration: Configuration) async throws(StoreError) -> SQLiteStore {
        let queue = DispatchQueue(label: "baton.store.sqlite")
        // The session is created and used only on `queue`; the store takes it over there.
        let opened: Result<SQLiteStore, StoreError> = await withCheckedContinuation { continuation in
            queue.async {
                let result = Result { () throws(StoreError) in
                    SQLiteStore(configuration: configuration, queue: queue, session: try SQLiteSession(configuration: configuration))
                }
                continuation.resume(returning: result)
            }
        }
        return try opened.get()
    }

    deinit {
        // Every queued operation retains the store, so none can still be running here.
        reader?.close()
        session?.close()
    }

    /// Closes the database and releases the ownership lock. Idempotent; later calls to any other
    /// method throw `.invalid`.
    public func close() async {
        // The reader first: the writer, closing last, checkpoints and removes the log.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            readQueue.async {
                self.reader?.close()
                self.reader = nil
                self.readerClosed = true
                continuation.resume()
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.session?.close()
                self.session = nil
                continuation.resume()
            }
        }
    }

    /// How many times the write-ahead log was copied back into the database beside the writer
    /// (the normal case) and by the writer itself (see `WALCheckpointer`); zeros once closed.
    public func checkpointCounts() async -> (background: Int, byWriter: Int, byWriterSeconds: Double) {
        await withCheckedContinuation { continuation in
            queue.async {
                let checkpointer = self.session?.checkpointer
                continuation.resume(returning: (
                    checkpointer?.backgroundCheckpoints.load(ordering: .relaxed) ?? 0,
                    checkpointer?.writerCheckpoints.load(ordering: .relaxed) ?? 0,
                    Double(checkpointer?.writerCheckpointMicroseconds.load(ordering: .relaxed) ?? 0) / 1e6
                ))
            }
        }
    }

    /// Runs `work` with the connection on the store's queue and hands back its result.
    func perform<T: Sendable>(_ work: @escaping @Sendable (SQLiteConnection) throws(StoreError) -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.performOnQueue(work))
            }
        }
        return try result.get()
    }

    /// Runs a read-only `work` on the reader connection (see `reader`).
    func performRead<T: Sendable>(_ work: @escaping @Sendable (SQLiteConnection) throws(StoreError) -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            readQueue.async {
                continuation.resume(returning: Result { () throws(StoreError) in try work(self.openReader()) })
            }
        }
        return try result.get()
    }

    /// On `readQueue`.
    private func openReader() throws(StoreError) -> SQLiteConnection {
        if let reader { return reader }
        guard !readerClosed else {
            throw StoreError(.invalid, "the SQLite store at \(configuration.path) is closed; open a new one")
        }
        let connection = try SQLiteConnection(path: configuration.path)
        let timeout = configuration.busyTimeout.components
        connection.setBusyTimeout(milliseconds: Int32(clamping: timeout.seconds * 1000 + timeout.attoseconds / 1_000_000_000_000_000))
        // Never writes: a bug that tried would fail loudly instead of racing the writer.
        try connection.execute("PRAGMA query_only = 1")
        try connection.execute("PRAGMA cache_size = -16384")
        reader = connection
        return connection
    }

    private func performOnQueue<T>(_ work: (SQLiteConnection) throws(StoreError) -> T) -> Result<T, StoreError> {
        guard let session else {
            return .failure(StoreError(.invalid, "the SQLite store at \(configuration.path) is closed; open a new one"))
        }
        if let broken = session.broken { return .failure(broken) }
        return Result { () throws(StoreError) in try work(session.connection) }
    }

    /// Runs `work` with the writer at `synchronous=NORMAL` and switches it back to the store's
    /// setting afterwards. If switching back fails, every later commit would silently be less
    /// durable than configured, so the store stops instead: this call and every later one throws
    /// `.unavailable` naming why, and the process must be restarted.
    func performRelaxed<T: Sendable>(_ work: @escaping @Sendable (SQLiteConnection) throws(StoreError) -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            queue.async {
                guard self.configuration.synchronous == .full else {
                    continuation.resume(returning: self.performOnQueue(work))
                    return
                }
                let result = self.performOnQueue { connection throws(StoreError) in
                    try connection.execute("PRAGMA synchronous = NORMAL")
                    let outcome = Result { () throws(StoreError) in try work(connection) }
                    do throws(StoreError) {
                        if self.failRestoringDurability { throw StoreError(.database, "injected: PRAGMA synchronous = FULL failed") }
                        try connection.execute("PRAGMA synchronous = FULL")
                    } catch {
                        let broken = StoreError(
                            .unavailable,
                            "the SQLite store at \(self.configuration.path) stopped: after a relaxed write it could not switch back to synchronous=FULL (\(error.message)), so later commits would not be durable; restart Baton"
                        )
                        self.session?.broken = broken
                        throw broken
                    }
                    return try outcome.get()
                }
                continuation.resume(returning: result)
            }
        }
        return try result.get()
    }
}
