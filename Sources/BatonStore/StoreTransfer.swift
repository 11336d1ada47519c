import BatonCore

/// How many rows a store holds, table by table: what a copy compares once it is done, so an
/// operator moving from SQLite to PostgreSQL knows nothing was left behind.
public struct StoreInventory: Sendable, Hashable {
    /// Definition versions (every version is a row).
    public var definitions = 0
    public var instances = 0
    public var history = 0
    /// Task attempts (a projection of history, rebuilt from it by the target's commit).
    public var stepExecutions = 0
    public var timers = 0
    public var eventWaits = 0
    /// Rows of kept events (one per event-key expression the event was kept under).
    public var bufferedEvents = 0
    public var dedupe = 0
    public var deadLetters = 0
    public var outbox = 0
    public var parkedOutbox = 0
    public var schedules = 0
    /// Task requests held by a rate limit or an open breaker, not yet in the outbox.
    public var heldDispatches = 0
    /// API keys (digests only), revoked ones included.
    public var apiKeys = 0
    /// Audit records (copied in order, so the target's chain has the same hashes).
    public var auditRecords = 0

    public init() {}

    /// Table name and count, in a fixed order, for reports.
    public var tables: [(name: String, count: Int)] {
        [
            ("definitions", definitions), ("instances", instances), ("history", history), ("step_executions", stepExecutions),
            ("timers", timers), ("event_waits", eventWaits), ("buffered_events", bufferedEvents), ("dedupe", dedupe),
            ("dead_letters", deadLetters), ("outbox", outbox), ("outbox_parked", parkedOutbox), ("schedules", schedules),
            ("held_dispatches", heldDispatches), ("api_keys", apiKeys), ("audit_log", auditRecords),
        ]
    }

    public var isEmpty: Bool { tables.allSatisfy { $0.count == 0 } }
}

/// A dedupe mark (`trigger:<source>/<id>`, `idempotency:<key>`, `result:<taskId>/<status>` …).
public struct DedupeEntry: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// The parts of a store the runtime never lists — dedupe marks, kept events, the outbox past a
/// point — paged out for a copy to another store, and dead letters written back with their ids
/// (operators and links refer to them by id). Everything else a copy moves through the ordinary
/// read API and `commit(_:)`, so the target's own encoding and projections are used.
public protocol TransferableStore: WorkflowStore, ScheduleStore, APIKeyStore, AuditStore {
    func inventory() async throws(StoreError) -> StoreInventory
    /// Marks with a key after `key` (byte order), at most `limit`.
    func dedupeEntries(after key: String, limit: Int) async throws(StoreError) -> [DedupeEntry]
    /// Every kept event row, expired or not (they are few: kept for the event window only).
    func allBufferedEvents() async throws(StoreError) -> [BufferedEvent]
    /// Unpublished rows after `sequence`, in order.
    func outbox(afterSequence sequence: Int64, limit: Int) async throws(StoreError) -> [OutboxMessage]
    /// Writes dead letters as they are, ids and redrive state included; the id sequence moves past them.
    func importDeadLetters(_ records: [DeadLetterRecord]) async throws(StoreError)
    /// Held task requests after `sequence`, oldest first, with their sequences.
    func heldDispatches(afterSequence sequence: Int64, limit: Int) async throws(StoreError) -> [(sequence: Int64, dispatch: HeldDispatch)]
}
