import BatonCore
import BatonStore

extension SQLiteStore: TransferableStore {
    public func inventory() async throws(StoreError) -> StoreInventory {
        try await performRead { connection throws(StoreError) in
            func count(_ table: String) throws(StoreError) -> Int {
                try connection.withStatement("SELECT COUNT(*) FROM \(table)") { statement throws(StoreError) in try statement.step() ? statement.int(0) : 0 }
            }
            var inventory = StoreInventory()
            inventory.definitions = try count("definitions")
            inventory.instances = try count("instances")
            inventory.history = try count("history")
            inventory.stepExecutions = try count("step_executions")
            inventory.timers = try count("timers")
            inventory.eventWaits = try count("event_waits")
            inventory.bufferedEvents = try count("buffered_events")
            inventory.dedupe = try count("dedupe")
            inventory.deadLetters = try count("dead_letters")
            inventory.outbox = try count("outbox")
            inventory.parkedOutbox = try count("outbox_parked")
            inventory.schedules = try count("schedules")
            inventory.heldDispatches = try count("held_dispatches")
            inventory.apiKeys = try count("api_keys")
            inventory.auditRecords = try count("audit_log")
            return inventory
        }
    }

    public func heldDispatches(afterSequence sequence: Int64, limit: Int) async throws(StoreError) -> [(sequence: Int64, dispatch: HeldDispatch)] {
        try await performRead { connection throws(StoreError) in
            try connection.withStatement(
                "SELECT sequence, gate, topic, key, value, headers, task_id FROM held_dispatches WHERE sequence > ?1 ORDER BY sequence LIMIT ?2"
            ) { statement throws(StoreError) in
                try statement.bind(1, sequence)
                try statement.bind(2, limit)
                var rows: [(sequence: Int64, dispatch: HeldDispatch)] = []
                while try statement.step() {
                    let sequence = statement.int64(0)
                    let headers = try OutboxHeaderCoding.decode(statement.optionalBlob(5), sequence: sequence)
                    let message = OutboxMessage(topic: statement.string(2), key: statement.optionalBlob(3), value: statement.blob(4), headers: headers)
                    rows.append((sequence, HeldDispatch(gate: statement.string(1), message: message, taskId: statement.optionalString(6))))
                }
                return rows
            }
        }
    }

    public func dedupeEntries(after key: String, limit: Int) async throws(StoreError) -> [DedupeEntry] {
        try await performRead { connection throws(StoreError) in
            try connection.withStatement("SELECT key, value FROM dedupe WHERE key > ?1 ORDER BY key LIMIT ?2") { statement throws(StoreError) in
                try statement.bind(1, key)
                try statement.bind(2, limit)
                var entries: [DedupeEntry] = []
                while try statement.step() { entries.append(DedupeEntry(key: statement.string(0), value: statement.string(1))) }
                return entries
            }
        }
    }

    public func allBufferedEvents() async throws(StoreError) -> [BufferedEvent] {
        try await performRead { connection throws(StoreError) in
            let sql = "SELECT ref, event_key, event, correlation_key, data, origin, arrived_at, expires_at FROM buffered_events ORDER BY arrived_at, ref, event_key"
            return try connection.withStatement(sql) { statement throws(StoreError) in
                var events: [BufferedEvent] = []
                while try statement.step() {
                    let ref = statement.string(0)
                    events.append(BufferedEvent(
                        ref: ref, event: statement.string(2), eventKeySource: statement.string(1), correlationKey: statement.string(3),
                        data: try statement.json(4, "the data of kept event '\(ref)'") ?? .null, origin: statement.string(5),
                        arrivedAt: Timestamp(milliseconds: statement.int64(6)), expiresAt: Timestamp(milliseconds: statement.int64(7))))
                }
                return events
            }
        }
    }

    public func outbox(afterSequence sequence: Int64, limit: Int) async throws(StoreError) -> [OutboxMessage] {
        try await performRead { connection throws(StoreError) in try Self.outboxRows(after: sequence, limit: limit, on: connection) }
    }

    public func importDeadLetters(_ records: [DeadLetterRecord]) async throws(StoreError) {
        guard !records.isEmpty else { return }
        try await perform { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let insert = try connection.statement("""
                    INSERT INTO dead_letters (id, source_topic, source_partition, source_offset, key, value, headers, reason, message, pointer, created_at, redriven_at, redrive_count)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                    """)
                for record in records {
                    try insert.bind(1, record.id)
                    try insert.bind(2, record.sourceTopic)
                    try insert.bind(3, Int(record.sourcePartition))
                    try insert.bind(4, record.sourceOffset)
                    try insert.bind(5, blob: record.key)
                    try insert.bind(6, blob: record.value)
                    try insert.bind(7, blob: OutboxHeaderCoding.encode(record.headers))
                    try insert.bind(8, record.reason)
                    try insert.bind(9, record.message)
                    try insert.bind(10, record.pointer)
                    try insert.bind(11, record.createdAt.milliseconds)
                    try insert.bind(12, record.redrivenAt.map { Int($0.milliseconds) })
                    try insert.bind(13, record.redriveCount)
                    try insert.run()
                }
            }
        }
    }
}
