import BatonCore
import BatonExpressions
import BatonStore

/// The event-wait index and the kept events of `waitForEvent` steps.
extension SQLiteStore {
    public func eventWaits(event: String, eventKeySource source: String, correlationKey key: String) async throws(StoreError) -> [WaitingInstance] {
        try await performRead { connection throws(StoreError) in
            let sql = "SELECT instance_id, wait_id FROM event_waits WHERE event = ?1 AND event_key = ?2 AND correlation_key = ?3 ORDER BY instance_id, wait_id"
            return try connection.withStatement(sql) { statement throws(StoreError) in
                try statement.bind(1, event)
                try statement.bind(2, source)
                try statement.bind(3, key)
                var waits: [WaitingInstance] = []
                while try statement.step() { waits.append(WaitingInstance(instanceId: statement.string(0), waitId: statement.string(1))) }
                return waits
            }
        }
    }

    public func eventKeySources(event: String) async throws(StoreError) -> [String] {
        try await performRead { connection throws(StoreError) in
            try connection.withStatement("SELECT DISTINCT event_key FROM event_waits WHERE event = ?1 AND event_key IS NOT NULL ORDER BY event_key") { statement throws(StoreError) in
                try statement.bind(1, event)
                var sources: [String] = []
                while try statement.step() { sources.append(statement.string(0)) }
                return sources
            }
        }
    }

    public func bufferedEvents(event: String, eventKeySource source: String, correlationKey key: String, at now: Timestamp) async throws(StoreError) -> [BufferedEvent] {
        try await performRead { connection throws(StoreError) in
            let sql = """
                SELECT ref, data, origin, arrived_at, expires_at FROM buffered_events
                WHERE event = ?1 AND event_key = ?2 AND correlation_key = ?3 AND expires_at > ?4 ORDER BY arrived_at, ref
                """
            return try connection.withStatement(sql) { statement throws(StoreError) in
                try statement.bind(1, event)
                try statement.bind(2, source)
                try statement.bind(3, key)
                try statement.bind(4, now.milliseconds)
                var events: [BufferedEvent] = []
                while try statement.step() {
                    let ref = statement.string(0)
                    events.append(BufferedEvent(
                        ref: ref, event: event, eventKeySource: source, correlationKey: key,
                        data: try statement.json(1, "the data of kept event '\(ref)'") ?? .null, origin: statement.string(2),
                        arrivedAt: Timestamp(milliseconds: statement.int64(3)), expiresAt: Timestamp(milliseconds: statement.int64(4))
                    ))
                }
                return events
            }
        }
    }

    /// The batch's wait changes and kept events, inside its transaction.
    static func writeEventIndex(_ batch: EncodedBatch, _ connection: SQLiteConnection) throws(StoreError) {
        if !batch.waits.isEmpty {
            let set = try connection.statement(EventSQL.setWait)
            let delete = try connection.statement(EventSQL.deleteWait)
            for change in batch.waits {
                switch change {
                case .set(let instanceId, let wait):
                    try set.bind(1, instanceId)
                    try set.bind(2, wait.id)
                    try set.bind(3, wait.event)
                    try set.bind(4, wait.eventKeySource)
                    try set.bind(5, wait.correlationKey)
                    try set.run()
                case .delete(let instanceId, let waitId):
                    try delete.bind(1, instanceId)
                    try delete.bind(2, waitId)
                    try delete.run()
                }
            }
        }
        if !batch.bufferedEvents.isEmpty {
            let insert = try connection.statement(EventSQL.keepEvent)
            for (event, data) in batch.bufferedEvents {
                try insert.bind(1, event.ref)
                try insert.bind(2, event.eventKeySource)
                try insert.bind(3, event.event)
                try insert.bind(4, event.correlationKey)
                try insert.bind(5, text: data)
                try insert.bind(6, event.origin)
                try insert.bind(7, event.arrivedAt.milliseconds)
                try insert.bind(8, event.expiresAt.milliseconds)
                try insert.run()
            }
        }
        if !batch.consumedEvents.isEmpty {
            let delete = try connection.statement(EventSQL.consumeEvent)
            for ref in batch.consumedEvents {
                try delete.bind(1, ref)
                try delete.run()
            }
        }
        if let before = batch.eventsExpiredBefore {
            let purge = try connection.statement(EventSQL.purgeExpired)
            try purge.bind(1, before)
            try purge.run()
        }
    }
}

enum EventSQL {
    static let setWait = """
        INSERT INTO event_waits (instance_id, wait_id, event, event_key, correlation_key) VALUES (?1, ?2, ?3, ?4, ?5)
        ON CONFLICT (instance_id, wait_id) DO UPDATE SET event = excluded.event, event_key = excluded.event_key, correlation_key = excluded.correlation_key
        """
    static let deleteWait = "DELETE FROM event_waits WHERE instance_id = ?1 AND wait_id = ?2"
    /// A redelivered event (same ref) is kept once.
    static let keepEvent = """
        INSERT OR IGNORE INTO buffered_events (ref, event_key, event, correlation_key, data, origin, arrived_at, expires_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
        """
    static let consumeEvent = "DELETE FROM buffered_events WHERE ref = ?1"
    /// Bounded, so a backlog of expired rows never makes one commit slow.
    static let purgeExpired = "DELETE FROM buffered_events WHERE (ref, event_key) IN (SELECT ref, event_key FROM buffered_events WHERE expires_at <= ?1 LIMIT 500)"
}
