import BatonCore
import BatonStore

extension SQLiteStore {
    /// - Throws: `.invalid` for a limit below 1.
    public func dueTimers(until: Timestamp, limit: Int) async throws(StoreError) -> [DueTimer] {
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        return try await perform { connection throws(StoreError) in
            // A range scan of timers_by_fire_at: only due rows are read.
            try connection.withStatement(
                "SELECT instance_id, timer_id, fire_at FROM timers WHERE fire_at <= ?1 ORDER BY fire_at, instance_id, timer_id LIMIT ?2"
            ) { statement throws(StoreError) in
                try statement.bind(1, until.milliseconds)
                try statement.bind(2, limit)
                var due: [DueTimer] = []
                while try statement.step() {
                    due.append(DueTimer(instanceId: statement.string(0), timerId: statement.string(1), fireAt: Timestamp(milliseconds: statement.int64(2))))
                }
                return due
            }
        }
    }

    public func nextTimerAt() async throws(StoreError) -> Timestamp? {
        try await perform { connection throws(StoreError) in
            try connection.withStatement("SELECT MIN(fire_at) FROM timers") { statement throws(StoreError) in
                guard try statement.step(), !statement.isNull(0) else { return nil }
                return Timestamp(milliseconds: statement.int64(0))
            }
        }
    }
}
