import BatonExpressions

/// Failure handling and the ways an instance ends.
extension Run {
    mutating func timeOutWorkflow() {
        let error = ErrorInfo(code: BatonErrorCode.workflowTimeout, message: "the workflow did not finish within its timeout", time: now)
        instance.status = .timedOut
        instance.error = error
        instance.completedAt = now
        let running = instance.activeTasks.keys.sorted()
        cancelRunningTasks(reason: "the workflow timed out")
        instance.timers = [:]
        record(.workflowTimedOut, data: ["error": error.json, "tasks": .array(running.map(JSONValue.string))])
        lifecycle(.workflowTimedOut, status: InstanceStatus.timedOut.rawValue, error: error, duration: max(0, now.milliseconds(since: instance.createdAt)))
    }

    /// A step failed for good: its `catch`, `fallback`, `continueOnFailure`, then the definition's
    /// `onFailure`; otherwise the instance fails.
    mutating func handleFailure(of step: Step, _ error: ErrorInfo) {
        let handling = step.onError
        if let clause = handling.catches.first(where: { $0.matches(error.code) }) {
            handled(step, error, by: "catch", next: clause.next)
            enter(clause.next)
        } else if let fallback = handling.fallback {
            handled(step, error, by: "fallback", next: fallback)
            enter(fallback)
        } else if handling.continueOnFailure {
            handled(step, error, by: "continueOnFailure", next: nil)
            follow(step)
        } else if let onFailure = definition.onFailure, instance.handlingFailure == nil {
            instance.handlingFailure = error
            handled(step, error, by: "onFailure", next: onFailure)
            enter(onFailure)
        } else {
            failWorkflow(instance.handlingFailure ?? error)
        }
    }

    mutating func handled(_ step: Step, _ error: ErrorInfo, by handler: String, next: String?) {
        record(.errorHandled, stepId: step.id, attempt: error.attempt, data: ["handler": .string(handler), "next": next.map(JSONValue.string) ?? .null, "error": error.json])
    }

    // MARK: Ending

    mutating func completeWorkflow(explicitOutput: JSONValue?, bySucceedStep: Bool = false) {
        // An `onFailure` path that ends anywhere but in a succeed step leaves the instance FAILED.
        if let failure = instance.handlingFailure, !bySucceedStep {
            failWorkflow(failure)
            return
        }
        // A succeed step's own output wins; then the definition's output mapping; then the last step's output.
        let output: JSONValue
        if let explicitOutput {
            output = explicitOutput
        } else if let template = definition.output {
            do {
                output = try template.render(in: instance.stateDocument)
            } catch {
                failWorkflow(ErrorInfo(code: BatonErrorCode.outputMapping, message: "workflow output mapping failed: \(error.message)"))
                return
            }
        } else {
            output = instance.lastStepId.flatMap { instance.steps[$0]?.output } ?? .null
        }
        instance.status = .completed
        instance.output = output
        instance.completedAt = now
        instance.timers = [:]
        instance.handlingFailure = nil
        record(.workflowCompleted, data: ["output": output])
        lifecycle(.workflowCompleted, status: InstanceStatus.completed.rawValue, output: output, duration: max(0, now.milliseconds(since: instance.createdAt)))
    }

    mutating func failWorkflow(_ error: ErrorInfo) {
        var recorded = error
        recorded.time = recorded.time ?? now
        instance.status = .failed
        instance.error = recorded
        instance.completedAt = now
        cancelRunningTasks(reason: "the workflow failed: \(recorded.code)")
        instance.timers = [:]
        record(.workflowFailed, stepId: recorded.stepId, attempt: recorded.attempt, data: ["error": recorded.json])
        lifecycle(.workflowFailed, status: InstanceStatus.failed.rawValue, stepId: recorded.stepId, attempt: recorded.attempt, error: recorded, duration: max(0, now.milliseconds(since: instance.createdAt)))
    }
}
