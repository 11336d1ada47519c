import BatonExpressions

/// Something the runtime must do after the transition is committed. Effects are data, so the
/// engine can be tested by comparing them, and the runtime can write them to the outbox in the
/// same transaction as the state that caused them.
public enum Effect: Sendable, Hashable {
    case dispatchTask(TaskDispatch)
    case emitLifecycle(LifecycleEvent)
    /// Tell executors to stop a task whose result is no longer wanted.
    case cancelTask(TaskCancellation)
    /// Create a child instance for a `subworkflow` step (in the same transaction).
    case startChild(ChildStart)
    /// Cancel a child instance the parent no longer waits for (in the same transaction).
    case cancelChild(ChildCancellation)
    /// This instance was started by a `subworkflow` step and has ended: its parent's step goes on.
    case reportToParent(ChildOutcome)
}

/// A task Baton no longer waits for (the instance was cancelled, timed out, failed elsewhere, or
/// rerun), so its executor can stop working on it. Best effort: a result that still arrives is
/// ignored and recorded.
public struct TaskCancellation: Sendable, Hashable {
    public var taskId: String
    public var instanceId: String
    public var workflowId: String
    public var stepId: String
    public var executionId: String
    public var taskType: String
    public var attempt: Int
    public var reason: String
    public var cancelledAt: Timestamp

    public init(taskId: String, instanceId: String, workflowId: String, stepId: String, executionId: String = Execution.rootId, taskType: String, attempt: Int, reason: String, cancelledAt: Timestamp) {
        self.taskId = taskId
        self.instanceId = instanceId
        self.workflowId = workflowId
        self.stepId = stepId
        self.executionId = executionId
        self.taskType = taskType
        self.attempt = attempt
        self.reason = reason
        self.cancelledAt = cancelledAt
    }
}

/// A task request for executors of `taskType`.
public struct TaskDispatch: Sendable, Hashable {
    /// Stable across redelivery of the same attempt; a new attempt gets a new id.
    public var taskId: String
    public var instanceId: String
    public var workflowId: String
    public var workflowVersion: Int
    public var stepId: String
    /// The path of control that dispatched it (`root`, `charge/card`, `fanout[17]`); workers echo
    /// it in their result.
    public var executionId: String
    public var taskType: String
    public var attempt: Int
    public var input: JSONValue
    public var scheduledAt: Timestamp
    public var deadline: Timestamp?

    public init(taskId: String, instanceId: String, workflowId: String, workflowVersion: Int, stepId: String, executionId: String = Execution.rootId, taskType: String, attempt: Int, input: JSONValue, scheduledAt: Timestamp, deadline: Timestamp? = nil) {
        self.taskId = taskId
        self.instanceId = instanceId
        self.workflowId = workflowId
        self.workflowVersion = workflowVersion
        self.stepId = stepId
        self.executionId = executionId
        self.taskType = taskType
        self.attempt = attempt
        self.input = input
        self.scheduledAt = scheduledAt
        self.deadline = deadline
    }
}

/// The kinds of lifecycle events; raw values are the CloudEvents `type`.
public enum LifecycleEventType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Created under a concurrency limit with no free slot: it waits, in order, to start.
    case workflowQueued = "workflow.queued"
    case workflowStarted = "workflow.started"
    case workflowCompleted = "workflow.completed"
    case workflowFailed = "workflow.failed"
    case workflowCancelled = "workflow.cancelled"
    case stepScheduled = "step.scheduled"
    case stepCompleted = "step.completed"
    case stepFailed = "step.failed"
    case stepRetrying = "step.retrying"
    case stepTimedOut = "step.timed_out"
    case workflowTimedOut = "workflow.timed_out"
    case workflowPaused = "workflow.paused"
    /// After a pause, and when an operator retries a failed instance or reruns it from a step.
    case workflowResumed = "workflow.resumed"
}

/// A lifecycle event before it is framed as a CloudEvent.
public struct LifecycleEvent: Sendable, Hashable {
    /// Fixed when the event is written to the outbox (`<instanceId>.<history sequence>`), so a
    /// duplicate on the wire carries the same id and consumers can drop it.
    public var id: String
    public var type: LifecycleEventType
    public var instanceId: String
    public var workflowId: String
    public var workflowVersion: Int
    public var stepId: String?
    /// The execution of the step, for step events.
    public var executionId: String?
    public var taskId: String?
    public var attempt: Int?
    /// The instance status, or the step status for step events.
    public var status: String
    public var output: JSONValue?
    public var error: ErrorInfo?
    /// For completions and failures: time since the workflow or step started.
    public var durationMilliseconds: Int64?
    public var time: Timestamp
    /// For workflow.* events of an instance a `subworkflow` step started: its parent.
    public var parentInstanceId: String?
    /// For step.* events of a `subworkflow` step: the child instance it started.
    public var childInstanceId: String?

    public init(id: String, type: LifecycleEventType, instanceId: String, workflowId: String, workflowVersion: Int, stepId: String? = nil, executionId: String? = nil, taskId: String? = nil, attempt: Int? = nil, status: String, output: JSONValue? = nil, error: ErrorInfo? = nil, durationMilliseconds: Int64? = nil, time: Timestamp) {
        self.id = id
        self.type = type
        self.instanceId = instanceId
        self.workflowId = workflowId
        self.workflowVersion = workflowVersion
        self.stepId = stepId
        self.executionId = executionId
        self.taskId = taskId
        self.attempt = attempt
        self.status = status
        self.output = output
        self.error = error
        self.durationMilliseconds = durationMilliseconds
        self.time = time
    }
}
