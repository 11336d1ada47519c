import BatonCore
import BatonStore
import PostgresNIO

extension PostgresStore: TransferableStore {
    public func inventory() async throws(StoreError) -> StoreInventory {
        let tables = [
            "definitions", "instances", "history", "step_executions", "timers", "event_waits", "buffered_events", "dedupe", "dead_letters", "outbox", "outbox_parked", "schedules",
            "held_dispatches", "api_keys", "audit_log",
        ]
        let counts = try await run("count the rows of every table") { [self] connection in
            var counts: [Int] = []
            for table in tables {
                for try await count in try await connection.query("SELECT COUNT(*)::bigint FROM \(unescaped: table)", logger: logger).decode(Int.self) {
                    counts.append(count)
                }
            }
            return counts
        }
        var inventory = StoreInventory()
        (inventory.definitions, inventory.instances, inventory.history, inventory.stepExecutions, inventory.timers, inventory.eventWaits) =
            (counts[0], counts[1], counts[2], counts[3], counts[4], counts[5])
        (inventory.bufferedEvents, inventory.dedupe, inventory.deadLetters, inventory.outbox, inventory.parkedOutbox, inventory.schedules) =
            (counts[6], counts[7], counts[8], counts[9], counts[10], counts[11])
        inventory.heldDispatches = counts[12]
        inventory.apiKeys = counts[13]
        inventory.auditRecords = counts[14]
        return inventory
    }

    public func dedupeEntries(after key: String, limit: Int) async throws(StoreError) -> [DedupeEntry] {
        let rows = try await run("list dedupe marks") { [self] connection in
            try await connection.query("SELECT key, value FROM dedupe WHERE key COLLATE \"C\" > \(key) ORDER BY key COLLATE \"C\" LIMIT \(limit)", logger: logger).collect()
        }
        var entries: [DedupeEntry] = []
        for row in rows {
            let (key, value) = try decode(row, (String, String).self, "a dedupe mark")
            entries.append(DedupeEntry(key: key, value: value))
        }
        return entries
    }

    public func allBufferedEvents() async throws(StoreError) -> [BufferedEvent] {
        let rows = try await run("list the kept events") { [self] connection in
            try await connection.query(
                "SELECT ref, event_key, event, correlation_key, data, origin, arrived_at, expires_at FROM buffered_events ORDER BY arrived_at, ref, event_key",
                logger: logger).collect()
        }
        var events: [BufferedEvent] = []
        for row in rows {
            let (ref, source, event, key, data, origin, arrivedAt, expiresAt) = try decode(
                row, (String, String, String, String, ByteBuffer, String, Int64, Int64).self, "a kept event")
            events.append(BufferedEvent(
                ref: ref, event: event, eventKeySource: source, correlationKey: key, data: try data.json("the data of kept event '\(ref)'"),
                origin: origin, arrivedAt: Timestamp(milliseconds: arrivedAt), expiresAt: Timestamp(milliseconds: expiresAt)))
        }
        return events
    }

    public func outbox(afterSequence sequence: Int64, limit: Int) async throws(StoreError) -> [OutboxMessage] {
        let rows = try await run("list the outbox") { [self] connection in
            try await connection.query(
                "SELECT sequence, topic, key, value, headers FROM outbox WHERE sequence > \(sequence) ORDER BY sequence LIMIT \(limit)", logger: logger).collect()
        }
        var messages: [OutboxMessage] = []
        for row in rows {
            let (sequence, topic, key, value, headers) = try decode(row, (Int64, String, ByteBuffer?, ByteBuffer, ByteBuffer?).self, "an outbox row")
            messages.append(OutboxMessage(
                sequence: sequence, topic: topic, key: key?.bytes, value: value.bytes, headers: try OutboxHeaderCoding.decode(headers?.bytes, sequence: sequence)))
        }
        return messages
    }

    public func heldDispatches(afterSequence sequence: Int64, limit: Int) async throws(StoreError) -> [(sequence: Int64, dispatch: HeldDispatch)] {
        let rows = try await run("list held task requests") { [self] connection in
            try await connection.query(
                "SELECT sequence, gate, topic, key, value, headers, task_id FROM held_dispatches WHERE sequence > \(sequence) ORDER BY sequence LIMIT \(limit)",
                logger: logger
            ).collect()
        }
        var held: [(sequence: Int64, dispatch: HeldDispatch)] = []
        for row in rows {
            let (sequence, gate, topic, key, value, headers, taskId) = try decode(row, (Int64, String, String, ByteBuffer?, ByteBuffer, ByteBuffer?, String?).self, "a held task request")
            let message = OutboxMessage(topic: topic, key: key?.bytes, value: value.bytes, headers: try OutboxHeaderCoding.decode(headers?.bytes, sequence: sequence))
            held.append((sequence, HeldDispatch(gate: gate, message: message, taskId: taskId)))
        }
        return held
    }

    public func importDeadLetters(_ records: [DeadLetterRecord]) async throws(StoreError) {
        guard !records.isEmpty else { return }
        try await transaction("import \(records.count) dead letters") { [self] connection in
            for record in records {
                try await connection.query("""
                    INSERT INTO dead_letters (id, source_topic, source_partition, source_offset, key, value, headers, reason, message, pointer, created_at, redriven_at, redrive_count)
                    OVERRIDING SYSTEM VALUE
                    VALUES (\(record.id), \(record.sourceTopic), \(Int(record.sourcePartition)), \(record.sourceOffset), \(record.key.bytea), \(Bytea(record.value)),
                            \(OutboxHeaderCoding.encode(record.headers).bytea), \(record.reason), \(record.message), \(record.pointer), \(record.createdAt.milliseconds),
                            \(record.redrivenAt?.milliseconds), \(record.redriveCount))
                    """, logger: logger)
            }
            // The next dead letter written by Baton takes the id after the highest imported.
            try await connection.query(
                "SELECT setval(pg_get_serial_sequence('dead_letters', 'id'), (SELECT MAX(id) FROM dead_letters))", logger: logger)
        }
    }
}
