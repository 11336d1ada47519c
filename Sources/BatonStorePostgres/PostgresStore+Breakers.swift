import BatonCore
import BatonStore
import PostgresNIO

extension PostgresStore {
    /// The advisory lock that keeps breaker updates of several processes apart, so no process's
    /// outcomes are overwritten by another's (distinct from the other locks of `PostgresStore`).
    static let breakerLock: Int64 = 0x6261_746f_6e00_0004

    /// One transaction under `breakerLock` (see `WorkflowStore.updateBreakers`).
    public func updateBreakers(_ update: BreakerUpdate) async throws(StoreError) -> BreakerUpdateResult {
        try await transaction("update the circuit breakers") { [self] connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.breakerLock))", logger: logger)
            var stored: [String: BreakerRecord] = [:]
            let rows = try await connection.query(
                "SELECT task_type, state, window_started_at, previous_failures, failures, opened_at, probe_released, changed_at FROM circuit_breakers", logger: logger
            )
            for try await (type, state, windowStartedAt, previousFailures, failures, openedAt, probeReleased, changedAt)
                in rows.decode((String, String, Int64, Int64, Int64, Int64?, Bool, Int64).self)
            {
                stored[type] = BreakerRecord(
                    taskType: type, state: BreakerState(rawValue: state) ?? .closed, windowStartedAt: Timestamp(milliseconds: windowStartedAt),
                    previousFailures: Int(previousFailures), failures: Int(failures), openedAt: openedAt.map(Timestamp.init(milliseconds:)),
                    probeReleased: probeReleased, changedAt: Timestamp(milliseconds: changedAt)
                )
            }
            let plan = update.plan(stored)
            var transitions = plan.transitions
            var released: [OutboxMessage] = []
            for record in plan.changed {
                try await connection.query("""
                    INSERT INTO circuit_breakers (task_type, state, window_started_at, previous_failures, failures, opened_at, probe_released, changed_at)
                    VALUES (\(record.taskType), \(record.state.rawValue), \(record.windowStartedAt.milliseconds), \(Int64(record.previousFailures)),
                        \(Int64(record.failures)), \(record.openedAt?.milliseconds), \(record.probeReleased), \(record.changedAt.milliseconds))
                    ON CONFLICT (task_type) DO UPDATE SET state = excluded.state, window_started_at = excluded.window_started_at,
                        previous_failures = excluded.previous_failures, failures = excluded.failures, opened_at = excluded.opened_at,
                        probe_released = excluded.probe_released, changed_at = excluded.changed_at
                    """, logger: logger)
                stored[record.taskType] = record
            }
            for type in plan.probes {
                let probe = try await moveHeld(gate: type, limit: 1, connection)
                guard !probe.isEmpty else { continue }
                try await connection.query("UPDATE circuit_breakers SET probe_released = true WHERE task_type = \(type)", logger: logger)
                stored[type]?.probeReleased = true
                released += probe
            }
            let announcements = transitions.compactMap { update.announce($0.0, $0.1) }
            released += try await insertOutbox(announcements, connection)
            transitions = transitions.map { record, transition in (stored[record.taskType] ?? record, transition) }
            return BreakerUpdateResult(
                records: stored.values.sorted { $0.taskType < $1.taskType }, transitions: transitions.map { (record: $0.0, transition: $0.1) },
                released: released.sorted { $0.sequence < $1.sequence }
            )
        }
    }
}
