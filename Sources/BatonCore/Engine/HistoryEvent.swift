import BatonExpressions

/// One entry of an instance's append-only history: what happened, when, and to which step.
///
/// History is the audit trail (what did the worker return, which branch was taken, which result
/// was ignored and why), so ignored inputs are recorded too.
public struct HistoryEvent: Sendable, Hashable {
    /// 1, 2, 3 … per instance, with no gaps.
    public var sequence: Int
    public var time: Timestamp
    public var type: HistoryEventType
    public var stepId: String?
    /// The execution of the step when it is not the root (nil: the root, or no step).
    public var executionId: String?
    public var taskId: String?
    public var attempt: Int?
    public var data: JSONValue

    public init(sequence: Int, time: Timestamp, type: HistoryEventType, stepId: String? = nil, executionId: String? = nil, taskId: String? = nil, attempt: Int? = nil, data: JSONValue = .null) {
        self.sequence = sequence
        self.time = time
        self.type = type
        self.stepId = stepId
        self.executionId = executionId
        self.taskId = taskId
        self.attempt = attempt
        self.data = data
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["sequence": .number(Double(sequence)), "time": .string(time.iso8601), "type": .string(type.rawValue)]
        if let stepId { o["stepId"] = .string(stepId) }
        if let executionId { o["executionId"] = .string(executionId) }
        if let taskId { o["taskId"] = .string(taskId) }
        if let attempt { o["attempt"] = .number(Double(attempt)) }
        if !data.isNull { o["data"] = data }
        return .object(o)
    }
}

public enum HistoryEventType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Created QUEUED under a concurrency limit (its `WorkflowStarted` follows at admission).
    case workflowQueued = "WorkflowQueued"
    case workflowStarted = "WorkflowStarted"
    case workflowCompleted = "WorkflowCompleted"
    case workflowFailed = "WorkflowFailed"
    case workflowCancelled = "WorkflowCancelled"
    case taskScheduled = "TaskScheduled"
    case taskCompleted = "TaskCompleted"
    case taskFailed = "TaskFailed"
    case taskHeartbeat = "TaskHeartbeat"
    /// A step that runs no task failed: its input or output mapping, a condition, a `fail` step
    /// (data: error). Task attempts that fail are `TaskFailed`.
    case stepFailed = "StepFailed"
    /// An attempt failed and the next one is scheduled (data: nextAttempt, at, delayMilliseconds, error).
    case stepRetrying = "StepRetrying"
    /// An attempt ran out of time; a `TaskFailed` with code `TIMEOUT` follows.
    case taskTimedOut = "TaskTimedOut"
    /// A failed step's handler took over (data: handler = catch | fallback | continueOnFailure | onFailure, next, error).
    case errorHandled = "ErrorHandled"
    case workflowTimedOut = "WorkflowTimedOut"
    /// An operator paused, resumed, retried or reran the instance (data: by, reason, …).
    case workflowPaused = "WorkflowPaused"
    case workflowResumed = "WorkflowResumed"
    case workflowRetried = "WorkflowRetried"
    case workflowRerun = "WorkflowRerun"
    /// A result or timer arrived while the instance was paused; it is applied at resume.
    case inputDeferred = "InputDeferred"
    /// A `wait` step started waiting (data: until) / finished.
    case waitStarted = "WaitStarted"
    case waitCompleted = "WaitCompleted"
    case variablesSet = "VariablesSet"
    case branchTaken = "BranchTaken"
    /// A parallel step started its branches (data: executions, join).
    case branchesStarted = "BranchesStarted"
    /// A branch ended (executionId: the branch; data: status, output or error).
    case branchEnded = "BranchEnded"
    /// A parallel step's join was met (data: output, completed, cancelled).
    case branchesJoined = "BranchesJoined"
    /// A subworkflow step created its child instance (data: childInstanceId, workflowId, version).
    case subworkflowStarted = "SubworkflowStarted"
    /// A subworkflow step's child instance ended (data: childInstanceId, status, output or error).
    case subworkflowEnded = "SubworkflowEnded"
    /// A `waitForEvent` step started waiting (data: event, correlationKey, waitId).
    case eventWaitStarted = "EventWaitStarted"
    /// A waiting step received its event or signal (data: event, origin, data).
    case eventReceived = "EventReceived"
    /// A signal arrived that no step waited for: kept for the event window (data: signal, by).
    case signalBuffered = "SignalBuffered"
    /// A `waitForEvent` step waited past its timeout (data: waitId, next).
    case eventWaitTimedOut = "EventWaitTimedOut"
    /// A result or command that changed nothing (duplicate, stale attempt, finished instance).
    case inputIgnored = "InputIgnored"
}
