import BatonStore

/// An open database: the ownership lock and the connection, opened in that order and released
/// in reverse.
///
/// Lives on the store's queue only.
final class SQLiteSession {
    let connection: SQLiteConnection
    private let lock: OwnershipLock
    let checkpointer: WALCheckpointer
    /// Set when the session can no longer be trusted (see `SQLiteStore.performRelaxed`): every
    /// later operation fails with it.
    var broken: StoreError?

    /// Locks the file, opens it, sets WAL mode and durability, and migrates the schema.
    ///
    /// The lock comes first: migrating a database another process is using would be unsafe.
    init(configuration: SQLiteStore.Configuration) throws(StoreError) {
        lock = try OwnershipLock(databasePath: configuration.path)
        connection = try SQLiteConnection(path: configuration.path)
        let timeout = configuration.busyTimeout.components
        let milliseconds = timeout.seconds * 1000 + timeout.attoseconds / 1_000_000_000_000_000
        connection.setBusyTimeout(milliseconds: Int32(clamping: milliseconds))
        let mode = try connection.withStatement("PRAGMA journal_mode = WAL") { statement throws(StoreError) in
            try statement.step() ? statement.string(0) : ""
        }
        guard mode.lowercased() == "wal" else {
            throw StoreError(.database, "cannot switch \(configuration.path) to WAL mode (journal mode is '\(mode)'); put the database on a local file system")
        }
        try connection.execute("PRAGMA synchronous = \(configuration.synchronous.rawValue)")
        try connection.execute("PRAGMA foreign_keys = ON")
        // Measured on the commit path (see SQLiteThroughputTests): a step transition dirties about
        // five pages in four B-trees. A 64 MiB page cache keeps those pages' neighbours resident
        // (the default 2 MiB made a third of the writes wait for reads). Checkpoints run beside
        // the writer, not inside its commits (see WALCheckpointer).
        try connection.execute("PRAGMA cache_size = -65536")
        try connection.execute("PRAGMA journal_size_limit = 67108864")
        try SQLiteSchema.migrate(connection)
        checkpointer = WALCheckpointer(path: configuration.path)
        checkpointer.attach(to: connection)
    }

    deinit {
        close()
    }

    /// Closes the connections before dropping the lock, so the next owner never overlaps with us;
    /// the writer last, so that it checkpoints and removes the log as the last connection.
    func close() {
        checkpointer.detach(from: connection)
        connection.close()
        lock.release()
    }
}
