import BatonExpressions

/// A request to create an instance. The runtime chooses the id (from an idempotency key, a trigger
/// event or a fresh UUID), so the engine stays deterministic.
public struct StartWorkflow: Sendable, Hashable {
    public var instanceId: String
    public var input: JSONValue
    /// What started it (`api`, `trigger:<source>/<id>`), shown in the instance view and history.
    public var origin: String
    /// Set when a `subworkflow` step starts the instance.
    public var parent: ParentLink?
    /// The definition's `key` computed from `input` (the runtime checks it is free).
    public var businessKey: String?
    /// The W3C trace context of what started it (a trigger, a REST request, a parent workflow).
    public var trace: TraceContext?
    /// Set when a concurrency limit applies to the workflow: the instance is created QUEUED and
    /// runs nothing until the store admits it (`Engine.admitted`). The runtime decides, since
    /// only the store knows how many run.
    public var queued: Bool

    public init(instanceId: String, input: JSONValue, origin: String, parent: ParentLink? = nil, businessKey: String? = nil, trace: TraceContext? = nil, queued: Bool = false) {
        self.queued = queued
        self.businessKey = businessKey
        self.trace = trace
        self.instanceId = instanceId
        self.input = input
        self.origin = origin
        self.parent = parent
    }
}

/// A task executor's report about one attempt, as read from the task-results topic.
public struct TaskResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable {
        case completed, failed, heartbeat
    }

    public var taskId: String
    public var instanceId: String
    public var stepId: String
    /// The execution the task request named; nil from workers written before executions existed,
    /// which the engine reads as the task's own execution.
    public var executionId: String?
    public var attempt: Int
    public var status: Status
    public var output: JSONValue?
    public var error: ErrorInfo?
    public var workerId: String?
    /// The `traceparent` the worker sent with its result (its own span), kept in the history so
    /// the step's record points at the worker's span.
    public var traceparent: String?

    public init(taskId: String, instanceId: String, stepId: String, executionId: String? = nil, attempt: Int, status: Status, output: JSONValue? = nil, error: ErrorInfo? = nil, workerId: String? = nil, traceparent: String? = nil) {
        self.traceparent = traceparent
        self.taskId = taskId
        self.instanceId = instanceId
        self.stepId = stepId
        self.executionId = executionId
        self.attempt = attempt
        self.status = status
        self.output = output
        self.error = error
        self.workerId = workerId
    }
}

/// Everything that can happen to an existing instance.
public enum EngineInput: Sendable, Hashable {
    case taskResult(TaskResult)
    /// An operator cancelled the instance; `by` and `reason` go to history.
    case cancel(reason: String, by: String)
    /// A pending timer of the instance is due.
    case timerFired(timerId: String)
    /// A child instance started by one of the instance's `subworkflow` steps ended.
    case childEnded(ChildOutcome)
    /// A CloudEvent matched one of the instance's waits, or a signal was sent to it.
    case event(EventDelivery)
}
