import BatonCore
import BatonStore

extension SQLiteStore {
    /// One write transaction: read every breaker, apply the update (`BreakerUpdate.plan`), write
    /// the changed rows, send each due probe (one held request into the outbox) and the
    /// announcements of the transitions, all or nothing.
    public func updateBreakers(_ update: BreakerUpdate) async throws(StoreError) -> BreakerUpdateResult {
        try await perform { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                var stored: [String: BreakerRecord] = [:]
                try connection.withStatement(
                    "SELECT task_type, state, window_started_at, previous_failures, failures, opened_at, probe_released, changed_at FROM circuit_breakers"
                ) { statement throws(StoreError) in
                    while try statement.step() {
                        let record = BreakerRecord(
                            taskType: statement.string(0), state: BreakerState(rawValue: statement.string(1)) ?? .closed,
                            windowStartedAt: Timestamp(milliseconds: statement.int64(2)), previousFailures: statement.int(3), failures: statement.int(4),
                            openedAt: statement.isNull(5) ? nil : Timestamp(milliseconds: statement.int64(5)), probeReleased: statement.int(6) != 0,
                            changedAt: Timestamp(milliseconds: statement.int64(7))
                        )
                        stored[record.taskType] = record
                    }
                }
                let plan = update.plan(stored)
                var (changed, transitions) = (plan.changed, plan.transitions)
                var released: [OutboxMessage] = []
                for type in plan.probes {
                    let probe = try Self.moveHeld(gate: type, limit: 1, connection)
                    guard !probe.isEmpty else { continue }
                    if let index = changed.firstIndex(where: { $0.taskType == type }) {
                        changed[index].probeReleased = true
                    } else if var record = stored[type] {
                        record.probeReleased = true
                        changed.append(record)
                    }
                    released += probe
                }
                try connection.withStatement("""
                    INSERT INTO circuit_breakers (task_type, state, window_started_at, previous_failures, failures, opened_at, probe_released, changed_at)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                    ON CONFLICT (task_type) DO UPDATE SET state = excluded.state, window_started_at = excluded.window_started_at,
                        previous_failures = excluded.previous_failures, failures = excluded.failures, opened_at = excluded.opened_at,
                        probe_released = excluded.probe_released, changed_at = excluded.changed_at
                    """) { statement throws(StoreError) in
                    for record in changed {
                        try statement.bind(1, record.taskType)
                        try statement.bind(2, record.state.rawValue)
                        try statement.bind(3, record.windowStartedAt.milliseconds)
                        try statement.bind(4, record.previousFailures)
                        try statement.bind(5, record.failures)
                        try statement.bind(6, record.openedAt.map { Int($0.milliseconds) })
                        try statement.bind(7, record.probeReleased ? 1 : 0)
                        try statement.bind(8, record.changedAt.milliseconds)
                        try statement.run()
                        stored[record.taskType] = record
                    }
                }
                for (record, transition) in transitions {
                    if let message = update.announce(record, transition) { released += try Self.insertOutbox([message], connection) }
                }
                transitions = transitions.map { record, transition in (stored[record.taskType] ?? record, transition) }
                return BreakerUpdateResult(
                    records: stored.values.sorted { $0.taskType < $1.taskType }, transitions: transitions.map { (record: $0.0, transition: $0.1) },
                    released: released.sorted { $0.sequence < $1.sequence }
                )
            }
        }
    }
}
