extension WorkflowInstance {
    /// What was applied, when `result` repeats an attempt whose outcome the instance already holds
    /// (the step's current execution) but reports another outcome: a different status, output or
    /// error code. nil for an identical repeat, a heartbeat, or an attempt not applied.
    ///
    /// The first applied wins; the other is kept for an operator (dead-lettered as `CONFLICT`)
    /// rather than dropped as a mere duplicate, on a running instance as on a finished one.
    public func conflict(with result: TaskResult) -> String? {
        guard activeTasks[result.taskId] == nil, let step = appliedStep(of: result) else { return nil }
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

extension WorkflowInstance {
    /// The step state whose current attempt is `result`'s task, in the execution the result
    /// names. A result without an execution (from a worker written before executions existed)
    /// is looked up in the root first, then in the other executions: a rare path (repeats of
    /// results already applied), so a scan there costs nothing on the way of fresh results.
    public func appliedStep(of result: TaskResult) -> StepState? {
        if let executionId = result.executionId {
            guard let step = executions[executionId]?.steps[result.stepId], step.taskId == result.taskId else { return nil }
            return step
        }
        if let step = root.steps[result.stepId], step.taskId == result.taskId { return step }
        for execution in executions.values where !execution.isRoot {
            if let step = execution.steps[result.stepId], step.taskId == result.taskId { return step }
        }
        return nil
    }
}
