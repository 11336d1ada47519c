extension SQLiteStore {
    /// Where the database lives and how durable a commit is.
    public struct Configuration: Sendable, Hashable {
        /// Path of the database file; created if missing (its directory must exist). Next to it
        /// live `-wal` and `-shm` files (WAL mode) and the ownership lock `<path>.lock`.
        public var path: String
        /// Durability of a commit. Default: `.full`.
        public var synchronous: Synchronous
        /// How long a statement waits when another connection (e.g. a backup tool) holds the
        /// database before failing with a retryable `.unavailable`. Default: 5 seconds.
        public var busyTimeout: Duration

        public init(path: String, synchronous: Synchronous = .full, busyTimeout: Duration = .seconds(5)) {
            self.path = path
            self.synchronous = synchronous
            self.busyTimeout = busyTimeout
        }
    }

    /// SQLite's `PRAGMA synchronous`, restricted to the two settings that are safe in WAL mode.
    public enum Synchronous: String, Sendable, Hashable, CaseIterable {
        /// Every commit is fsynced: a committed transition survives power loss. About 4x slower
        /// per transaction than `.normal`; batching amortises it.
        case full = "FULL"
        /// The WAL is fsynced only at checkpoints: a commit survives a crash of Baton but the last
        /// transactions may be lost on power loss or an OS crash (never corrupted). The Kafka
        /// offsets of those inputs were committed, so they would not be redelivered.
        case normal = "NORMAL"
    }
}
