extension WorkflowInstance {
    /// What was applied, when `result` repeats an attempt whose outcome the instance already holds
    /// (the step's current execution) but reports another outcome: a different status, output or
    /// error code. nil for an identical repeat, a heartbeat, or an attempt not applied.
    ///
    /// The first applied wins; the other is kept for an operator (dead-lettered as `CONFLICT`)
    /// rather than dropped as a mere duplicate, on a running instance as on a finished one.
    public func conflict(with result: TaskResult) -> String? {
        guard let step = steps[result.stepId], step.taskId == result.taskId, activeTasks[result.taskId] == nil else { return nil }
        switch (step.status, result.status) {
        case (.completed, .completed):
            return (step.output ?? .null) == (result.output ?? .null) ? nil : "completed already with a different output"
        case (.failed, .failed), (.retrying, .failed):
            return step.error?.code == result.error?.code ? nil : "failed already with \(step.error?.code ?? "an error")"
        case (.completed, .failed):
            return "completed already"
        case (.failed, .completed), (.retrying, .completed):
            return "failed already with \(step.error?.code ?? "an error")"
        default:
            return nil
        }
    }
}
