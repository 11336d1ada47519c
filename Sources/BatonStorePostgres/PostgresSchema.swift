import BatonStore
import Logging
import PostgresNIO

/// The database schema as numbered migrations, tracked in `baton_schema`.
///
/// Migration N moves a database from version N-1 to N; released migrations are never edited.
/// The tables mirror the SQLite store's (migration 9 there), with PostgreSQL's types: times are
/// `bigint` milliseconds since the Unix epoch, JSON documents `text` (compact; readable in psql),
/// Kafka bytes `bytea`.
enum PostgresSchema {
    /// Any constant unique to Baton: the transaction-scoped advisory lock that makes processes
    /// starting together migrate one after the other (the second finds nothing left to do).
    static let migrationLock: Int64 = 0x6261_746f_6e00_0001

    /// Each migration is a list of statements (PostgresNIO runs one statement per query).
    static let migrations: [[String]] = [
        // 1: everything the SQLite store has after its migration 9.
        [
            """
            CREATE TABLE definitions (
                id text NOT NULL,
                version integer NOT NULL,
                document text NOT NULL,
                created_at bigint NOT NULL,
                PRIMARY KEY (id, version)
            )
            """,
            """
            CREATE TABLE instances (
                id text PRIMARY KEY,
                workflow_id text NOT NULL,
                workflow_version integer NOT NULL,
                status text NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                state text NOT NULL,
                parent_id text,
                business_key text,
                revision bigint NOT NULL DEFAULT 1
            )
            """,
            """
            CREATE INDEX instances_by_created ON instances (created_at, id)
            """,
            """
            CREATE INDEX instances_by_workflow ON instances (workflow_id, created_at, id)
            """,
            """
            CREATE INDEX instances_by_status ON instances (status, created_at, id)
            """,
            """
            CREATE INDEX instances_by_parent ON instances (parent_id, created_at, id) WHERE parent_id IS NOT NULL
            """,
            """
            CREATE INDEX instances_by_business_key ON instances (workflow_id, business_key) WHERE business_key IS NOT NULL
            """,
            """
            CREATE TABLE instance_parts (
                instance_id text NOT NULL,
                part text NOT NULL,
                revision integer NOT NULL,
                data text NOT NULL,
                PRIMARY KEY (instance_id, part)
            )
            """,
            """
            CREATE TABLE step_executions (
                instance_id text NOT NULL REFERENCES instances (id) DEFERRABLE INITIALLY DEFERRED,
                task_id text NOT NULL,
                attempt integer NOT NULL,
                step_id text NOT NULL,
                status text NOT NULL,
                input text,
                output text,
                error text,
                scheduled_at bigint NOT NULL,
                completed_at bigint,
                history_sequence integer NOT NULL,
                PRIMARY KEY (instance_id, task_id, attempt)
            )
            """,
            """
            CREATE TABLE history (
                instance_id text NOT NULL REFERENCES instances (id) DEFERRABLE INITIALLY DEFERRED,
                sequence integer NOT NULL,
                time bigint NOT NULL,
                type text NOT NULL,
                step_id text,
                task_id text,
                attempt integer,
                data text,
                execution_id text,
                PRIMARY KEY (instance_id, sequence)
            )
            """,
            """
            CREATE FUNCTION baton_history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'history is append-only'; END $$
            """,
            """
            CREATE TRIGGER history_is_append_only BEFORE UPDATE OR DELETE ON history
            FOR EACH ROW EXECUTE FUNCTION baton_history_is_append_only()
            """,
            """
            CREATE TABLE outbox (
                sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                topic text NOT NULL,
                key bytea,
                value bytea NOT NULL,
                headers bytea,
                created_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE outbox_parked (
                sequence bigint PRIMARY KEY,
                topic text NOT NULL,
                key bytea,
                value bytea NOT NULL,
                headers bytea,
                reason text NOT NULL,
                message text NOT NULL,
                parked_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE dedupe (
                key text PRIMARY KEY,
                value text NOT NULL,
                created_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE timers (
                instance_id text NOT NULL,
                timer_id text NOT NULL,
                fire_at bigint NOT NULL,
                PRIMARY KEY (instance_id, timer_id)
            )
            """,
            """
            CREATE INDEX timers_by_fire_at ON timers (fire_at, instance_id, timer_id)
            """,
            """
            CREATE TABLE dead_letters (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                source_topic text NOT NULL,
                source_partition integer NOT NULL,
                source_offset bigint NOT NULL,
                key bytea,
                value bytea NOT NULL,
                headers bytea,
                reason text NOT NULL,
                message text NOT NULL,
                pointer text,
                created_at bigint NOT NULL,
                redriven_at bigint,
                redrive_count integer NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE INDEX dead_letters_by_reason ON dead_letters (reason, id)
            """,
            """
            CREATE TABLE event_waits (
                instance_id text NOT NULL,
                wait_id text NOT NULL,
                event text NOT NULL,
                event_key text,
                correlation_key text,
                PRIMARY KEY (instance_id, wait_id)
            )
            """,
            """
            CREATE INDEX event_waits_by_key ON event_waits (event, event_key, correlation_key) WHERE event_key IS NOT NULL
            """,
            """
            CREATE TABLE buffered_events (
                ref text NOT NULL,
                event_key text NOT NULL,
                event text NOT NULL,
                correlation_key text NOT NULL,
                data text NOT NULL,
                origin text NOT NULL,
                arrived_at bigint NOT NULL,
                expires_at bigint NOT NULL,
                PRIMARY KEY (ref, event_key)
            )
            """,
            """
            CREATE INDEX buffered_events_by_key ON buffered_events (event, event_key, correlation_key, arrived_at)
            """,
            """
            CREATE INDEX buffered_events_by_expiry ON buffered_events (expires_at)
            """,
        ],
        // 2: several processes on one database (outbox shards and their leases, members, timer
        // claims, one running instance per business key enforced by the database).
        [
            "ALTER TABLE outbox ADD COLUMN shard integer NOT NULL DEFAULT 0",
            "CREATE INDEX outbox_by_shard ON outbox (shard, sequence)",
            """
            CREATE TABLE outbox_shards (
                shard integer PRIMARY KEY,
                owner text,
                epoch bigint NOT NULL DEFAULT 0,
                lease_until bigint NOT NULL DEFAULT 0
            )
            """,
            "INSERT INTO outbox_shards (shard) SELECT generate_series(0, \(OutboxShards.count - 1))",
            """
            CREATE TABLE baton_members (
                member text PRIMARY KEY,
                seen_at bigint NOT NULL
            )
            """,
            "ALTER TABLE timers ADD COLUMN claimed_until bigint NOT NULL DEFAULT 0",
            """
            CREATE UNIQUE INDEX instances_running_business_key ON instances (workflow_id, business_key)
            WHERE business_key IS NOT NULL AND status IN ('RUNNING', 'PAUSED')
            """,
        ],
        // 3: room on each page for the next version of a row updated at every step, so the
        // update is HOT (no new entry in any index) instead of one new entry in each of the
        // instance table's indexes; measured in the benchmark: 7 % of instance updates were HOT
        // with full pages (a ~2 KB state leaves no room on an 8 KB page).
        [
            "ALTER TABLE instances SET (fillfactor = 50)",
            "ALTER TABLE step_executions SET (fillfactor = 70)",
            // The outbox is a queue: rows live for milliseconds and the table is mostly dead
            // tuples between vacuums. Offered this index, the planner walked every dead entry of
            // every leased shard (27 ms a relay scan instead of 1 ms by the primary key, in
            // sequence order, which is the order the relay wants anyway).
            "DROP INDEX outbox_by_shard",
        ],
        // 4: schedules (as the SQLite store's migration 10).
        [
            """
            CREATE TABLE schedules (
                id text PRIMARY KEY,
                workflow_id text NOT NULL,
                document text NOT NULL,
                state text NOT NULL,
                next_fire_at bigint,
                version integer NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL
            )
            """,
            "CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE next_fire_at IS NOT NULL",
            "CREATE INDEX schedules_by_workflow ON schedules (workflow_id, id)",
        ],
        // 5: retention (as the SQLite store's migration 11).
        [
            "CREATE INDEX instances_finished ON instances (updated_at, id) WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT')",
            "CREATE INDEX dedupe_by_created ON dedupe (created_at)",
            """
            CREATE OR REPLACE FUNCTION baton_history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM instances WHERE id = OLD.instance_id AND status IN ('RUNNING', 'PAUSED')) THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION 'history is append-only';
            END $$
            """,
        ],
        // 6: concurrency limits (as the SQLite store's migration 12); a QUEUED instance holds
        // its business key like a running one.
        [
            "CREATE INDEX instances_queued ON instances (workflow_id, created_at, id) WHERE status = 'QUEUED'",
            "CREATE INDEX instances_running ON instances (workflow_id) WHERE status IN ('RUNNING', 'PAUSED')",
            "CREATE INDEX timers_admission ON timers (instance_id) WHERE timer_id = 'admit'",
            "DROP INDEX instances_running_business_key",
            """
            CREATE UNIQUE INDEX instances_running_business_key ON instances (workflow_id, business_key)
            WHERE business_key IS NOT NULL AND status IN ('QUEUED', 'RUNNING', 'PAUSED')
            """,
            """
            CREATE OR REPLACE FUNCTION baton_history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM instances WHERE id = OLD.instance_id AND status IN ('QUEUED', 'RUNNING', 'PAUSED')) THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION 'history is append-only';
            END $$
            """,
        ],
        // 7: task rate limits (as the SQLite store's migration 13).
        [
            """
            CREATE TABLE held_dispatches (
                sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                gate text NOT NULL,
                topic text NOT NULL,
                key bytea,
                value bytea NOT NULL,
                headers bytea,
                held_at bigint NOT NULL
            )
            """,
            "CREATE INDEX held_dispatches_by_gate ON held_dispatches (gate, sequence)",
            "CREATE TABLE dispatch_buckets (gate text PRIMARY KEY, tokens double precision NOT NULL, refilled_at bigint NOT NULL)",
        ],
        // 8: circuit breakers (as the SQLite store's migration 14).
        [
            """
            CREATE TABLE circuit_breakers (
                task_type text PRIMARY KEY,
                state text NOT NULL,
                window_started_at bigint NOT NULL,
                previous_failures bigint NOT NULL,
                failures bigint NOT NULL,
                opened_at bigint,
                probe_released boolean NOT NULL,
                changed_at bigint NOT NULL
            )
            """,
        ],
        // 9: a held request names its task (as the SQLite store's migration 15).
        [
            "ALTER TABLE held_dispatches ADD COLUMN task_id text",
            "CREATE INDEX held_dispatches_by_task ON held_dispatches (task_id) WHERE task_id IS NOT NULL",
        ],
        // 10: API keys (as the SQLite store's migration 16).
        [
            """
            CREATE TABLE api_keys (
                id text PRIMARY KEY,
                name text NOT NULL,
                grants text NOT NULL,
                salt bytea NOT NULL,
                digest bytea NOT NULL,
                created_at bigint NOT NULL,
                created_by text NOT NULL,
                expires_at bigint,
                revoked_at bigint,
                last_used_at bigint
            )
            """,
            "CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE revoked_at IS NULL",
        ],
        // 11: the audit log (as the SQLite store's migration 17).
        [
            """
            CREATE TABLE audit_log (
                sequence bigint PRIMARY KEY,
                time bigint NOT NULL,
                actor text NOT NULL,
                action text NOT NULL,
                target text NOT NULL,
                outcome text NOT NULL,
                request_id text NOT NULL,
                source text NOT NULL,
                detail text NOT NULL,
                previous_hash bytea NOT NULL,
                hash bytea NOT NULL
            )
            """,
            "CREATE INDEX audit_log_by_actor ON audit_log (actor, sequence)",
            "CREATE INDEX audit_log_by_target ON audit_log (target text_pattern_ops, sequence)",
        ],
    ]

    /// The schema version this build writes.
    static var currentVersion: Int { migrations.count }

    /// Brings the database up to `currentVersion` inside the caller's transaction, under the
    /// migration lock. A database from a newer Baton is refused rather than written.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
        try await connection.query("CREATE TABLE IF NOT EXISTS baton_schema (version integer NOT NULL)", logger: logger)
        var version = 0
        var rows = 0
        for try await (stored) in try await connection.query("SELECT version FROM baton_schema", logger: logger).decode(Int.self) {
            version = stored
            rows += 1
        }
        guard rows <= 1 else {
            throw StoreError(.corrupt, "baton_schema holds \(rows) rows; it must hold one (the schema version)")
        }
        guard version <= currentVersion else {
            throw StoreError(
                .corrupt,
                "the database has schema version \(version), newer than this build of Baton supports (\(currentVersion)); run a Baton release that supports it, or restore a backup"
            )
        }
        guard version < currentVersion else { return }
        for index in version..<currentVersion {
            for statement in migrations[index] {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
        if rows == 0 {
            try await connection.query("INSERT INTO baton_schema (version) VALUES (\(currentVersion))", logger: logger)
        } else {
            try await connection.query("UPDATE baton_schema SET version = \(currentVersion)", logger: logger)
        }
        logger.info("PostgreSQL schema migrated", metadata: ["from": "\(version)", "to": "\(currentVersion)"])
    }
}
