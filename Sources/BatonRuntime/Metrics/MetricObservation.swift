import BatonCore

/// What one decided batch tells the metrics, taken from the lifecycle events it emits (the same
/// record analytics consumers read) and recorded only once the batch is durable: a batch the store
/// refuses is decided again, and must not be counted twice.
enum MetricObservation: Sendable, Hashable {
    case workflowStarted(workflow: String)
    case workflowEnded(workflow: String, status: String, seconds: Double)
    case stepEnded(workflow: String, step: String, outcome: String, seconds: Double)
    case stepError(workflow: String, step: String, code: String)

    /// The observations of one lifecycle event (none for most types).
    static func of(_ event: LifecycleEvent, into observations: inout [MetricObservation]) {
        let seconds = Double(event.durationMilliseconds ?? 0) / 1000
        switch event.type {
        case .workflowStarted:
            observations.append(.workflowStarted(workflow: event.workflowId))
        case .workflowCompleted, .workflowFailed, .workflowCancelled, .workflowTimedOut:
            observations.append(.workflowEnded(workflow: event.workflowId, status: event.status, seconds: seconds))
        case .stepCompleted:
            observations.append(.stepEnded(workflow: event.workflowId, step: event.stepId ?? "", outcome: "completed", seconds: seconds))
        case .stepFailed:
            observations.append(.stepEnded(workflow: event.workflowId, step: event.stepId ?? "", outcome: "failed", seconds: seconds))
            observations.append(.stepError(workflow: event.workflowId, step: event.stepId ?? "", code: event.error?.code ?? "UNKNOWN"))
        case .stepRetrying:
            // A timed-out attempt is followed by `step.retrying` or `step.failed` with code
            // TIMEOUT: counting those two counts every failed attempt exactly once.
            observations.append(.stepError(workflow: event.workflowId, step: event.stepId ?? "", code: event.error?.code ?? "UNKNOWN"))
        default:
            break
        }
    }
}
