import BatonStore

/// The database schema as numbered migrations, tracked in `PRAGMA user_version`.
///
/// Migration N moves a database from version N-1 to N. They are append-only: once released, a
/// migration is never edited, so every database reaches the same schema by the same steps.
enum SQLiteSchema {
    static let migrations: [String] = [
        // 1: the initial schema. Timestamps are integer milliseconds since the Unix epoch; JSON
        // columns are TEXT (compact, sorted keys).
        """
        CREATE TABLE definitions (
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            document TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (id, version)
        ) WITHOUT ROWID;

        CREATE TABLE instances (
            id TEXT PRIMARY KEY NOT NULL,
            workflow_id TEXT NOT NULL,
            workflow_version INTEGER NOT NULL,
            status TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            state TEXT NOT NULL
        );
        CREATE INDEX instances_by_created ON instances (created_at, id);
        CREATE INDEX instances_by_workflow ON instances (workflow_id, created_at, id);
        CREATE INDEX instances_by_status ON instances (status, created_at, id);

        CREATE TABLE step_executions (
            instance_id TEXT NOT NULL REFERENCES instances (id) DEFERRABLE INITIALLY DEFERRED,
            task_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            step_id TEXT NOT NULL,
            status TEXT NOT NULL,
            input TEXT,
            output TEXT,
            error TEXT,
            scheduled_at INTEGER NOT NULL,
            completed_at INTEGER,
            history_sequence INTEGER NOT NULL,
            PRIMARY KEY (instance_id, task_id, attempt)
        ) WITHOUT ROWID;

        CREATE TABLE history (
            instance_id TEXT NOT NULL REFERENCES instances (id) DEFERRABLE INITIALLY DEFERRED,
            sequence INTEGER NOT NULL,
            time INTEGER NOT NULL,
            type TEXT NOT NULL,
            step_id TEXT,
            task_id TEXT,
            attempt INTEGER,
            data TEXT,
            PRIMARY KEY (instance_id, sequence)
        ) WITHOUT ROWID;
        CREATE TRIGGER history_is_append_only_update BEFORE UPDATE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
        CREATE TRIGGER history_is_append_only_delete BEFORE DELETE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;

        CREATE TABLE outbox (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            topic TEXT NOT NULL,
            key BLOB,
            value BLOB NOT NULL,
            headers BLOB,
            created_at INTEGER NOT NULL
        );

        CREATE TABLE dedupe (
            key TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL,
            created_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        // 2: durable timers. A row per pending timer of a running instance, written in the same
        // transaction as the state that set it; the timer service reads only due rows, through
        // the index on fire_at.
        """
        CREATE TABLE timers (
            instance_id TEXT NOT NULL,
            timer_id TEXT NOT NULL,
            fire_at INTEGER NOT NULL,
            PRIMARY KEY (instance_id, timer_id)
        ) WITHOUT ROWID;
        CREATE INDEX timers_by_fire_at ON timers (fire_at, instance_id, timer_id);
        """,
        // 3: dead letters kept for listing and redrive (the topic keeps a copy for streams).
        """
        CREATE TABLE dead_letters (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            source_topic TEXT NOT NULL,
            source_partition INTEGER NOT NULL,
            source_offset INTEGER NOT NULL,
            key BLOB,
            value BLOB NOT NULL,
            headers BLOB,
            reason TEXT NOT NULL,
            message TEXT NOT NULL,
            pointer TEXT,
            created_at INTEGER NOT NULL,
            redriven_at INTEGER,
            redrive_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX dead_letters_by_reason ON dead_letters (reason, id);
        """,
        // 4: outbox rows that can never be published (too large for the producer, refused as
        // invalid), moved aside with the reason so they neither block nor loop the relay.
        """
        CREATE TABLE outbox_parked (
            sequence INTEGER PRIMARY KEY,
            topic TEXT NOT NULL,
            key BLOB,
            value BLOB NOT NULL,
            headers BLOB,
            reason TEXT NOT NULL,
            message TEXT NOT NULL,
            parked_at INTEGER NOT NULL
        );
        """,
        // 5: the execution (parallel branch, foreach item) a history event happened in; NULL for
        // the root, so rows written before executions existed read as the root's.
        """
        ALTER TABLE history ADD COLUMN execution_id TEXT;
        """,
        // 6: parts of instances kept outside their document (foreach item and output chunks),
        // each rewritten only when its revision moves.
        """
        CREATE TABLE instance_parts (
            instance_id TEXT NOT NULL,
            part TEXT NOT NULL,
            revision INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (instance_id, part)
        ) WITHOUT ROWID;
        """,
        // 7: the parent of an instance a `subworkflow` step started, so a parent's children are
        // listed through an index (only children have entries); the business key of an instance
        // whose definition has a `key`, so a start finds the running instance with its key
        // through an index.
        """
        ALTER TABLE instances ADD COLUMN parent_id TEXT;
        CREATE INDEX instances_by_parent ON instances (parent_id, created_at, id) WHERE parent_id IS NOT NULL;
        ALTER TABLE instances ADD COLUMN business_key TEXT;
        CREATE INDEX instances_by_business_key ON instances (workflow_id, business_key) WHERE business_key IS NOT NULL;
        """,
        // 8: `waitForEvent` steps waiting (mirrored from the instances, like timers), found by
        // event, eventKey expression and correlation key; and events kept for waits that did not
        // exist yet when they arrived, until they expire or a wait consumes them.
        """
        CREATE TABLE event_waits (
            instance_id TEXT NOT NULL,
            wait_id TEXT NOT NULL,
            event TEXT NOT NULL,
            event_key TEXT,
            correlation_key TEXT,
            PRIMARY KEY (instance_id, wait_id)
        ) WITHOUT ROWID;
        CREATE INDEX event_waits_by_key ON event_waits (event, event_key, correlation_key) WHERE event_key IS NOT NULL;
        CREATE TABLE buffered_events (
            ref TEXT NOT NULL,
            event_key TEXT NOT NULL,
            event TEXT NOT NULL,
            correlation_key TEXT NOT NULL,
            data BLOB NOT NULL,
            origin TEXT NOT NULL,
            arrived_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (ref, event_key)
        ) WITHOUT ROWID;
        CREATE INDEX buffered_events_by_key ON buffered_events (event, event_key, correlation_key, arrived_at);
        CREATE INDEX buffered_events_by_expiry ON buffered_events (expires_at);
        """,
        // 9: the revision of each instance, which a commit compares and sets, so a batch decided
        // on a state another writer has changed since is refused. A stored row has been written
        // at least once: it starts at 1.
        """
        ALTER TABLE instances ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
        """,
        // 10: schedules, each with its owner's document, the scheduler's state as JSON, when it is
        // next due (NULL while paused or ended) and a version for compare-and-set.
        """
        CREATE TABLE schedules (
            id TEXT PRIMARY KEY NOT NULL,
            workflow_id TEXT NOT NULL,
            document TEXT NOT NULL,
            state TEXT NOT NULL,
            next_fire_at INTEGER,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE next_fire_at IS NOT NULL;
        CREATE INDEX schedules_by_workflow ON schedules (workflow_id, id);
        """,
        // 11: retention. Finished instances are found oldest first through a partial index
        // (running ones, updated at every step, are not in it), dedupe marks by age; history
        // stays append-only while its instance runs and may go with a finished one.
        """
        CREATE INDEX instances_finished ON instances (updated_at, id) WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT');
        CREATE INDEX dedupe_by_created ON dedupe (created_at);
        DROP TRIGGER history_is_append_only_delete;
        CREATE TRIGGER history_is_append_only_delete BEFORE DELETE ON history
        WHEN (SELECT status FROM instances WHERE id = OLD.instance_id) IN ('RUNNING', 'PAUSED')
        BEGIN SELECT RAISE(ABORT, 'history of an unfinished instance is append-only'); END;
        """,
        // 12: concurrency limits. Admission reads the queue, what runs and pending admissions
        // through partial indexes that hold unfinished rows only; a QUEUED instance is
        // unfinished (its history append-only).
        """
        CREATE INDEX instances_queued ON instances (workflow_id, created_at, id) WHERE status = 'QUEUED';
        CREATE INDEX instances_running ON instances (workflow_id) WHERE status IN ('RUNNING', 'PAUSED');
        CREATE INDEX timers_admission ON timers (instance_id) WHERE timer_id = 'admit';
        DROP TRIGGER history_is_append_only_delete;
        CREATE TRIGGER history_is_append_only_delete BEFORE DELETE ON history
        WHEN (SELECT status FROM instances WHERE id = OLD.instance_id) IN ('QUEUED', 'RUNNING', 'PAUSED')
        BEGIN SELECT RAISE(ABORT, 'history of an unfinished instance is append-only'); END;
        """,
        // 13: task rate limits. Held task requests wait here, oldest first per gate (task
        // type), until the gate's token bucket lets them into the outbox.
        """
        CREATE TABLE held_dispatches (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            gate TEXT NOT NULL,
            topic TEXT NOT NULL,
            key BLOB,
            value BLOB NOT NULL,
            headers BLOB,
            held_at INTEGER NOT NULL
        );
        CREATE INDEX held_dispatches_by_gate ON held_dispatches (gate, sequence);
        CREATE TABLE dispatch_buckets (
            gate TEXT PRIMARY KEY NOT NULL,
            tokens REAL NOT NULL,
            refilled_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        // 14: circuit breakers, one row per task type, shared by every process.
        """
        CREATE TABLE circuit_breakers (
            task_type TEXT PRIMARY KEY NOT NULL,
            state TEXT NOT NULL,
            window_started_at INTEGER NOT NULL,
            previous_failures INTEGER NOT NULL,
            failures INTEGER NOT NULL,
            opened_at INTEGER,
            probe_released INTEGER NOT NULL,
            changed_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        // 15: a held request names its task, so cancelling the task withdraws it.
        """
        ALTER TABLE held_dispatches ADD COLUMN task_id TEXT;
        CREATE INDEX held_dispatches_by_task ON held_dispatches (task_id) WHERE task_id IS NOT NULL;
        """,
        // 16: API keys, as salted digests; a name is unique among keys not revoked.
        """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            grants TEXT NOT NULL,
            salt BLOB NOT NULL,
            digest BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            expires_at INTEGER,
            revoked_at INTEGER,
            last_used_at INTEGER
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE revoked_at IS NULL;
        """,
        // 17: the audit log, append-only and hash-chained.
        """
        CREATE TABLE audit_log (
            sequence INTEGER PRIMARY KEY NOT NULL,
            time INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            outcome TEXT NOT NULL,
            request_id TEXT NOT NULL,
            source TEXT NOT NULL,
            detail TEXT NOT NULL,
            previous_hash BLOB NOT NULL,
            hash BLOB NOT NULL
        );
        CREATE INDEX audit_log_by_actor ON audit_log (actor, sequence);
        CREATE INDEX audit_log_by_target ON audit_log (target, sequence);
        """,
    ]

    /// The schema version this build writes.
    static var currentVersion: Int { migrations.count }

    /// Brings the database up to `currentVersion`, each pending migration and the version bump in
    /// one transaction, so a crash mid-upgrade leaves the previous version intact.
    ///
    /// A database from a newer Baton is refused rather than written: this build does not know
    /// what the newer schema means, and writing to it could lose data silently.
    static func migrate(_ connection: SQLiteConnection) throws(StoreError) {
        try connection.transaction { () throws(StoreError) in
            let version = try connection.withStatement("PRAGMA user_version") { statement throws(StoreError) in
                try statement.step() ? statement.int(0) : 0
            }
            guard version <= currentVersion else {
                throw StoreError(
                    .corrupt,
                    "the database \(connection.path) has schema version \(version), newer than this build of Baton supports (\(currentVersion)); run a Baton release that supports it, or restore a backup"
                )
            }
            guard version < currentVersion else { return }
            for index in version..<currentVersion {
                try connection.execute(migrations[index])
            }
            // PRAGMA takes no parameters; the value is our own integer.
            try connection.execute("PRAGMA user_version = \(currentVersion)")
        }
    }
}
