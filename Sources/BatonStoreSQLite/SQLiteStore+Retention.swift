import BatonCore
import BatonStore

extension SQLiteStore {
    /// One bounded transaction on the writer, between commits: the commit path waits for at most
    /// one batch of `limit` instances (measured in `RetentionTests`). Freed pages go to SQLite's
    /// free list and are reused by the next writes, so a store under retention stops growing.
    public func purge(_ request: PurgeRequest) async throws(StoreError) -> PurgeResult {
        try await perform { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let ids = try Self.finishedInstances(request, connection)
                for sql in Self.purgeInstance {
                    let statement = try connection.statement(sql)
                    for id in ids {
                        try statement.bind(1, id)
                        try statement.run()
                    }
                }
                var marks = 0
                if let before = request.dedupeBefore {
                    try connection.withStatement("DELETE FROM dedupe WHERE key IN (SELECT key FROM dedupe WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)") {
                        statement throws(StoreError) in
                        try statement.bind(1, before.milliseconds)
                        try statement.bind(2, request.limit)
                        while try statement.step() {}
                    }
                    marks = connection.changes
                }
                return PurgeResult(instances: ids.count, dedupeMarks: marks)
            }
        }
    }

    /// Children first: history and step executions reference their instance.
    static let purgeInstance = [
        "DELETE FROM history WHERE instance_id = ?1",
        "DELETE FROM step_executions WHERE instance_id = ?1",
        "DELETE FROM instance_parts WHERE instance_id = ?1",
        "DELETE FROM timers WHERE instance_id = ?1",
        "DELETE FROM event_waits WHERE instance_id = ?1",
        "DELETE FROM instances WHERE id = ?1",
    ]

    static let finishedList = PurgeRequest.finishedStatuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    /// Oldest first through `instances_finished`: each workflow with a cutoff of its own, then
    /// the rest under the default cutoff, `limit` in all.
    private static func finishedInstances(_ request: PurgeRequest, _ connection: SQLiteConnection) throws(StoreError) -> [String] {
        var ids: [String] = []
        for (workflowId, cutoff) in request.workflowCutoffs.sorted(by: { $0.key < $1.key }) {
            guard let cutoff, ids.count < request.limit else { continue }
            let sql = "SELECT id FROM instances WHERE status IN (\(finishedList)) AND updated_at < ?1 AND workflow_id = ?2 ORDER BY updated_at LIMIT ?3"
            try connection.withStatement(sql) { statement throws(StoreError) in
                try statement.bind(1, cutoff.milliseconds)
                try statement.bind(2, workflowId)
                try statement.bind(3, request.limit - ids.count)
                while try statement.step() { ids.append(statement.string(0)) }
            }
        }
        guard let cutoff = request.finishedBefore, ids.count < request.limit else { return ids }
        let excluded = request.workflowCutoffs.keys.sorted()
        let placeholders = excluded.indices.map { "?\($0 + 3)" }.joined(separator: ", ")
        let sql = "SELECT id FROM instances WHERE status IN (\(finishedList)) AND updated_at < ?1"
            + (excluded.isEmpty ? "" : " AND workflow_id NOT IN (\(placeholders))") + " ORDER BY updated_at LIMIT ?2"
        try connection.withStatement(sql) { statement throws(StoreError) in
            try statement.bind(1, cutoff.milliseconds)
            try statement.bind(2, request.limit - ids.count)
            for (index, workflowId) in excluded.enumerated() { try statement.bind(Int32(index + 3), workflowId) }
            while try statement.step() { ids.append(statement.string(0)) }
        }
        return ids
    }
}
