import BatonExpressions

/// What a task result or a task deadline does to the instance.
extension Run {
    // MARK: Task outcomes

    mutating func completeTask(_ task: ActiveTask, output: JSONValue, workerId: String?, traceparent: String? = nil) {
        instance.activeTasks[task.taskId] = nil
        for id in InstanceTimer.taskTimerIds(task.taskId) { instance.timers[id] = nil }
        var step = self[step: task.stepId, in: task.executionId] ?? StepState(status: .scheduled, attempt: task.attempt, startedAt: task.scheduledAt)
        step.status = .completed
        step.output = output
        step.error = nil
        step.completedAt = now
        self[step: task.stepId, in: task.executionId] = step
        instance.executions[task.executionId]?.lastStepId = task.stepId
        var data: [String: JSONValue] = ["output": output, "workerId": workerId.map(JSONValue.string) ?? .null]
        if let traceparent { data["traceparent"] = .string(traceparent) }
        record(.taskCompleted, stepId: task.stepId, in: task.executionId, taskId: task.taskId, attempt: task.attempt, data: .object(data))
        lifecycle(.stepCompleted, status: StepStatus.completed.rawValue, stepId: task.stepId, in: task.executionId, taskId: task.taskId, attempt: task.attempt, output: output, duration: max(0, now.milliseconds(since: task.scheduledAt)))
        guard let definitionStep = definition.steps[task.stepId] else {
            failExecution(task.executionId, ErrorInfo(code: BatonErrorCode.unknownStep, message: "step '\(task.stepId)' is not in version \(definition.version) of '\(definition.id)'", stepId: task.stepId))
            return
        }
        follow(definitionStep, in: task.executionId)
    }

    mutating func failTask(_ task: ActiveTask, error: ErrorInfo, workerId: String?, traceparent: String? = nil) {
        instance.activeTasks[task.taskId] = nil
        for id in InstanceTimer.taskTimerIds(task.taskId) { instance.timers[id] = nil }
        var recorded = error
        recorded.stepId = task.stepId
        recorded.attempt = task.attempt
        recorded.time = now
        var step = self[step: task.stepId, in: task.executionId] ?? StepState(status: .scheduled, attempt: task.attempt, startedAt: task.scheduledAt)
        step.status = .failed
        step.error = recorded
        step.completedAt = now
        self[step: task.stepId, in: task.executionId] = step
        instance.executions[task.executionId]?.lastStepId = task.stepId
        var data: [String: JSONValue] = ["error": recorded.json, "workerId": workerId.map(JSONValue.string) ?? .null]
        if let traceparent { data["traceparent"] = .string(traceparent) }
        record(.taskFailed, stepId: task.stepId, in: task.executionId, taskId: task.taskId, attempt: task.attempt, data: .object(data))
        guard let definitionStep = definition.steps[task.stepId] else {
            failExecution(task.executionId, recorded)
            return
        }
        // Retries first: a step only fails for good once its policy gives up.
        let policy = definitionStep.onError.retry ?? definition.retry ?? engine.defaultRetryPolicy
        let decision = policy.decide(
            attempt: task.attempt, code: recorded.code, retryable: recorded.retryable, firstAttemptAt: step.startedAt, now: now,
            seed: retrySeed(task, executions: step.executions)
        )
        if case .retry(let next, let at, let delay) = decision {
            self[step: task.stepId, in: task.executionId]?.status = .retrying
            self[step: task.stepId, in: task.executionId]?.completedAt = nil
            setTimer(.retry(executionId: task.executionId, stepId: task.stepId, attempt: next, at: at))
            record(.stepRetrying, stepId: task.stepId, in: task.executionId, taskId: task.taskId, attempt: task.attempt, data: [
                "nextAttempt": .number(Double(next)), "at": .string(at.iso8601), "delayMilliseconds": .number(Double(delay)), "error": recorded.json,
            ])
            lifecycle(.stepRetrying, status: StepStatus.retrying.rawValue, stepId: task.stepId, in: task.executionId, taskId: task.taskId, attempt: task.attempt, error: recorded, duration: max(0, now.milliseconds(since: task.scheduledAt)))
            return
        }
        if case .giveUp(let reason) = decision, policy.maxAttempts > 1 {
            recorded.details = recorded.details ?? ["retryGaveUp": .string(reason.rawValue)]
            self[step: task.stepId, in: task.executionId]?.error = recorded
        }
        lifecycle(.stepFailed, status: StepStatus.failed.rawValue, stepId: task.stepId, in: task.executionId, taskId: task.taskId, attempt: task.attempt, error: recorded, duration: max(0, now.milliseconds(since: task.scheduledAt)))
        handleFailure(of: definitionStep, in: task.executionId, recorded)
    }

    /// The attempt ran past its deadline: it fails with `TIMEOUT` (retryable) and its late result
    /// will be ignored as stale.
    mutating func timeOutTask(_ task: ActiveTask, because kind: InstanceTimer.Kind) {
        let what: String
        let timeout: String
        switch kind {
        case .heartbeatTimeout:
            what = "sent no heartbeat within its heartbeatTimeout"
            timeout = "heartbeat"
        case .startTimeout:
            what = "was not picked up by an executor within its scheduleToStartTimeout"
            timeout = "scheduleToStart"
        default:
            what = "did not finish before its deadline"
            timeout = "startToClose"
        }
        record(.taskTimedOut, stepId: task.stepId, in: task.executionId, taskId: task.taskId, attempt: task.attempt, data: [
            "timeout": .string(timeout), "deadline": task.deadline.map { .string($0.iso8601) } ?? .null,
            "lastHeartbeatAt": task.lastHeartbeatAt.map { .string($0.iso8601) } ?? .null,
        ])
        let error = ErrorInfo(
            code: BatonErrorCode.timeout, message: "task '\(task.taskId)' (step '\(task.stepId)', attempt \(task.attempt)) \(what)",
            retryable: true, details: ["timeout": .string(timeout)]
        )
        lifecycle(.stepTimedOut, status: StepStatus.failed.rawValue, stepId: task.stepId, in: task.executionId, taskId: task.taskId, attempt: task.attempt, error: error, duration: max(0, now.milliseconds(since: task.scheduledAt)))
        failTask(task, error: error, workerId: nil)
    }

    /// The jitter seed of a retry: the root keeps the seed it had before executions existed, so
    /// replays of older instances draw the same delays.
    func retrySeed(_ task: ActiveTask, executions: Int) -> UInt64 {
        task.executionId == Execution.rootId
            ? stableHash(instance.id, task.stepId, String(executions), String(task.attempt))
            : stableHash(instance.id, task.executionId, task.stepId, String(executions), String(task.attempt))
    }
}
