import BatonCore
import BatonExpressions
import BatonStore
import Logging
import PostgresNIO

/// The event-wait index and the kept events of `waitForEvent` steps.
extension PostgresStore {
    public func eventWaits(event: String, eventKeySource source: String, correlationKey key: String) async throws(StoreError) -> [WaitingInstance] {
        try await run("read the waits for '\(event)'") { connection in
            var waits: [WaitingInstance] = []
            let rows = try await connection.query("""
                SELECT instance_id, wait_id FROM event_waits WHERE event = \(event) AND event_key = \(source) AND correlation_key = \(key)
                ORDER BY instance_id, wait_id
                """, logger: logger)
            for try await (instanceId, waitId) in rows.decode((String, String).self) { waits.append(WaitingInstance(instanceId: instanceId, waitId: waitId)) }
            return waits
        }
    }

    public func eventKeySources(event: String) async throws(StoreError) -> [String] {
        try await run("read the eventKey expressions for '\(event)'") { connection in
            var sources: [String] = []
            let rows = try await connection.query(
                "SELECT DISTINCT event_key FROM event_waits WHERE event = \(event) AND event_key IS NOT NULL ORDER BY event_key", logger: logger)
            for try await source in rows.decode(String.self) { sources.append(source) }
            return sources
        }
    }

    public func bufferedEvents(event: String, eventKeySource source: String, correlationKey key: String, at now: Timestamp) async throws(StoreError) -> [BufferedEvent] {
        let rows = try await run("read the kept events for '\(event)'") { connection in
            try await connection.query("""
                SELECT ref, data, origin, arrived_at, expires_at FROM buffered_events
                WHERE event = \(event) AND event_key = \(source) AND correlation_key = \(key) AND expires_at > \(now.milliseconds)
                ORDER BY arrived_at, ref
                """, logger: logger).collect()
        }
        var events: [BufferedEvent] = []
        for row in rows {
            let (ref, data, origin, arrivedAt, expiresAt) = try decode(row, (String, ByteBuffer, String, Int64, Int64).self, "a kept event")
            events.append(BufferedEvent(
                ref: ref, event: event, eventKeySource: source, correlationKey: key, data: try data.json("the data of kept event '\(ref)'"),
                origin: origin, arrivedAt: Timestamp(milliseconds: arrivedAt), expiresAt: Timestamp(milliseconds: expiresAt)))
        }
        return events
    }

    /// The batch's wait changes and kept events, inside its transaction.
    static func writeEventIndex(_ batch: EncodedBatch, to connection: PostgresConnection, logger: Logger) async throws {
        for change in batch.waits {
            switch change {
            case .set(let instanceId, let wait):
                try await connection.query("""
                    INSERT INTO event_waits (instance_id, wait_id, event, event_key, correlation_key)
                    VALUES (\(instanceId), \(wait.id), \(wait.event), \(wait.eventKeySource), \(wait.correlationKey))
                    ON CONFLICT (instance_id, wait_id) DO UPDATE SET event = excluded.event, event_key = excluded.event_key, correlation_key = excluded.correlation_key
                    """, logger: logger)
            case .delete(let instanceId, let waitId):
                try await connection.query("DELETE FROM event_waits WHERE instance_id = \(instanceId) AND wait_id = \(waitId)", logger: logger)
            }
        }
        for (event, data) in batch.bufferedEvents {
            // A redelivered event (same ref) is kept once.
            try await connection.query("""
                INSERT INTO buffered_events (ref, event_key, event, correlation_key, data, origin, arrived_at, expires_at)
                VALUES (\(event.ref), \(event.eventKeySource), \(event.event), \(event.correlationKey), \(JSONText(data)), \(event.origin),
                        \(event.arrivedAt.milliseconds), \(event.expiresAt.milliseconds))
                ON CONFLICT (ref, event_key) DO NOTHING
                """, logger: logger)
        }
        for ref in batch.consumedEvents {
            try await connection.query("DELETE FROM buffered_events WHERE ref = \(ref)", logger: logger)
        }
        if let before = batch.eventsExpiredBefore {
            // Bounded, so a backlog of expired rows never makes one commit slow.
            try await connection.query("""
                DELETE FROM buffered_events WHERE (ref, event_key) IN
                    (SELECT ref, event_key FROM buffered_events WHERE expires_at <= \(before) LIMIT 500)
                """, logger: logger)
        }
    }
}

extension PostgresStore {
    /// Decodes a row, a mismatch reported as `.corrupt` (the schema was changed outside Baton).
    func decode<each Column: PostgresDecodable>(_ row: PostgresRow, _ types: (repeat each Column).Type, _ what: @autoclosure () -> String) throws(StoreError) -> (repeat each Column) {
        do {
            return try row.decode(types)
        } catch {
            throw StoreError(.corrupt, "\(what()) does not decode (\(error)); was the schema changed outside Baton?")
        }
    }
}
