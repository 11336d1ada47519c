import BatonCore
import BatonExpressions

/// How one history event changes the step-executions projection.
///
/// Derived in one place so that every backend projects history identically: `TaskScheduled`
/// starts an execution (input from `data.input`), `TaskCompleted` and `TaskFailed` finish the one
/// with the same task id (and attempt, when the event has one). Other events, and task events
/// without a task id (a step that failed before dispatch), change nothing.
package enum StepExecutionChange: Sendable, Hashable {
    case scheduled(StepExecution, historySequence: Int)
    case completed(instanceId: String, taskId: String, attempt: Int?, output: JSONValue?, at: Timestamp)
    case failed(instanceId: String, taskId: String, attempt: Int?, error: JSONValue?, at: Timestamp)

    package init?(_ item: InstanceHistoryEvent) {
        let event = item.event
        guard let taskId = event.taskId else { return nil }
        switch event.type {
        case .taskScheduled:
            self = .scheduled(
                StepExecution(
                    instanceId: item.instanceId, taskId: taskId, stepId: event.stepId ?? "", attempt: event.attempt ?? 1,
                    status: .scheduled, input: event.data["input"].nonNull, scheduledAt: event.time),
                historySequence: event.sequence)
        case .taskCompleted:
            self = .completed(instanceId: item.instanceId, taskId: taskId, attempt: event.attempt, output: event.data["output"].nonNull, at: event.time)
        case .taskFailed:
            self = .failed(instanceId: item.instanceId, taskId: taskId, attempt: event.attempt, error: event.data["error"].nonNull, at: event.time)
        default:
            return nil
        }
    }
}

extension Optional where Wrapped == JSONValue {
    /// JSON `null` and absence mean the same in projections: both are stored as NULL.
    package var nonNull: JSONValue? {
        if let value = self, !value.isNull { return value }
        return nil
    }
}
