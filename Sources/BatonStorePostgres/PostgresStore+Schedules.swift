import BatonCore
import BatonExpressions
import BatonStore
import PostgresNIO

extension PostgresStore: ScheduleStore {
    public func createSchedule(_ schedule: ScheduleRecord) async throws(StoreError) {
        let (document, state) = (JSONText(schedule.document.serializedBytes()), JSONText(schedule.state.serializedBytes()))
        let next = schedule.nextFireAt?.milliseconds
        let created = try await run("create schedule '\(schedule.id)'") { [self] connection in
            try await connection.query("""
                INSERT INTO schedules (id, workflow_id, document, state, next_fire_at, version, created_at, updated_at)
                VALUES (\(schedule.id), \(schedule.workflowId), \(document), \(state), \(next), 1, \(schedule.createdAt.milliseconds), \(schedule.updatedAt.milliseconds))
                ON CONFLICT (id) DO NOTHING RETURNING 1
                """, logger: logger).collect().count
        }
        if created == 0 { throw StoreError.scheduleExists(schedule.id) }
    }

    /// One conditional UPDATE: the row lock it takes makes a concurrent update wait and then find
    /// the version moved, so exactly one of two deciders wins.
    public func updateSchedule(_ schedule: ScheduleRecord, expectedVersion: Int) async throws(StoreError) -> ScheduleRecord {
        let (document, state) = (JSONText(schedule.document.serializedBytes()), JSONText(schedule.state.serializedBytes()))
        let next = schedule.nextFireAt?.milliseconds
        let rows = try await run("update schedule '\(schedule.id)'") { [self] connection in
            try await connection.query("""
                UPDATE schedules SET workflow_id = \(schedule.workflowId), document = \(document), state = \(state), next_fire_at = \(next),
                    version = version + 1, updated_at = \(schedule.updatedAt.milliseconds)
                WHERE id = \(schedule.id) AND version = \(expectedVersion)
                RETURNING id, workflow_id, document, state, next_fire_at, version, created_at, updated_at
                """, logger: logger).collect()
        }
        guard let row = rows.first else {
            let found = try await self.schedule(id: schedule.id)?.version
            throw StoreError.staleScheduleVersion(schedule.id, expected: expectedVersion, found: found)
        }
        return try scheduleRecord(row)
    }

    public func schedule(id: String) async throws(StoreError) -> ScheduleRecord? {
        let rows = try await run("read schedule '\(id)'") { [self] connection in
            try await connection.query("""
                SELECT id, workflow_id, document, state, next_fire_at, version, created_at, updated_at FROM schedules WHERE id = \(id)
                """, logger: logger).collect()
        }
        return try rows.first.map { row throws(StoreError) in try scheduleRecord(row) }
    }

    public func schedules(workflowId: String?) async throws(StoreError) -> [ScheduleRecord] {
        let rows = try await run("list schedules") { [self] connection in
            if let workflowId {
                try await connection.query("""
                    SELECT id, workflow_id, document, state, next_fire_at, version, created_at, updated_at FROM schedules
                    WHERE workflow_id = \(workflowId) ORDER BY id COLLATE "C"
                    """, logger: logger).collect()
            } else {
                try await connection.query("""
                    SELECT id, workflow_id, document, state, next_fire_at, version, created_at, updated_at FROM schedules ORDER BY id COLLATE "C"
                    """, logger: logger).collect()
            }
        }
        var records: [ScheduleRecord] = []
        for row in rows { records.append(try scheduleRecord(row)) }
        return records
    }

    public func dueSchedules(until: Timestamp, limit: Int) async throws(StoreError) -> [ScheduleRecord] {
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        let rows = try await run("read due schedules") { [self] connection in
            try await connection.query("""
                SELECT id, workflow_id, document, state, next_fire_at, version, created_at, updated_at FROM schedules
                WHERE next_fire_at <= \(until.milliseconds) ORDER BY next_fire_at, id COLLATE "C" LIMIT \(limit)
                """, logger: logger).collect()
        }
        var records: [ScheduleRecord] = []
        for row in rows { records.append(try scheduleRecord(row)) }
        return records
    }

    public func deleteSchedule(id: String) async throws(StoreError) -> Bool {
        try await run("delete schedule '\(id)'") { [self] connection in
            try await connection.query("DELETE FROM schedules WHERE id = \(id) RETURNING 1", logger: logger).collect().count == 1
        }
    }

    private func scheduleRecord(_ row: PostgresRow) throws(StoreError) -> ScheduleRecord {
        let (id, workflowId, document, state, next, version, created, updated) = try decode(
            row, (String, String, ByteBuffer, ByteBuffer, Int64?, Int, Int64, Int64).self, "a schedule")
        return ScheduleRecord(
            id: id, workflowId: workflowId, document: try document.json("the document of schedule '\(id)'"),
            state: try state.json("the state of schedule '\(id)'"), nextFireAt: next.map(Timestamp.init(milliseconds:)),
            version: version, createdAt: Timestamp(milliseconds: created), updatedAt: Timestamp(milliseconds: updated)
        )
    }
}
