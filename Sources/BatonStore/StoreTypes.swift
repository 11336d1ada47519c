import BatonCore
import BatonExpressions

/// A registered definition version as stored.
public struct DefinitionRecord: Sendable, Hashable {
    public var id: String
    public var version: Int
    /// The document as registered (JSON), without `version`.
    public var document: JSONValue
    public var createdAt: Timestamp

    public init(id: String, version: Int, document: JSONValue, createdAt: Timestamp) {
        self.id = id
        self.version = version
        self.document = document
        self.createdAt = createdAt
    }
}

/// One line of the definitions listing.
public struct DefinitionSummary: Sendable, Hashable {
    public var id: String
    public var latestVersion: Int
    public var versionCount: Int
    public var updatedAt: Timestamp

    public init(id: String, latestVersion: Int, versionCount: Int, updatedAt: Timestamp) {
        self.id = id
        self.latestVersion = latestVersion
        self.versionCount = versionCount
        self.updatedAt = updatedAt
    }
}

/// A Kafka record waiting in the outbox, written in the same transaction as the state that caused it.
public struct OutboxMessage: Sendable, Hashable {
    /// Assigned by the store on insert (0 before); publication order is ascending `sequence`.
    public var sequence: Int64
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [OutboxHeader]

    public init(sequence: Int64 = 0, topic: String, key: [UInt8]?, value: [UInt8], headers: [OutboxHeader] = []) {
        self.sequence = sequence
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }
}

public struct OutboxHeader: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]

    public init(key: String, value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// Everything one processed batch of inputs changes, committed as ONE transaction.
///
/// Kafka offsets are committed only after `WorkflowStore.commit(_:)` returns, and the outbox relay
/// publishes only committed rows: a crash anywhere loses nothing and applies nothing twice.
public struct StoreBatch: Sendable, Hashable {
    /// New or updated instances (full state; the store upserts by id).
    public var instances: [WorkflowInstance]
    /// History events to append, each tagged with its instance id. Sequences are unique per instance.
    public var history: [InstanceHistoryEvent]
    public var outbox: [OutboxMessage]
    /// Dedupe marks: key → value (e.g. `trigger:<source>/<id>` → instance ids, `idempotency:<key>` → instance id,
    /// `result:<taskId>/<status>` → digest). Inserting a key that exists is an error (`StoreError.Code.conflict`):
    /// callers check with `dedupeValues(for:)` first, inside the same single-writer process.
    public var dedupe: [String: String]
    /// Changes to the timer index, applied in order (a timer is written in the same transaction
    /// as the state that set it, and removed in the one that fired or dropped it).
    public var timers: [TimerChange]
    /// Inputs that could not be processed (their copies go to the dead-letter topic via `outbox`).
    public var deadLetters: [DeadLetterRecord]
    /// Dead letters re-injected in this batch (their copies go to their source topics via `outbox`).
    public var redriven: [Int64]
    /// The time recorded with `redriven`.
    public var redrivenAt: Timestamp?
    /// Changes to the event-wait index, in order.
    public var waits: [WaitChange] = []
    /// Events kept for waits that do not exist yet, and refs of kept events a wait consumed.
    public var bufferedEvents: [BufferedEvent] = []
    public var consumedEvents: [String] = []
    /// Kept events that expired before this time are deleted.
    public var eventsExpiredBefore: Timestamp?
    /// The revision each stored instance of `instances` was decided from (read with
    /// `WorkflowStore.versionedInstance(id:)`). The store writes such an instance only while its
    /// revision is still that one, and moves it on by one; an instance missing here is new and
    /// must not exist. Either check failing throws `.stale` and writes nothing of the batch: the
    /// decision was made on a state another writer has since changed, so it must be made again.
    public var decidedFrom: [String: Int64] = [:]
    /// Task requests held back by a rate limit instead of written to `outbox` (see `HeldDispatch`).
    public var held: [HeldDispatch] = []
    /// Tasks cancelled in this batch: their held requests, if still held, are deleted (after
    /// `held` is written, so a request held and withdrawn in one batch never goes out).
    public var withdrawnTasks: [String] = []

    public init(
        instances: [WorkflowInstance] = [], history: [InstanceHistoryEvent] = [], outbox: [OutboxMessage] = [], dedupe: [String: String] = [:],
        timers: [TimerChange] = [], deadLetters: [DeadLetterRecord] = [], redriven: [Int64] = [], redrivenAt: Timestamp? = nil
    ) {
        self.instances = instances
        self.history = history
        self.outbox = outbox
        self.dedupe = dedupe
        self.timers = timers
        self.deadLetters = deadLetters
        self.redriven = redriven
        self.redrivenAt = redrivenAt
    }

    public var isEmpty: Bool {
        instances.isEmpty && history.isEmpty && outbox.isEmpty && dedupe.isEmpty && timers.isEmpty && deadLetters.isEmpty && redriven.isEmpty
            && waits.isEmpty && bufferedEvents.isEmpty && consumedEvents.isEmpty && held.isEmpty && withdrawnTasks.isEmpty
    }
}

/// An instance as committed, with the revision a later commit of it must name (see
/// `StoreBatch.decidedFrom`). The first commit of an instance gives it revision 1.
public struct VersionedInstance: Sendable, Hashable {
    public var instance: WorkflowInstance
    public var revision: Int64

    public init(instance: WorkflowInstance, revision: Int64) {
        self.instance = instance
        self.revision = revision
    }
}

public struct InstanceHistoryEvent: Sendable, Hashable {
    public var instanceId: String
    public var event: HistoryEvent

    public init(instanceId: String, event: HistoryEvent) {
        self.instanceId = instanceId
        self.event = event
    }
}

/// A filter and a page position for listing instances, newest first.
public struct InstanceQuery: Sendable, Hashable {
    public var workflowId: String?
    public var status: InstanceStatus?
    /// Only the children (started by `subworkflow` steps) of this instance.
    public var parentId: String?
    /// Opaque cursor from the previous page's `nextCursor`.
    public var cursor: String?
    /// 1...1000. Default: 50.
    public var limit: Int

    public init(workflowId: String? = nil, status: InstanceStatus? = nil, parentId: String? = nil, cursor: String? = nil, limit: Int = 50) {
        self.parentId = parentId
        self.workflowId = workflowId
        self.status = status
        self.cursor = cursor
        self.limit = limit
    }
}

public struct InstancePage: Sendable, Hashable {
    public var instances: [WorkflowInstance]
    /// Pass as `InstanceQuery.cursor` for the next page; nil on the last page.
    public var nextCursor: String?

    public init(instances: [WorkflowInstance], nextCursor: String?) {
        self.instances = instances
        self.nextCursor = nextCursor
    }
}

/// One attempt of one task step, as the step-executions table keeps it (a projection of history).
/// Instances of one definition version in one status.
public struct InstanceCount: Sendable, Hashable {
    public var version: Int
    public var status: InstanceStatus
    public var count: Int

    public init(version: Int, status: InstanceStatus, count: Int) {
        self.version = version
        self.status = status
        self.count = count
    }
}

public struct StepExecution: Sendable, Hashable {
    public var instanceId: String
    public var taskId: String
    public var stepId: String
    public var attempt: Int
    public var status: StepStatus
    public var input: JSONValue?
    public var output: JSONValue?
    public var error: ErrorInfo?
    public var scheduledAt: Timestamp
    public var completedAt: Timestamp?

    public init(instanceId: String, taskId: String, stepId: String, attempt: Int, status: StepStatus, input: JSONValue? = nil, output: JSONValue? = nil, error: ErrorInfo? = nil, scheduledAt: Timestamp, completedAt: Timestamp? = nil) {
        self.instanceId = instanceId
        self.taskId = taskId
        self.stepId = stepId
        self.attempt = attempt
        self.status = status
        self.input = input
        self.output = output
        self.error = error
        self.scheduledAt = scheduledAt
        self.completedAt = completedAt
    }
}

/// A change to the store's timer index.
public enum TimerChange: Sendable, Hashable {
    /// Insert, or move to a new time.
    case set(instanceId: String, timerId: String, fireAt: Timestamp)
    /// Remove; removing a timer that is not there is not an error.
    case delete(instanceId: String, timerId: String)
    /// Remove only while the row still holds `fireAt`: a due row read earlier must never delete
    /// the row of the same timer moved to a later time since (a heartbeat pushing its deadline).
    case deleteIfAt(instanceId: String, timerId: String, fireAt: Timestamp)
}

/// A timer that is due, as the timer index returns it.
public struct DueTimer: Sendable, Hashable {
    public var instanceId: String
    public var timerId: String
    public var fireAt: Timestamp

    public init(instanceId: String, timerId: String, fireAt: Timestamp) {
        self.instanceId = instanceId
        self.timerId = timerId
        self.fireAt = fireAt
    }
}

/// An outbox row that can never be published as it is (larger than the producer's limit, or a
/// record the broker refuses as invalid), moved aside so it neither blocks the relay nor makes it
/// republish its neighbours for ever. Kept whole, with the reason, for an operator.
public struct ParkedOutboxMessage: Sendable, Hashable {
    /// The row's outbox sequence, kept as its id.
    public var sequence: Int64
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [OutboxHeader]
    /// The producer's error code name, e.g. `MSG_SIZE_TOO_LARGE`.
    public var reason: String
    public var message: String
    public var parkedAt: Timestamp

    public init(_ row: OutboxMessage, reason: String, message: String, parkedAt: Timestamp) {
        self.sequence = row.sequence
        self.topic = row.topic
        self.key = row.key
        self.value = row.value
        self.headers = row.headers
        self.reason = reason
        self.message = message
        self.parkedAt = parkedAt
    }

    /// Bytes of key, value and headers: what counts against the producer's limit.
    public var recordBytes: Int {
        (key?.count ?? 0) + value.count + headers.reduce(0) { $0 + $1.key.utf8.count + $1.value.count }
    }
}
