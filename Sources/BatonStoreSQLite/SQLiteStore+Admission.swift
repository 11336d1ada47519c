import BatonCore
import BatonStore

extension SQLiteStore {
    /// One write transaction (SQLite's single writer keeps passes apart). Reads each waiting
    /// workflow's latest definition and only unfinished rows: the queue through `instances_queued`, what runs through `instances_unfinished`, and
    /// pending admissions through `timers_admission`, however many finished instances the file keeps.
    public func admit(_ request: AdmissionRequest) async throws(StoreError) -> AdmissionResult {
        try await perform { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let waiting = try Self.counts(AdmissionSQL.waiting, connection)
                guard !waiting.isEmpty else { return AdmissionResult() }
                let occupied = try Self.counts(AdmissionSQL.occupied, connection)
                var candidates: [QueuedInstance] = []
                var limits: [String: Int] = [:]
                try connection.withStatement(Self.limitSQL) { statement throws(StoreError) in
                    for workflowId in waiting.keys {
                        try statement.bind(1, workflowId)
                        if try statement.step(), !statement.isNull(0) { limits[workflowId] = statement.int(0) }
                        statement.reset()
                    }
                }
                let room = AdmissionPlanner.room(request, limits: limits, waiting: waiting, occupied: occupied)
                try connection.withStatement(Self.oldestWaitingSQL) { statement throws(StoreError) in
                    for (workflowId, free) in room.sorted(by: { $0.key < $1.key }) {
                        try statement.bind(1, workflowId)
                        try statement.bind(2, free)
                        while try statement.step() {
                            candidates.append(QueuedInstance(id: statement.string(0), workflowId: workflowId, createdAt: Timestamp(milliseconds: statement.int64(1))))
                        }
                        statement.reset()
                    }
                }
                let admitted = AdmissionPlanner.choose(request, candidates: candidates, occupied: occupied)
                try connection.withStatement(CommitSQL.setTimer) { statement throws(StoreError) in
                    for instance in admitted {
                        try statement.bind(1, instance.id)
                        try statement.bind(2, admissionTimerId)
                        try statement.bind(3, request.now.milliseconds)
                        try statement.run()
                    }
                }
                return AdmissionResult(admitted: admitted.map(\.id), waiting: AdmissionPlanner.remaining(waiting: waiting, admitted: admitted))
            }
        }
    }

    /// The latest version's `maxConcurrent` (NULL when it has none).
    static let limitSQL = "SELECT json_extract(document, '$.maxConcurrent') FROM definitions WHERE id = ?1 ORDER BY version DESC LIMIT 1"
    static let oldestWaitingSQL = """
        SELECT id, created_at FROM instances i WHERE workflow_id = ?1 AND status = 'QUEUED'
        AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.instance_id = i.id AND t.timer_id = '\(admissionTimerId)')
        ORDER BY created_at, id LIMIT ?2
        """

    private static func counts(_ sql: String, _ connection: SQLiteConnection) throws(StoreError) -> [String: Int] {
        try connection.withStatement(sql) { statement throws(StoreError) in
            var counts: [String: Int] = [:]
            while try statement.step() { counts[statement.string(0)] = statement.int(1) }
            return counts
        }
    }
}
