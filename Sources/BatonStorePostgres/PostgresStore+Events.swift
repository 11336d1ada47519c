import BatonCore
import BatonExpressions
import BatonStore
import Logging
import PostgresNIO

/// The event-wait index and the kept events of `waitForEvent` steps.
extension PostgresStore {
    public func eventWaits(event: String, eventKeySource source: String, correlationKey key: String) async throws(StoreError) -> [WaitingInstance] {
        try await run("read the waits for '\(event)'") { [self] connection in
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
        try await run("read the eventKey expressions for '\(event)'") { [self] connection in
            var sources: [String] = []
            let rows = try await connection.query(
                "SELECT DISTINCT event_key FROM event_waits WHERE event = \(event) AND event_key IS NOT NULL ORDER BY event_key", logger: logger)
            for try await source in rows.decode(String.self) { sources.append(source) }
            return sources
        }
    }

    public func bufferedEvents(event: String, eventKeySource source: String, correlationKey key: String, at now: Timestamp) async throws(StoreError) -> [BufferedEvent] {
        let rows = try await run("read the kept events for '\(event)'") { [self] connection in
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

    /// The batch's wait changes (reduced to the last per wait: they are ordered, a multi-row
    /// statement is not) and kept events, inside its transaction, a statement per kind.
    static func writeEventIndex(_ batch: EncodedBatch, to connection: PostgresConnection, logger: Logger) async throws {
        if !batch.waits.isEmpty {
            var last: [String: WaitChange] = [:]
            var order: [String] = []
            for change in batch.waits {
                let key: String
                switch change {
                case .set(let instanceId, let wait): key = instanceId + "\u{0}" + wait.id
                case .delete(let instanceId, let waitId): key = instanceId + "\u{0}" + waitId
                }
                if last[key] == nil { order.append(key) }
                last[key] = change
            }
            var sets = (ids: TextColumn(), waitIds: TextColumn(), events: TextColumn(), eventKeys: TextColumn(), correlationKeys: TextColumn())
            var deletes = (ids: TextColumn(), waitIds: TextColumn())
            for key in order {
                switch last[key] {
                case .set(let instanceId, let wait)?:
                    sets.ids.append(instanceId)
                    sets.waitIds.append(wait.id)
                    sets.events.append(wait.event)
                    sets.eventKeys.append(wait.eventKeySource)
                    sets.correlationKeys.append(wait.correlationKey)
                case .delete(let instanceId, let waitId)?:
                    deletes.ids.append(instanceId)
                    deletes.waitIds.append(waitId)
                case nil:
                    break
                }
            }
            if !deletes.ids.isEmpty {
                try await connection.query("""
                    DELETE FROM event_waits AS w USING unnest(\(deletes.ids)::text[], \(deletes.waitIds)::text[]) AS x(instance_id, wait_id)
                    WHERE w.instance_id = x.instance_id AND w.wait_id = x.wait_id
                    """, logger: logger)
            }
            if !sets.ids.isEmpty {
                try await connection.query("""
                    INSERT INTO event_waits (instance_id, wait_id, event, event_key, correlation_key)
                    SELECT * FROM unnest(\(sets.ids)::text[], \(sets.waitIds)::text[], \(sets.events)::text[], \(sets.eventKeys)::text[],
                        \(sets.correlationKeys)::text[])
                    ON CONFLICT (instance_id, wait_id) DO UPDATE SET event = excluded.event, event_key = excluded.event_key, correlation_key = excluded.correlation_key
                    """, logger: logger)
            }
        }
        if !batch.bufferedEvents.isEmpty {
            var rows = (refs: TextColumn(), eventKeys: TextColumn(), events: TextColumn(), correlationKeys: TextColumn())
            var rest = (data: TextColumn(), origins: TextColumn(), arrivedAt: Int8Column(), expiresAt: Int8Column())
            for (event, data) in batch.bufferedEvents {
                rows.refs.append(event.ref)
                rows.eventKeys.append(event.eventKeySource)
                rows.events.append(event.event)
                rows.correlationKeys.append(event.correlationKey)
                rest.data.append(utf8: data)
                rest.origins.append(event.origin)
                rest.arrivedAt.append(event.arrivedAt.milliseconds)
                rest.expiresAt.append(event.expiresAt.milliseconds)
            }
            // A redelivered event (same ref) is kept once.
            try await connection.query("""
                INSERT INTO buffered_events (ref, event_key, event, correlation_key, data, origin, arrived_at, expires_at)
                SELECT * FROM unnest(\(rows.refs)::text[], \(rows.eventKeys)::text[], \(rows.events)::text[], \(rows.correlationKeys)::text[],
                    \(rest.data)::text[], \(rest.origins)::text[], \(rest.arrivedAt)::bigint[], \(rest.expiresAt)::bigint[])
                ON CONFLICT (ref, event_key) DO NOTHING
                """, logger: logger)
        }
        if !batch.consumedEvents.isEmpty {
            try await connection.query("DELETE FROM buffered_events WHERE ref = ANY(\(batch.consumedEvents))", logger: logger)
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
