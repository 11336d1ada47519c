import BatonExpressions

/// An input that arrived while the instance was paused: recorded in history at once, acted on
/// when the instance resumes, in arrival order.
public enum DeferredInput: Sendable, Hashable {
    case result(TaskResult)
    case timer(InstanceTimer)
    case child(ChildOutcome)
    case event(EventDelivery)

    /// The task it concerns, if any (a second result for it is a duplicate).
    public var taskId: String? {
        switch self {
        case .result(let result): result.taskId
        case .child, .event: nil
        case .timer(let timer):
            switch timer.kind {
            case .taskTimeout(let id), .heartbeatTimeout(let id), .startTimeout(let id): id
            default: nil
            }
        }
    }
}
