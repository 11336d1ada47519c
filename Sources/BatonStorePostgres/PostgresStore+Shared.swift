import BatonCore
import BatonStore
import PostgresNIO

/// What several processes on one database need besides compare-and-set commits: outbox shard
/// leases (one publisher per shard, fenced by an epoch) and timer claims.
extension PostgresStore {
    /// The database's clock in milliseconds, inside a query (leases and claims are compared
    /// against one clock, whatever the processes' clocks say).
    static let databaseNow = "(extract(epoch from clock_timestamp()) * 1000)::bigint"

    /// How long a claimed timer stays with the process that claimed it: long enough to decide and
    /// commit it, short enough that a process that died holding it delays it only this much.
    static let timerClaimMilliseconds: Int64 = 15_000

    public func leaseOutboxShards(member: String, leaseMilliseconds lease: Int64) async throws(StoreError) -> OutboxLeaseGrant {
        guard lease > 0 else { throw StoreError(.invalid, "a lease must last longer than 0 ms, got \(lease)") }
        return try await transaction("lease outbox shards") { [self] connection in
            var now: Int64 = 0
            for try await value in try await connection.query("SELECT \(unescaped: Self.databaseNow)", logger: logger).decode(Int64.self) { now = value }
            try await connection.query("""
                INSERT INTO baton_members (member, seen_at) VALUES (\(member), \(now))
                ON CONFLICT (member) DO UPDATE SET seen_at = excluded.seen_at
                """, logger: logger)
            // Members gone for long are forgotten; those gone for one lease are not counted.
            try await connection.query("DELETE FROM baton_members WHERE seen_at < \(now - 10 * lease)", logger: logger)
            var members = 1
            for try await count in try await connection.query("SELECT COUNT(*) FROM baton_members WHERE seen_at >= \(now - lease)", logger: logger).decode(Int.self) {
                members = max(1, count)
            }
            let fairShare = (OutboxShards.count + members - 1) / members
            var held: [OutboxLease] = []
            let renewed = try await connection.query("""
                UPDATE outbox_shards SET lease_until = \(now + lease) WHERE owner = \(member) AND lease_until >= \(now) RETURNING shard, epoch
                """, logger: logger)
            for try await (shard, epoch) in renewed.decode((Int, Int64).self) { held.append(OutboxLease(shard: shard, epoch: epoch)) }
            held.sort { $0.shard < $1.shard }
            if held.count > fairShare {
                let extra = held[fairShare...].map(\.shard)
                held.removeLast(held.count - fairShare)
                try await connection.query("UPDATE outbox_shards SET owner = NULL, lease_until = 0 WHERE owner = \(member) AND shard = ANY(\(extra))", logger: logger)
            } else if held.count < fairShare {
                let taken = try await connection.query("""
                    UPDATE outbox_shards SET owner = \(member), epoch = epoch + 1, lease_until = \(now + lease)
                    WHERE shard IN (
                        SELECT shard FROM outbox_shards WHERE owner IS NULL OR lease_until < \(now)
                        ORDER BY shard LIMIT \(fairShare - held.count) FOR UPDATE SKIP LOCKED)
                    RETURNING shard, epoch
                    """, logger: logger)
                for try await (shard, epoch) in taken.decode((Int, Int64).self) { held.append(OutboxLease(shard: shard, epoch: epoch)) }
                held.sort { $0.shard < $1.shard }
            }
            return OutboxLeaseGrant(leases: held, members: members)
        }
    }

    public func releaseOutboxShards(member: String) async throws(StoreError) {
        try await transaction("release outbox shards") { [self] connection in
            try await connection.query("UPDATE outbox_shards SET owner = NULL, lease_until = 0 WHERE owner = \(member)", logger: logger)
            try await connection.query("DELETE FROM baton_members WHERE member = \(member)", logger: logger)
        }
    }

    /// - Throws: `.invalid` for a limit below 1.
    public func scanOutbox(
        leases: [OutboxLease], after: Int64, excluding: [Int64], known: [Int64: OutboxMessage], limit: Int
    ) async throws(StoreError) -> OutboxScan {
        guard limit >= 1 else { throw StoreError(.invalid, "limit must be at least 1, got \(limit)") }
        let shards = leases.map(\.shard)
        let knownSequences = Array(known.keys)
        // The sequence's last value, then a new transaction id (taken after it, and newer than
        // every id given out before it: a snapshot's upper bound may be an older one, reused
        // while no transaction ends), in a statement of their own, so the read below takes its
        // snapshot after both (see `OutboxHorizon`). The id costs a commit record, not a flush:
        // the statement writes nothing else. A known row's columns are left unread (a value over
        // ~2 KB is stored compressed out of line: reading it back means fetching and
        // decompressing it, then decoding it here).
        let (lastSequence, nextTransaction, rows) = try await run("read the outbox of leased shards") { [self] connection in
            var (last, next): (Int64, Int64) = (0, 0)
            // Until the first row, `last_value` is the value the next row gets (`is_called` false).
            let horizon = try await connection.query("""
                SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END, pg_current_xact_id()::text::bigint FROM outbox_sequence_seq
                """, logger: logger)
            for try await (value, id) in horizon.decode((Int64, Int64).self) { (last, next) = (value, id) }
            let rows = try await connection.query("""
                SELECT h.oldest, o.sequence, o.known, CASE WHEN o.known THEN NULL ELSE o.topic END, CASE WHEN o.known THEN NULL ELSE o.key END,
                    CASE WHEN o.known THEN NULL ELSE o.value END, CASE WHEN o.known THEN NULL ELSE o.headers END
                FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS oldest) AS h
                LEFT JOIN LATERAL (
                    SELECT sequence, sequence = ANY(\(knownSequences)) AS known, topic, key, value, headers FROM outbox
                    WHERE sequence > \(after) AND shard = ANY(\(shards)) AND sequence <> ALL(\(excluding)) ORDER BY sequence LIMIT \(limit)) AS o ON true
                ORDER BY o.sequence
                """, logger: logger).collect()
            return (last, next, rows)
        }
        var messages: [OutboxMessage] = []
        messages.reserveCapacity(rows.count)
        var horizon = OutboxHorizon(lastSequence: lastSequence, oldestRunning: 0, nextTransaction: nextTransaction)
        for row in rows {
            let (oldest, sequence, isKnown, topic, key, value, headers) = try decode(
                row, (Int64, Int64?, Bool?, String?, ByteBuffer?, ByteBuffer?, ByteBuffer?).self, "an outbox row")
            horizon.oldestRunning = oldest
            guard let sequence else { continue }
            if isKnown == true, let message = known[sequence] {
                messages.append(message)
                continue
            }
            guard let topic, let value else { throw StoreError(.corrupt, "outbox row \(sequence) has no topic or value") }
            messages.append(OutboxMessage(
                sequence: sequence, topic: topic, key: key?.bytes, value: value.bytes,
                headers: try OutboxHeaderCoding.decode(headers?.bytes, sequence: sequence)))
        }
        return OutboxScan(rows: leases.isEmpty ? [] : messages, horizon: horizon)
    }

    @discardableResult
    public func markOutboxSent(_ sequences: [Int64], member: String, leases: [OutboxLease]) async throws(StoreError) -> Int {
        guard !sequences.isEmpty, !leases.isEmpty else { return 0 }
        let shards = leases.map(\.shard)
        let epochs = leases.map(\.epoch)
        return try await run("remove published outbox rows of leased shards") { [self] connection in
            // Driven by the primary key, one probe per sequence. The shard test is kept out of
            // the index (`+ 0`): offered `outbox_by_shard`, the planner walked every row of every
            // leased shard, dead ones included, and filtered them against the sequence list —
            // 50 ms a call in the benchmark (106 ms for 1,000 rows in EXPLAIN ANALYZE; 2.7 ms
            // this way).
            let removed = try await connection.query("""
                DELETE FROM outbox AS o USING unnest(\(sequences)::bigint[]) AS q(sequence)
                WHERE o.sequence = q.sequence AND (o.shard + 0) = ANY(ARRAY(
                    SELECT s.shard FROM outbox_shards AS s JOIN unnest(\(shards)::integer[], \(epochs)::bigint[]) AS l(shard, epoch)
                        ON s.shard = l.shard AND s.epoch = l.epoch
                    WHERE s.owner = \(member)))
                RETURNING o.sequence
                """, logger: logger).collect()
            return removed.count
        }
    }

    /// Due timers claimed for `timerClaimMilliseconds`, skipping rows another process is claiming
    /// right now, so each due timer goes to one process.
    func claimDueTimers(until: Timestamp, limit: Int) async throws(StoreError) -> [DueTimer] {
        try await run("claim due timers") { [self] connection in
            var due: [DueTimer] = []
            let rows = try await connection.query("""
                UPDATE timers AS t SET claimed_until = \(unescaped: Self.databaseNow) + \(Self.timerClaimMilliseconds)
                FROM (SELECT instance_id, timer_id FROM timers WHERE fire_at <= \(until.milliseconds) AND claimed_until < \(unescaped: Self.databaseNow)
                      ORDER BY fire_at, instance_id, timer_id LIMIT \(limit) FOR UPDATE SKIP LOCKED) AS d
                WHERE t.instance_id = d.instance_id AND t.timer_id = d.timer_id
                RETURNING t.instance_id, t.timer_id, t.fire_at
                """, logger: logger)
            for try await (instanceId, timerId, fireAt) in rows.decode((String, String, Int64).self) {
                due.append(DueTimer(instanceId: instanceId, timerId: timerId, fireAt: Timestamp(milliseconds: fireAt)))
            }
            return due.sorted { ($0.fireAt, $0.instanceId, $0.timerId) < ($1.fireAt, $1.instanceId, $1.timerId) }
        }
    }

    func outboxMessages(_ rows: [PostgresRow]) throws(StoreError) -> [OutboxMessage] {
        var messages: [OutboxMessage] = []
        messages.reserveCapacity(rows.count)
        for row in rows {
            let (sequence, topic, key, value, headers) = try decode(row, (Int64, String, ByteBuffer?, ByteBuffer, ByteBuffer?).self, "an outbox row")
            messages.append(OutboxMessage(
                sequence: sequence, topic: topic, key: key?.bytes, value: value.bytes,
                headers: try OutboxHeaderCoding.decode(headers?.bytes, sequence: sequence)))
        }
        return messages
    }
}
