import BatonExpressions

/// A validated, compiled workflow definition: what the engine runs.
///
/// Every expression and template in it was parsed when the definition was registered, so the
/// engine never meets a syntax error at run time. The original document is kept in `document`
/// because that, not this compiled form, is what the store persists and the API returns.
public struct WorkflowDefinition: Sendable, Hashable {
    public var id: String
    /// Assigned by the store when the definition is registered; running instances keep theirs.
    public var version: Int
    public var name: String?
    public var description: String?
    /// The step an instance starts at: `startAt`, or the first step of the document.
    public var startAt: String
    /// Steps by id.
    public var steps: [String: Step]
    /// Step ids in document order (for listings and diagrams).
    public var stepOrder: [String]
    public var triggers: [Trigger]
    /// Maps the final state to the workflow output. Without one, the output is that of the last step that ran.
    public var output: JSONTemplate?
    /// The document as registered (JSON; YAML is converted), with `version` unset.
    public var document: JSONValue
    /// The retry policy of task steps that have none of their own.
    public var retry: RetryPolicy?
    /// The step to run when a step fails and none of its own handlers applies. The workflow still
    /// ends FAILED (with the original error) when that path ends, unless it ends in a `succeed` step.
    public var onFailure: String?
    /// Start-to-end limit of an instance: past it the instance becomes TIMED_OUT.
    public var timeoutMilliseconds: Int64?
    /// Steps an instance may run in its life (loops count every pass); nil: the service default.
    public var maxSteps: Int?
    /// Instances of this workflow (all versions) that may run at once; starts beyond it wait as
    /// QUEUED, in order. Nil: no limit of its own (the service's `limits.maxRunning` still applies).
    public var maxConcurrent: Int?
    /// What a start's input must be: a start that breaks it is refused (422 over REST, an
    /// `INVALID_INPUT` dead letter for a trigger).
    public var inputSchema: ValueSchema?
    /// What the instance's output must be: an output that breaks it fails the instance with
    /// `INVALID_OUTPUT`.
    public var outputSchema: ValueSchema?
    /// The instance's business key, computed from the start's input: a start whose key a running
    /// instance of this definition (any version) already has returns that instance instead.
    public var key: BusinessKey?

    public init(
        id: String, version: Int, name: String? = nil, description: String? = nil, startAt: String,
        steps: [String: Step], stepOrder: [String], triggers: [Trigger] = [], output: JSONTemplate? = nil,
        document: JSONValue, retry: RetryPolicy? = nil, onFailure: String? = nil, timeoutMilliseconds: Int64? = nil, maxSteps: Int? = nil
    ) {
        self.maxSteps = maxSteps
        self.retry = retry
        self.onFailure = onFailure
        self.timeoutMilliseconds = timeoutMilliseconds
        self.id = id
        self.version = version
        self.name = name
        self.description = description
        self.startAt = startAt
        self.steps = steps
        self.stepOrder = stepOrder
        self.triggers = triggers
        self.output = output
        self.document = document
    }

    /// Task types dispatched by this definition (one topic each).
    public var taskTypes: Set<String> {
        var types: Set<String> = []
        for step in steps.values { if case .task(let task) = step.kind { types.insert(task.taskType) } }
        return types
    }
}

/// One step of a definition.
public struct Step: Sendable, Hashable {
    public var id: String
    public var kind: Kind
    /// Where to go after the step completes. `.end` completes the workflow.
    public var next: Next
    /// What happens when the step fails.
    public var onError: ErrorHandling
    /// The branch whose sequence holds the step (`<parallel step>/<branch>`); nil at the top level.
    /// Transitions stay within one sequence.
    public var container: String?

    public init(id: String, kind: Kind, next: Next = .end, onError: ErrorHandling = ErrorHandling(), container: String? = nil) {
        self.id = id
        self.kind = kind
        self.next = next
        self.onError = onError
        self.container = container
    }

    /// A failing step goes through these in order: its retry policy (task steps), then the first
    /// matching `catch`, then `fallback`, then `continueOnFailure`, then the definition's
    /// `onFailure`; with none of them the instance fails.
    public struct ErrorHandling: Sendable, Hashable {
        public var retry: RetryPolicy?
        public var catches: [Catch]
        public var fallback: String?
        /// Record the failure in `$.steps.<id>.error` and go on to `next` as if the step completed.
        public var continueOnFailure: Bool

        public init(retry: RetryPolicy? = nil, catches: [Catch] = [], fallback: String? = nil, continueOnFailure: Bool = false) {
            self.retry = retry
            self.catches = catches
            self.fallback = fallback
            self.continueOnFailure = continueOnFailure
        }

        /// Every step a failure can lead to.
        public var targets: [String] { catches.map(\.next) + (fallback.map { [$0] } ?? []) }
    }

    /// `catch: [{errors: [CODE, …], next: step}]`; no `errors` (or `"*"`) catches everything.
    public struct Catch: Sendable, Hashable {
        /// Empty: every error.
        public var errors: Set<String>
        public var next: String

        public init(errors: Set<String> = [], next: String) {
            self.errors = errors
            self.next = next
        }

        public func matches(_ code: String) -> Bool { errors.isEmpty || errors.contains(code) }
    }

    public enum Kind: Sendable, Hashable {
        /// Dispatch a task request to executors of `taskType` and wait for its result.
        case task(TaskStep)
        /// Choose the next step by conditions; the choice itself is in `next`.
        case choice
        /// Compute values into `$.vars`.
        case set([String: JSONTemplate])
        /// End the workflow as COMPLETED, optionally with an explicit output.
        case succeed(output: JSONTemplate?)
        /// End the workflow as FAILED with an error code and message.
        case fail(code: String, message: JSONTemplate?)
        /// Wait for a duration or until a time, on a durable timer.
        case wait(WaitStep)
        /// Run named branches at once, each its own execution, and join them.
        case parallel(ParallelStep)
        /// Run a sequence of steps for every item of an array.
        case foreach(ForeachStep)
        /// Run another definition as a child instance and wait for its outcome.
        case subworkflow(SubworkflowStep)
        /// Wait for a CloudEvent (matched by correlation key) or a signal.
        case waitForEvent(WaitForEventStep)
    }

    /// `duration: 10m`, or `until: "${ expr }"` rendering an RFC 3339 time or epoch milliseconds.
    public enum WaitStep: Sendable, Hashable {
        case duration(milliseconds: Int64)
        case until(JSONTemplate)
    }

    /// The step's kind as written in documents (`type:`).
    public var typeName: String {
        switch kind {
        case .task: "task"
        case .choice: "choice"
        case .set: "set"
        case .succeed: "succeed"
        case .fail: "fail"
        case .wait: "wait"
        case .parallel: "parallel"
        case .foreach: "foreach"
        case .subworkflow: "subworkflow"
        case .waitForEvent: "waitForEvent"
        }
    }
}

/// A task step's dispatch settings.
public struct TaskStep: Sendable, Hashable {
    /// Executors subscribe to `<prefix>tasks.<taskType>`.
    public var taskType: String
    /// The task's input. Without one, the task receives the workflow input.
    public var input: JSONTemplate?
    /// Start-to-close timeout, carried to the executor as `deadline`.
    public var timeoutMilliseconds: Int64?
    /// Longest time between heartbeats (counted from dispatch for the first one); each
    /// `heartbeat` result moves the deadline.
    public var heartbeatTimeoutMilliseconds: Int64?
    /// Longest time until an executor shows it took the task (its first heartbeat or its result).
    public var scheduleToStartTimeoutMilliseconds: Int64?

    public init(taskType: String, input: JSONTemplate? = nil, timeoutMilliseconds: Int64? = nil, heartbeatTimeoutMilliseconds: Int64? = nil, scheduleToStartTimeoutMilliseconds: Int64? = nil) {
        self.taskType = taskType
        self.input = input
        self.timeoutMilliseconds = timeoutMilliseconds
        self.heartbeatTimeoutMilliseconds = heartbeatTimeoutMilliseconds
        self.scheduleToStartTimeoutMilliseconds = scheduleToStartTimeoutMilliseconds
    }
}

/// What follows a step.
public enum Next: Sendable, Hashable {
    /// No next step: the workflow completes.
    case end
    case step(String)
    /// The first branch whose condition holds wins; otherwise `otherwise`, or the end of the workflow
    /// (a `choice` step with no match and no default fails instead: it exists to decide).
    case conditional([Branch], otherwise: String?)

    /// Every step id this transition can lead to.
    public var targets: [String] {
        switch self {
        case .end: []
        case .step(let id): [id]
        case .conditional(let branches, let otherwise): branches.map(\.target) + (otherwise.map { [$0] } ?? [])
        }
    }
}

public struct Branch: Sendable, Hashable {
    public var condition: Expression
    public var target: String

    public init(condition: Expression, target: String) {
        self.condition = condition
        self.target = target
    }
}

/// Starts the workflow when a CloudEvent of `eventType` arrives on the triggers topic.
public struct Trigger: Sendable, Hashable {
    public var eventType: String
    /// Evaluated on the CloudEvent (`$.data.total > 0`); the event is ignored when false.
    public var filter: Expression?
    /// Maps the CloudEvent to the workflow input. Default: the event's `data`.
    public var input: JSONTemplate?

    public init(eventType: String, filter: Expression? = nil, input: JSONTemplate? = nil) {
        self.eventType = eventType
        self.filter = filter
        self.input = input
    }
}
