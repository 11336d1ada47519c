import BatonExpressions

/// How executions end and what their parent makes of it.
extension Run {
    /// Execution `executionId` reached the end of its steps (`.end`, or a `succeed` step): the
    /// root completes the instance; any other execution reports to the step that started it.
    mutating func endExecution(_ executionId: String, explicitOutput: JSONValue?, bySucceedStep: Bool = false) {
        guard executionId != Execution.rootId else {
            completeWorkflow(explicitOutput: explicitOutput, bySucceedStep: bySucceedStep)
            return
        }
        guard var execution = instance.executions[executionId], execution.status == .running else { return }
        execution.status = .completed
        execution.output = explicitOutput ?? execution.lastStepId.flatMap { execution.steps[$0]?.output } ?? .null
        execution.completedAt = now
        instance.executions[executionId] = execution
        childEnded(execution)
    }

    /// Execution `executionId` failed and none of its own handlers caught it: the root fails the
    /// instance; any other execution reports to the step that started it.
    mutating func failExecution(_ executionId: String, _ error: ErrorInfo) {
        guard executionId != Execution.rootId else {
            failWorkflow(error)
            return
        }
        guard var execution = instance.executions[executionId], execution.status == .running else { return }
        execution.status = .failed
        execution.error = error
        execution.completedAt = now
        instance.executions[executionId] = execution
        childEnded(execution)
    }

    /// A child execution ended: the step that started it decides what follows.
    mutating func childEnded(_ execution: Execution) {
        guard let parentId = execution.parentId, let stepId = execution.parentStepId, let step = definition.steps[stepId] else { return }
        switch step.kind {
        case .parallel(let parallel): branchEnded(execution, of: step, parallel, in: parentId)
        case .foreach(let foreach): itemEnded(execution, of: step, foreach, in: parentId)
        case .task, .choice, .set, .succeed, .fail, .wait, .subworkflow, .waitForEvent: break
        }
    }

    /// Abandons execution `executionId` and everything below it: their tasks are cancelled,
    /// their timers dropped, their open steps marked CANCELLED.
    mutating func cancelExecution(_ executionId: String, reason: String) {
        let prefix = executionId + "/"
        let inside = { (id: String) in id == executionId || id.hasPrefix(prefix) }
        for taskId in instance.activeTasks.keys.sorted() where inside(instance.activeTasks[taskId]!.executionId) {
            cancelTask(instance.activeTasks[taskId]!, reason: reason)
        }
        for (id, timer) in instance.timers {
            if let owner = timer.executionId, inside(owner) { instance.timers[id] = nil }
        }
        for id in instance.executions.keys.sorted() where inside(id) && instance.executions[id]!.status == .running {
            abandonOpenSteps(in: id, reason: reason)
            instance.executions[id]!.status = .cancelled
            instance.executions[id]!.completedAt = now
        }
    }

    /// The instance ended: the root takes its status, and every execution still running is
    /// abandoned.
    mutating func settleExecutions(_ rootStatus: ExecutionStatus) {
        for id in instance.executions.keys.sorted() where instance.executions[id]!.status == .running {
            instance.executions[id]!.status = id == Execution.rootId ? rootStatus : .cancelled
            instance.executions[id]!.completedAt = now
        }
    }
}
