import BatonCore
import BatonStore
import PostgresNIO

extension PostgresStore {
    /// The advisory lock that keeps admission passes of several processes apart (a constant unique
    /// to Baton, and distinct from `PostgresSchema.migrationLock` and `ownershipLock`: an exclusive
    /// owner holds that one for its whole session).
    static let admissionLock: Int64 = 0x6261_746f_6e00_0003

    /// One transaction under `admissionLock`: a second process's pass waits for this one to
    /// commit and then counts its admissions (each statement of a READ COMMITTED transaction
    /// reads what committed before it), so two passes never hand out the same slot.
    public func admit(_ request: AdmissionRequest) async throws(StoreError) -> AdmissionResult {
        try await transaction("admit queued instances") { [self] connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.admissionLock))", logger: logger)
            let waiting = try await counts(AdmissionSQL.waiting, connection)
            guard !waiting.isEmpty else { return AdmissionResult() }
            let occupied = try await counts(AdmissionSQL.occupied, connection)
            var candidates: [QueuedInstance] = []
            var limits: [String: Int] = [:]
            for workflowId in waiting.keys {
                let rows = try await connection.query("""
                    SELECT (document::jsonb ->> 'maxConcurrent')::bigint FROM definitions WHERE id = \(workflowId) ORDER BY version DESC LIMIT 1
                    """, logger: logger)
                for try await limit in rows.decode(Int64?.self) { limits[workflowId] = limit.map(Int.init) }
            }
            let room = AdmissionPlanner.room(request, limits: limits, waiting: waiting, occupied: occupied)
            for (workflowId, free) in room.sorted(by: { $0.key < $1.key }) {
                let rows = try await connection.query("""
                    SELECT id, created_at FROM instances i WHERE workflow_id = \(workflowId) AND status = 'QUEUED'
                    AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.instance_id = i.id AND t.timer_id = \(admissionTimerId))
                    ORDER BY created_at, id LIMIT \(free)
                    """, logger: logger)
                for try await (id, createdAt) in rows.decode((String, Int64).self) {
                    candidates.append(QueuedInstance(id: id, workflowId: workflowId, createdAt: Timestamp(milliseconds: createdAt)))
                }
            }
            let admitted = AdmissionPlanner.choose(request, candidates: candidates, occupied: occupied)
            if !admitted.isEmpty {
                let ids = admitted.map(\.id)
                try await connection.query("""
                    INSERT INTO timers (instance_id, timer_id, fire_at)
                    SELECT id, \(admissionTimerId), \(request.now.milliseconds) FROM unnest(\(ids)) AS id
                    ON CONFLICT (instance_id, timer_id) DO NOTHING
                    """, logger: logger)
            }
            return AdmissionResult(admitted: admitted.map(\.id), waiting: AdmissionPlanner.remaining(waiting: waiting, admitted: admitted))
        }
    }

    private func counts(_ sql: String, _ connection: PostgresConnection) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for try await (workflowId, count) in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode((String, Int64).self) {
            counts[workflowId] = Int(count)
        }
        return counts
    }
}
