import BatonExpressions

/// One run of a workflow definition: everything the engine needs to decide the next move.
///
/// The instance pins the definition version it started on. It holds a tree of executions (the
/// root, parallel branches, foreach items), each with its own step states; tasks in flight and
/// timers name the execution they belong to, so many paths of control run side by side.
public struct WorkflowInstance: Sendable, Hashable {
    public var id: String
    public var workflowId: String
    public var workflowVersion: Int
    public var status: InstanceStatus
    public var input: JSONValue
    /// Paths of control by id; `Execution.rootId` is always present.
    public var executions: [String: Execution]
    /// Values computed by `set` steps.
    public var vars: [String: JSONValue]
    public var output: JSONValue?
    public var error: ErrorInfo?
    /// Tasks dispatched and not yet resolved, by task id.
    public var activeTasks: [String: ActiveTask]
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var completedAt: Timestamp?
    /// Source of task ids: each dispatch takes the next number, so ids are unique and deterministic.
    public var taskSequence: Int
    /// Number of history events written so far; the next event gets `historySequence + 1`.
    public var historySequence: Int
    /// What started the instance (`api`, `trigger:<source>/<id>`), for the instance view.
    public var origin: String?
    /// Pending timers, by id.
    public var timers: [String: InstanceTimer] = [:]
    /// Bumped when `input` is replaced (a rerun with a new input), so a store that keeps a large
    /// input outside the instance document rewrites it only then.
    public var inputRevision: Int = 1
    /// Steps run so far (loops count each pass), against the definition's `maxSteps`.
    public var stepsRun: Int = 0
    /// Results and timers that arrived while the instance was PAUSED, in arrival order.
    public var deferred: [DeferredInput] = []
    /// Set on an instance a `subworkflow` step started: where it reports its outcome.
    public var parent: ParentLink?
    /// The definition's `key` for this instance's input; one running instance per key and workflow.
    public var businessKey: String?
    /// `waitForEvent` steps waiting, by wait id.
    public var eventWaits: [String: EventWait] = [:]
    /// Signals no step waited for yet, oldest first (kept for the engine's event window).
    public var signals: [BufferedSignal] = []
    /// The W3C trace this instance belongs to (see `TraceContext`); nil when nothing traced what
    /// started it, and then the trace is `TraceContext.begun(for: id)`.
    public var trace: TraceContext?

    /// The trace its records carry: the one it was started in, or one derived from its id.
    public var effectiveTrace: TraceContext { trace ?? .begun(for: id) }

    public init(
        id: String, workflowId: String, workflowVersion: Int, status: InstanceStatus = .running, input: JSONValue,
        executions: [String: Execution]? = nil, vars: [String: JSONValue] = [:], output: JSONValue? = nil,
        error: ErrorInfo? = nil, activeTasks: [String: ActiveTask] = [:], createdAt: Timestamp, updatedAt: Timestamp,
        completedAt: Timestamp? = nil, taskSequence: Int = 0, historySequence: Int = 0, origin: String? = nil
    ) {
        self.id = id
        self.workflowId = workflowId
        self.workflowVersion = workflowVersion
        self.status = status
        self.input = input
        self.executions = executions ?? [Execution.rootId: Execution(id: Execution.rootId, startedAt: createdAt)]
        self.vars = vars
        self.output = output
        self.error = error
        self.activeTasks = activeTasks
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.completedAt = completedAt
        self.taskSequence = taskSequence
        self.historySequence = historySequence
        self.origin = origin
    }
}

extension WorkflowInstance {
    /// The root execution: the definition's top-level steps.
    public var root: Execution {
        get { executions[Execution.rootId]! }
        set { executions[Execution.rootId] = newValue }
    }

    /// The state of step `stepId` in execution `executionId`.
    public func step(_ stepId: String, in executionId: String) -> StepState? {
        executions[executionId]?.steps[stepId]
    }
}

/// The latest execution of one step, as `$.steps.<id>` shows it.
public struct StepState: Sendable, Hashable {
    public var status: StepStatus
    public var output: JSONValue?
    public var error: ErrorInfo?
    /// Attempt number of the current execution (1 for the first try).
    public var attempt: Int
    /// How many times the step was entered (loops run a step more than once).
    public var executions: Int
    /// The task id of the current attempt, for task steps.
    public var taskId: String?
    /// The child instance of the current attempt, for `subworkflow` steps.
    public var childId: String?
    public var startedAt: Timestamp
    public var completedAt: Timestamp?

    public init(status: StepStatus, output: JSONValue? = nil, error: ErrorInfo? = nil, attempt: Int = 1, executions: Int = 1, taskId: String? = nil, childId: String? = nil, startedAt: Timestamp, completedAt: Timestamp? = nil) {
        self.childId = childId
        self.status = status
        self.output = output
        self.error = error
        self.attempt = attempt
        self.executions = executions
        self.taskId = taskId
        self.startedAt = startedAt
        self.completedAt = completedAt
    }
}

/// A task request in flight.
public struct ActiveTask: Sendable, Hashable {
    public var taskId: String
    public var stepId: String
    /// The execution whose step dispatched it.
    public var executionId: String
    public var attempt: Int
    public var scheduledAt: Timestamp
    public var deadline: Timestamp?
    public var lastHeartbeatAt: Timestamp?
    /// Progress a worker reported with its last heartbeat.
    public var progress: JSONValue?

    public init(taskId: String, stepId: String, executionId: String = Execution.rootId, attempt: Int, scheduledAt: Timestamp, deadline: Timestamp? = nil, lastHeartbeatAt: Timestamp? = nil, progress: JSONValue? = nil) {
        self.taskId = taskId
        self.stepId = stepId
        self.executionId = executionId
        self.attempt = attempt
        self.scheduledAt = scheduledAt
        self.deadline = deadline
        self.lastHeartbeatAt = lastHeartbeatAt
        self.progress = progress
    }
}
