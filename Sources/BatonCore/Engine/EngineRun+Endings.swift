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
        settleExecutions(.cancelled)
        record(.workflowTimedOut, data: ["error": error.json, "tasks": .array(running.map(JSONValue.string))])
        lifecycle(.workflowTimedOut, status: InstanceStatus.timedOut.rawValue, error: error, duration: max(0, now.milliseconds(since: instance.createdAt)))
    }

    /// A step failed for good: its `catch`, `fallback`, `continueOnFailure`, then (in the root) the
    /// definition's `onFailure`; otherwise its execution fails, and the parent decides what that
    /// means (the root failing fails the instance).
    mutating func handleFailure(of step: Step, in executionId: String, _ error: ErrorInfo) {
        let handling = step.onError
        let handlingFailure = instance.executions[executionId]?.handlingFailure
        if let clause = handling.catches.first(where: { $0.matches(error.code) }) {
            handled(step, in: executionId, error, by: "catch", next: clause.next)
            enter(clause.next, in: executionId)
        } else if let fallback = handling.fallback {
            handled(step, in: executionId, error, by: "fallback", next: fallback)
            enter(fallback, in: executionId)
        } else if handling.continueOnFailure {
            handled(step, in: executionId, error, by: "continueOnFailure", next: nil)
            follow(step, in: executionId)
        } else if executionId == Execution.rootId, let onFailure = definition.onFailure, handlingFailure == nil {
            instance.root.handlingFailure = error
            handled(step, in: executionId, error, by: "onFailure", next: onFailure)
            enter(onFailure, in: executionId)
        } else {
            failExecution(executionId, handlingFailure ?? error)
        }
    }

    mutating func handled(_ step: Step, in executionId: String, _ error: ErrorInfo, by handler: String, next: String?) {
        record(.errorHandled, stepId: step.id, in: executionId, attempt: error.attempt, data: ["handler": .string(handler), "next": next.map(JSONValue.string) ?? .null, "error": error.json])
    }

    // MARK: Ending

    mutating func completeWorkflow(explicitOutput: JSONValue?, bySucceedStep: Bool = false) {
        // An `onFailure` path that ends anywhere but in a succeed step leaves the instance FAILED.
        if let failure = instance.root.handlingFailure, !bySucceedStep {
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
            output = instance.root.lastStepId.flatMap { instance.root.steps[$0]?.output } ?? .null
        }
        if let schema = definition.outputSchema {
            let errors = schema.validate(output)
            if !errors.isEmpty {
                failWorkflow(ErrorInfo(
                    code: BatonErrorCode.invalidOutput, message: "the output does not match the definition's outputSchema: \(ValueSchema.summary(errors))",
                    details: ["errors": .array(errors.prefix(20).map { ["pointer": .string($0.instancePath), "message": .string($0.message)] })]
                ))
                return
            }
        }
        instance.status = .completed
        instance.output = output
        instance.completedAt = now
        instance.timers = [:]
        instance.root.handlingFailure = nil
        instance.root.output = output
        settleExecutions(.completed)
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
        instance.root.error = recorded
        settleExecutions(.failed)
        record(.workflowFailed, stepId: recorded.stepId, attempt: recorded.attempt, data: ["error": recorded.json])
        lifecycle(.workflowFailed, status: InstanceStatus.failed.rawValue, stepId: recorded.stepId, attempt: recorded.attempt, error: recorded, duration: max(0, now.milliseconds(since: instance.createdAt)))
    }
}
