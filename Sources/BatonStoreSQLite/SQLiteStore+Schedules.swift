import BatonCore
import BatonExpressions
import BatonStore

extension SQLiteStore: ScheduleStore {
    static let scheduleColumns = "id, workflow_id, document, state, next_fire_at, version, created_at, updated_at"

    public func createSchedule(_ schedule: ScheduleRecord) async throws(StoreError) {
        let (document, state) = (schedule.document.serializedBytes(), schedule.state.serializedBytes())
        try await perform { connection throws(StoreError) in
            try connection.withStatement("""
                INSERT INTO schedules (\(Self.scheduleColumns)) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7) ON CONFLICT (id) DO NOTHING
                """) { statement throws(StoreError) in
                try statement.bind(1, schedule.id)
                try statement.bind(2, schedule.workflowId)
                try statement.bind(3, text: document)
                try statement.bind(4, text: state)
                try statement.bind(5, schedule.nextFireAt.map { Int($0.milliseconds) })
                try statement.bind(6, schedule.createdAt.milliseconds)
                try statement.bind(7, schedule.updatedAt.milliseconds)
                try statement.run()
            }
            if connection.changes == 0 { throw StoreError.scheduleExists(schedule.id) }
        }
    }

    public func updateSchedule(_ schedule: ScheduleRecord, expectedVersion: Int) async throws(StoreError) -> ScheduleRecord {
        let (document, state) = (schedule.document.serializedBytes(), schedule.state.serializedBytes())
        return try await perform { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                try connection.withStatement("""
                    UPDATE schedules SET workflow_id = ?2, document = ?3, state = ?4, next_fire_at = ?5, version = ?6 + 1, updated_at = ?7
                    WHERE id = ?1 AND version = ?6
                    """) { statement throws(StoreError) in
                    try statement.bind(1, schedule.id)
                    try statement.bind(2, schedule.workflowId)
                    try statement.bind(3, text: document)
                    try statement.bind(4, text: state)
                    try statement.bind(5, schedule.nextFireAt.map { Int($0.milliseconds) })
                    try statement.bind(6, expectedVersion)
                    try statement.bind(7, schedule.updatedAt.milliseconds)
                    try statement.run()
                }
                let updated = connection.changes == 1
                let stored = try Self.readSchedule(id: schedule.id, connection)
                guard updated, let stored else {
                    throw StoreError.staleScheduleVersion(schedule.id, expected: expectedVersion, found: stored?.version)
                }
                return stored
            }
        }
    }

    public func schedule(id: String) async throws(StoreError) -> ScheduleRecord? {
        try await performRead { connection throws(StoreError) in try Self.readSchedule(id: id, connection) }
    }

    public func schedules(workflowId: String?) async throws(StoreError) -> [ScheduleRecord] {
        try await performRead { connection throws(StoreError) in
            let sql = workflowId == nil
                ? "SELECT \(Self.scheduleColumns) FROM schedules ORDER BY id"
                : "SELECT \(Self.scheduleColumns) FROM schedules WHERE workflow_id = ?1 ORDER BY id"
            return try connection.withStatement(sql) { statement throws(StoreError) in
                if let workflowId { try statement.bind(1, workflowId) }
                var records: [ScheduleRecord] = []
                while try statement.step() { records.append(try Self.scheduleRecord(statement)) }
                return records
            }
        }
    }

    public func dueSchedules(until: Timestamp, limit: Int) async throws(StoreError) -> [ScheduleRecord] {
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        return try await performRead { connection throws(StoreError) in
            let sql = "SELECT \(Self.scheduleColumns) FROM schedules WHERE next_fire_at <= ?1 ORDER BY next_fire_at, id LIMIT ?2"
            return try connection.withStatement(sql) { statement throws(StoreError) in
                try statement.bind(1, until.milliseconds)
                try statement.bind(2, limit)
                var records: [ScheduleRecord] = []
                while try statement.step() { records.append(try Self.scheduleRecord(statement)) }
                return records
            }
        }
    }

    public func deleteSchedule(id: String) async throws(StoreError) -> Bool {
        try await perform { connection throws(StoreError) in
            try connection.withStatement("DELETE FROM schedules WHERE id = ?1") { statement throws(StoreError) in
                try statement.bind(1, id)
                try statement.run()
            }
            return connection.changes == 1
        }
    }

    private static func readSchedule(id: String, _ connection: SQLiteConnection) throws(StoreError) -> ScheduleRecord? {
        try connection.withStatement("SELECT \(scheduleColumns) FROM schedules WHERE id = ?1") { statement throws(StoreError) in
            try statement.bind(1, id)
            return try statement.step() ? try scheduleRecord(statement) : nil
        }
    }

    private static func scheduleRecord(_ statement: SQLiteStatement) throws(StoreError) -> ScheduleRecord {
        let id = statement.string(0)
        return ScheduleRecord(
            id: id, workflowId: statement.string(1),
            document: try statement.json(2, "the document of schedule '\(id)'") ?? .null,
            state: try statement.json(3, "the state of schedule '\(id)'") ?? .null,
            nextFireAt: statement.isNull(4) ? nil : Timestamp(milliseconds: statement.int64(4)),
            version: statement.int(5), createdAt: Timestamp(milliseconds: statement.int64(6)), updatedAt: Timestamp(milliseconds: statement.int64(7))
        )
    }
}
