import BatonExpressions

/// `subworkflow` steps: starting the child, taking its outcome, timing it out.
///
/// The child is created by the runtime from the `startChild` effect in the same transaction as
/// this step, so a crash never leaves a step that waits for a child nobody created. Lifecycle:
/// the child's own `workflow.*` events carry `parentInstanceId`; the step's `step.failed` carries
/// `childInstanceId`; start and completion are in the parent's history (`SubworkflowStarted`,
/// `SubworkflowEnded`).
extension Run {
    mutating func startSubworkflow(_ step: Step, _ subworkflow: SubworkflowStep, in executionId: String, attempt: Int, executions: Int) {
        let depth = (instance.parent?.depth ?? 0) + 1
        guard depth <= engine.maxSubworkflowDepth else {
            failStep(step, in: executionId, executions: executions, ErrorInfo(
                code: BatonErrorCode.subworkflowDepth,
                message: "step '\(step.id)' would start a child at depth \(depth), deeper than the \(engine.maxSubworkflowDepth) subworkflow levels allowed: does '\(subworkflow.workflowId)' start itself?",
                attempt: attempt
            ))
            return
        }
        let input: JSONValue
        do {
            input = try subworkflow.input?.render(in: instance.stateDocument(in: executionId)) ?? instance.input
        } catch {
            failStep(step, in: executionId, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "input mapping of step '\(step.id)' failed: \(error.message)", attempt: attempt))
            return
        }
        // Child ids come from the task sequence, so a child and a task of one parent never share an id.
        instance.taskSequence += 1
        let childId = "\(instance.id).\(instance.taskSequence)"
        let startedAt = attempt == 1 ? now : (self[step: step.id, in: executionId]?.startedAt ?? now)
        self[step: step.id, in: executionId] = StepState(status: .running, attempt: attempt, executions: executions, childId: childId, startedAt: startedAt)
        if let timeout = subworkflow.timeoutMilliseconds {
            setTimer(.subworkflowTimeout(executionId: executionId, stepId: step.id, childId: childId, at: now.adding(milliseconds: timeout)))
        }
        var data: [String: JSONValue] = ["childInstanceId": .string(childId), "workflowId": .string(subworkflow.workflowId), "input": input]
        if let version = subworkflow.version { data["version"] = .number(Double(version)) }
        record(.subworkflowStarted, stepId: step.id, in: executionId, attempt: attempt, data: .object(data))
        let parent = ParentLink(instanceId: instance.id, executionId: executionId, stepId: step.id, depth: depth)
        effects.append(.startChild(ChildStart(childId: childId, workflowId: subworkflow.workflowId, version: subworkflow.version, input: input, parent: parent)))
    }

    /// Why a child's report must be ignored, or nil when its step waits for it.
    func check(_ outcome: ChildOutcome) -> Rejection? {
        guard !instance.status.isTerminal else { return .instanceFinished }
        guard let state = instance.step(outcome.parent.stepId, in: outcome.parent.executionId), state.status == .running, state.childId == outcome.childId else {
            return .staleChild
        }
        if instance.deferred.contains(where: { if case .child(let other) = $0 { other.childId == outcome.childId } else { false } }) { return .staleChild }
        return nil
    }

    mutating func reject(_ reason: Rejection, outcome: ChildOutcome) -> Transition {
        record(.inputIgnored, stepId: outcome.parent.stepId, in: outcome.parent.executionId, data: [
            "reason": .string(reason.rawValue), "input": "child", "childInstanceId": .string(outcome.childId), "status": .string(outcome.status.rawValue),
        ])
        rejection = reason
        return Transition(instance: instance, history: history, effects: [], rejection: reason)
    }

    /// Applies a checked report: the step completes with the child's output or fails with its
    /// error; while the instance is paused the report is kept for `resume`.
    mutating func apply(_ outcome: ChildOutcome) {
        let executionId = outcome.parent.executionId
        guard let step = definition.steps[outcome.parent.stepId], let state = self[step: step.id, in: executionId] else { return }
        if instance.status == .paused {
            instance.deferred.append(.child(outcome))
            record(.inputDeferred, stepId: step.id, in: executionId, attempt: state.attempt, data: ["input": "child", "childInstanceId": .string(outcome.childId)])
            return
        }
        instance.timers["subworkflow-timeout:\(outcome.childId)"] = nil
        var data: [String: JSONValue] = ["childInstanceId": .string(outcome.childId), "status": .string(outcome.status.rawValue)]
        if let output = outcome.output { data["output"] = output }
        if let error = outcome.error { data["error"] = error.json }
        record(.subworkflowEnded, stepId: step.id, in: executionId, attempt: state.attempt, data: .object(data))
        guard outcome.status != .completed else {
            self[step: step.id, in: executionId]?.status = .completed
            self[step: step.id, in: executionId]?.output = outcome.output ?? .null
            self[step: step.id, in: executionId]?.error = nil
            let time = now
            self[step: step.id, in: executionId]?.completedAt = time
            instance.executions[executionId]?.lastStepId = step.id
            follow(step, in: executionId)
            return
        }
        // The child's own code, so `catch` and `retry` can tell a declined payment from a timeout.
        let childError = outcome.error ?? ErrorInfo(code: BatonErrorCode.taskFailed, message: "the child ended \(outcome.status.rawValue) without an error")
        var error = ErrorInfo(
            code: childError.code, message: "subworkflow '\(outcome.childWorkflowId)' (instance \(outcome.childId)) ended \(outcome.status.rawValue): \(childError.message)",
            retryable: childError.retryable, details: ["childInstanceId": .string(outcome.childId), "childError": childError.json]
        )
        error.stepId = step.id
        failComposite(step, in: executionId, error, childInstanceId: outcome.childId)
    }

    /// The step's `timeout` passed before its child ended: the child is cancelled and the
    /// attempt fails with `TIMEOUT` (retryable).
    mutating func timeOutSubworkflow(stepId: String, childId: String, in executionId: String) -> Rejection? {
        guard let step = definition.steps[stepId], let state = self[step: stepId, in: executionId], state.status == .running, state.childId == childId else {
            return .staleTimer
        }
        effects.append(.cancelChild(ChildCancellation(childId: childId, parentId: instance.id, reason: "step '\(stepId)' of instance \(instance.id) timed out waiting for it")))
        let error = ErrorInfo(
            code: BatonErrorCode.timeout, message: "subworkflow step '\(stepId)' (child instance \(childId)) did not finish within its timeout",
            retryable: true, details: ["childInstanceId": .string(childId)]
        )
        failComposite(step, in: executionId, error, childInstanceId: childId)
        return nil
    }
}
