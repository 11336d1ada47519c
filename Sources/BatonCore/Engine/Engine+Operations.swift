import BatonExpressions

/// What operators do to instances (through the REST API and the CLI). Each is recorded in the
/// instance history with who asked and why.
extension Engine {
    /// Why an operation cannot apply to the instance as it is, for people.
    public enum OperationRefusal: Error, Sendable, Hashable {
        case wrongStatus(InstanceStatus, expected: String)
        case unknownStep(String)
        case noFailedStep

        public var message: String {
            switch self {
            case .wrongStatus(let status, let expected): "the instance is \(status.rawValue); this needs \(expected)"
            case .unknownStep(let id): "the instance's definition version has no step '\(id)'"
            case .noFailedStep: "the instance failed outside any step (e.g. in its output mapping); rerun it from a step instead"
            }
        }
    }

    /// RUNNING → PAUSED: no new step is scheduled; results of running tasks are recorded and kept.
    public func pauseRequested(reason: String, by: String, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Result<Transition, OperationRefusal> {
        guard instance.status == .running else { return .failure(.wrongStatus(instance.status, expected: "RUNNING")) }
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        run.instance.status = .paused
        run.record(.workflowPaused, data: ["by": .string(by), "reason": .string(reason)])
        run.lifecycle(.workflowPaused, status: InstanceStatus.paused.rawValue)
        return .success(run.finish())
    }

    /// PAUSED → RUNNING, then applies what arrived meanwhile, in arrival order.
    public func resumeRequested(reason: String, by: String, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Result<Transition, OperationRefusal> {
        guard instance.status == .paused else { return .failure(.wrongStatus(instance.status, expected: "PAUSED")) }
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        run.instance.status = .running
        run.record(.workflowResumed, data: ["by": .string(by), "reason": .string(reason), "deferred": .number(Double(instance.deferred.count))])
        run.lifecycle(.workflowResumed, status: InstanceStatus.running.rawValue)
        run.replayDeferred()
        return .success(run.finish())
    }

    /// FAILED (or TIMED_OUT) → RUNNING from the step that failed, as a new execution of it with
    /// fresh attempts.
    public func retryRequested(reason: String, by: String, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Result<Transition, OperationRefusal> {
        guard instance.status == .failed || instance.status == .timedOut else {
            return .failure(.wrongStatus(instance.status, expected: "FAILED or TIMED_OUT"))
        }
        guard let stepId = instance.error?.stepId ?? (instance.status == .timedOut ? instance.root.lastStepId : nil) else { return .failure(.noFailedStep) }
        guard definition.steps[stepId] != nil else { return .failure(.unknownStep(stepId)) }
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        run.reopen()
        run.record(.workflowRetried, stepId: stepId, data: ["by": .string(by), "reason": .string(reason), "previousError": instance.error?.json ?? .null])
        run.lifecycle(.workflowResumed, status: InstanceStatus.running.rawValue, stepId: stepId)
        run.enter(stepId, in: Execution.rootId)
        return .success(run.finish())
    }

    /// Any status → RUNNING from `stepId`, optionally with a new input. Running tasks are
    /// cancelled and pending timers dropped first.
    public func rerunRequested(from stepId: String, input: JSONValue?, reason: String, by: String, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Result<Transition, OperationRefusal> {
        guard definition.steps[stepId] != nil else { return .failure(.unknownStep(stepId)) }
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        run.cancelRunningTasks(reason: "instance rerun from step '\(stepId)' by \(by): \(reason)")
        run.reopen()
        if let input {
            run.instance.input = input
            run.instance.inputRevision += 1
        }
        run.record(.workflowRerun, stepId: stepId, data: ["by": .string(by), "reason": .string(reason), "newInput": input ?? .null])
        run.lifecycle(.workflowResumed, status: InstanceStatus.running.rawValue, stepId: stepId)
        run.enter(stepId, in: Execution.rootId)
        return .success(run.finish())
    }
}

extension Run {
    /// Back to RUNNING with no error, no pending timers or deferred inputs; the workflow timeout,
    /// if any, counts again from now.
    mutating func reopen() {
        abandonOpenSteps(reason: "the parent instance was retried or rerun")
        instance.status = .running
        instance.error = nil
        instance.output = nil
        instance.completedAt = nil
        instance.deferred = []
        // Retry and rerun act on the root's steps; branches and items still open are abandoned.
        for id in instance.executions.keys.sorted() where id != Execution.rootId && instance.executions[id]!.status == .running {
            instance.executions[id]!.status = .cancelled
            instance.executions[id]!.completedAt = now
        }
        instance.root.status = .running
        instance.root.handlingFailure = nil
        instance.root.error = nil
        instance.root.output = nil
        instance.root.completedAt = nil
        instance.timers = [:]
        if let timeout = definition.timeoutMilliseconds { setTimer(.workflowTimeout(at: now.adding(milliseconds: timeout))) }
    }
}
