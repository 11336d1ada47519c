import BatonStore

extension SQLiteStore {
    /// A storage failure the fault-injection tests switch on and off in a running store.
    public enum SimulatedFault: Sendable {
        /// Writes that need a new page fail with SQLITE_FULL, as on a full disk
        /// (`PRAGMA max_page_count` pinned to the current size).
        case diskFull
        /// Every write fails with SQLITE_READONLY, as with a read-only file (`PRAGMA query_only`).
        case readOnly
    }

    /// Makes the real connection fail the way the fault does until called with nil. The errors
    /// are SQLite's own, mapped like any others, so what is tested is what production meets.
    public func simulate(_ fault: SimulatedFault?) async throws(StoreError) {
        try await perform { connection throws(StoreError) in
            switch fault {
            case .diskFull?:
                let pages = try connection.withStatement("PRAGMA page_count") { statement throws(StoreError) in
                    try statement.step() ? statement.int(0) : 0
                }
                try connection.execute("PRAGMA max_page_count = \(max(1, pages))")
            case .readOnly?:
                try connection.execute("PRAGMA query_only = 1")
            case nil:
                try connection.execute("PRAGMA query_only = 0")
                try connection.execute("PRAGMA max_page_count = 4294967294")
            }
        }
    }
}
