import BatonCore
import BatonStore
import PostgresNIO

extension PostgresStore {
    /// One short transaction: the ids are chosen through `instances_finished` and their rows
    /// deleted by `instance_id = ANY(...)`, children first. Space comes back through autovacuum.
    /// With several processes each may purge; a row another process removed first is simply not
    /// there to delete.
    public func purge(_ request: PurgeRequest) async throws(StoreError) -> PurgeResult {
        let finished = PurgeRequest.finishedStatuses.map(\.rawValue)
        return try await transaction("remove finished instances and old dedupe marks") { [self] connection in
            var ids: [String] = []
            for (workflowId, cutoff) in request.workflowCutoffs.sorted(by: { $0.key < $1.key }) {
                guard let cutoff, ids.count < request.limit else { continue }
                let rows = try await connection.query("""
                    SELECT id FROM instances WHERE status = ANY(\(finished)) AND updated_at < \(cutoff.milliseconds) AND workflow_id = \(workflowId)
                    ORDER BY updated_at LIMIT \(request.limit - ids.count) FOR UPDATE SKIP LOCKED
                    """, logger: logger)
                for try await id in rows.decode(String.self) { ids.append(id) }
            }
            if let cutoff = request.finishedBefore, ids.count < request.limit {
                let excluded = Array(request.workflowCutoffs.keys)
                let rows = try await connection.query("""
                    SELECT id FROM instances WHERE status = ANY(\(finished)) AND updated_at < \(cutoff.milliseconds) AND NOT (workflow_id = ANY(\(excluded)))
                    ORDER BY updated_at LIMIT \(request.limit - ids.count) FOR UPDATE SKIP LOCKED
                    """, logger: logger)
                for try await id in rows.decode(String.self) { ids.append(id) }
            }
            if !ids.isEmpty {
                try await connection.query("DELETE FROM history WHERE instance_id = ANY(\(ids))", logger: logger)
                try await connection.query("DELETE FROM step_executions WHERE instance_id = ANY(\(ids))", logger: logger)
                try await connection.query("DELETE FROM instance_parts WHERE instance_id = ANY(\(ids))", logger: logger)
                try await connection.query("DELETE FROM timers WHERE instance_id = ANY(\(ids))", logger: logger)
                try await connection.query("DELETE FROM event_waits WHERE instance_id = ANY(\(ids))", logger: logger)
                try await connection.query("DELETE FROM instances WHERE id = ANY(\(ids))", logger: logger)
            }
            var marks = 0
            if let before = request.dedupeBefore {
                let rows = try await connection.query("""
                    WITH old AS (SELECT key FROM dedupe WHERE created_at < \(before.milliseconds) ORDER BY created_at LIMIT \(request.limit) FOR UPDATE SKIP LOCKED)
                    DELETE FROM dedupe WHERE key IN (SELECT key FROM old) RETURNING 1
                    """, logger: logger)
                for try await _ in rows.decode(Int.self) { marks += 1 }
            }
            return PurgeResult(instances: ids.count, dedupeMarks: marks)
        }
    }
}
