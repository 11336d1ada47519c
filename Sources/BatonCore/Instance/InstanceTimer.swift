import BatonExpressions

/// A point in time an instance waits for: the next attempt of a step, a task's deadline, the
/// workflow's deadline.
///
/// Timers live in the instance (so the engine stays pure: firing one is just another input) and
/// are mirrored by the store into an index on `fireAt`, written in the same transaction as the
/// state that created them; the timer service reads only due rows from that index.
public struct InstanceTimer: Sendable, Hashable {
    /// Unique within the instance; derived from what it is for, so it is stable across replays.
    public var id: String
    public var fireAt: Timestamp
    public var kind: Kind

    public enum Kind: Sendable, Hashable {
        /// Start attempt `attempt` of task step `stepId` of execution `executionId`.
        case retry(executionId: String, stepId: String, attempt: Int)
        /// Task `taskId` ran past its start-to-close `timeout`.
        case taskTimeout(taskId: String)
        /// Task `taskId` sent no heartbeat within `heartbeatTimeout`.
        case heartbeatTimeout(taskId: String)
        /// Task `taskId` was not picked up (no heartbeat or result) within `scheduleToStartTimeout`.
        case startTimeout(taskId: String)
        /// A `wait` step's time has come (`execution` tells repeated runs of the step apart).
        case wait(executionId: String, stepId: String, execution: Int)
        /// The instance has run out of time.
        case workflowTimeout
        /// Child instance `childId` of `subworkflow` step `stepId` ran past the step's `timeout`.
        case subworkflowTimeout(executionId: String, stepId: String, childId: String)
        /// `waitForEvent` step `stepId` waited past its `timeout` (wait `waitId`).
        case eventTimeout(executionId: String, stepId: String, waitId: String)
    }

    public init(id: String, fireAt: Timestamp, kind: Kind) {
        self.id = id
        self.fireAt = fireAt
        self.kind = kind
    }

    /// Ids of root timers are what they were before executions existed, so stored timers of
    /// older documents keep matching their index rows.
    public static func retry(executionId: String = Execution.rootId, stepId: String, attempt: Int, at: Timestamp) -> InstanceTimer {
        InstanceTimer(
            id: "retry:\(Execution.scopedStep(executionId, stepId)):\(attempt)", fireAt: at,
            kind: .retry(executionId: executionId, stepId: stepId, attempt: attempt)
        )
    }

    public static func taskTimeout(taskId: String, at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "timeout:\(taskId)", fireAt: at, kind: .taskTimeout(taskId: taskId))
    }

    public static func heartbeatTimeout(taskId: String, at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "heartbeat:\(taskId)", fireAt: at, kind: .heartbeatTimeout(taskId: taskId))
    }

    public static func startTimeout(taskId: String, at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "start:\(taskId)", fireAt: at, kind: .startTimeout(taskId: taskId))
    }

    /// Ids of every deadline timer a task can have.
    public static func taskTimerIds(_ taskId: String) -> [String] {
        ["timeout:\(taskId)", "heartbeat:\(taskId)", "start:\(taskId)"]
    }

    public static func wait(executionId: String = Execution.rootId, stepId: String, execution: Int, at: Timestamp) -> InstanceTimer {
        InstanceTimer(
            id: "wait:\(Execution.scopedStep(executionId, stepId)):\(execution)", fireAt: at,
            kind: .wait(executionId: executionId, stepId: stepId, execution: execution)
        )
    }

    /// The execution the timer belongs to (nil for task deadlines, which follow their task, and
    /// for the workflow timeout).
    public var executionId: String? {
        switch kind {
        case .retry(let executionId, _, _), .wait(let executionId, _, _), .subworkflowTimeout(let executionId, _, _), .eventTimeout(let executionId, _, _): executionId
        default: nil
        }
    }

    public static func subworkflowTimeout(executionId: String, stepId: String, childId: String, at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "subworkflow-timeout:\(childId)", fireAt: at, kind: .subworkflowTimeout(executionId: executionId, stepId: stepId, childId: childId))
    }

    public static func eventTimeout(executionId: String, stepId: String, waitId: String, at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "timeout:\(waitId)", fireAt: at, kind: .eventTimeout(executionId: executionId, stepId: stepId, waitId: waitId))
    }

    public static func workflowTimeout(at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "workflow-timeout", fireAt: at, kind: .workflowTimeout)
    }
}
