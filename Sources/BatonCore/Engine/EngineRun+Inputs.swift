import BatonExpressions

/// Task results and timers, applied to a running instance or set aside while it is paused.
extension Run {
    /// Why a result must be ignored, or nil when it is for a task Baton waits for.
    func check(_ result: TaskResult) -> Rejection? {
        // A different outcome for an applied attempt is a conflict whether or not the instance
        // has ended since; an identical repeat is a duplicate (or, once it ended, just late).
        if instance.conflict(with: result) != nil { return .conflictingResult }
        guard !instance.status.isTerminal else { return .instanceFinished }
        guard let active = instance.activeTasks[result.taskId] else {
            // A cancelled step's task was abandoned, not applied: its result is stale.
            if let step = instance.appliedStep(of: result), step.status != .scheduled, step.status != .cancelled { return .duplicateResult }
            return .staleAttempt
        }
        guard active.stepId == result.stepId, active.attempt == result.attempt, result.executionId ?? active.executionId == active.executionId else {
            return .mismatchedResult
        }
        if result.status != .heartbeat, instance.deferred.contains(where: { $0.taskId == result.taskId }) {
            return .duplicateResult
        }
        return nil
    }

    /// Applies a checked result. Heartbeats always apply; while the instance is paused a final
    /// result is recorded and kept for `resume`.
    mutating func apply(_ result: TaskResult) {
        guard let active = instance.activeTasks[result.taskId] else { return }
        switch result.status {
        case .heartbeat:
            instance.activeTasks[result.taskId]?.lastHeartbeatAt = now
            if let progress = result.output { instance.activeTasks[result.taskId]?.progress = progress }
            // The executor has the task: no start deadline any more, and the heartbeat deadline moves.
            instance.timers[InstanceTimer.startTimeout(taskId: result.taskId, at: now).id] = nil
            if case .task(let task)? = definition.steps[active.stepId]?.kind, let interval = task.heartbeatTimeoutMilliseconds {
                setTimer(.heartbeatTimeout(taskId: result.taskId, at: now.adding(milliseconds: interval)))
            }
            record(.taskHeartbeat, stepId: active.stepId, in: active.executionId, taskId: active.taskId, attempt: active.attempt, data: result.output ?? .null)
        case .completed where instance.status == .paused, .failed where instance.status == .paused:
            instance.deferred.append(.result(result))
            record(.inputDeferred, stepId: active.stepId, in: active.executionId, taskId: active.taskId, attempt: active.attempt, data: ["input": "result", "status": .string(result.status.rawValue)])
        case .completed:
            completeTask(active, output: result.output ?? .null, workerId: result.workerId, traceparent: result.traceparent)
        case .failed:
            let error = result.error ?? ErrorInfo(code: BatonErrorCode.taskFailed, message: "the task failed without an error")
            failTask(active, error: error, workerId: result.workerId, traceparent: result.traceparent)
        }
    }

    /// Does what a due timer is for (it is already removed from the instance). While the
    /// instance is paused only the workflow timeout acts; the others are kept for `resume`.
    mutating func fire(_ timer: InstanceTimer) -> Rejection? {
        if instance.status == .paused, timer.kind != .workflowTimeout {
            instance.deferred.append(.timer(timer))
            record(.inputDeferred, data: ["input": "timer", "timerId": .string(timer.id)])
            return nil
        }
        switch timer.kind {
        case .retry(let executionId, let stepId, let attempt):
            guard instance.executions[executionId]?.status == .running else { return .staleTimer }
            let executions = self[step: stepId, in: executionId]?.executions ?? 1
            switch definition.steps[stepId].map({ ($0, $0.kind) }) {
            case (let step, .task(let task))?:
                dispatch(step, task, in: executionId, attempt: attempt, executions: executions)
            case (let step, .parallel(let parallel))?:
                startBranches(of: step, parallel, in: executionId, attempt: attempt, executions: executions)
            case (let step, .foreach(let foreach))?:
                startForeach(step, foreach, in: executionId, attempt: attempt, executions: executions)
            case (let step, .subworkflow(let subworkflow))?:
                startSubworkflow(step, subworkflow, in: executionId, attempt: attempt, executions: executions)
            default:
                failExecution(executionId, ErrorInfo(code: BatonErrorCode.unknownStep, message: "retry of step '\(stepId)', which is not a step that retries in version \(definition.version) of '\(definition.id)'", stepId: stepId))
            }
        case .taskTimeout(let taskId), .heartbeatTimeout(let taskId), .startTimeout(let taskId):
            guard let active = instance.activeTasks[taskId] else { return .staleTimer }
            timeOutTask(active, because: timer.kind)
        case .wait(let executionId, let stepId, _):
            guard instance.executions[executionId]?.status == .running, let step = definition.steps[stepId] else { return .staleTimer }
            finishWait(step, in: executionId)
        case .workflowTimeout:
            timeOutWorkflow()
        case .subworkflowTimeout(let executionId, let stepId, let childId):
            return timeOutSubworkflow(stepId: stepId, childId: childId, in: executionId)
        case .eventTimeout(let executionId, let stepId, let waitId):
            return timeOutEventWait(stepId: stepId, waitId: waitId, in: executionId)
        }
        return nil
    }

    /// Applies what was set aside while the instance was paused, in arrival order, until the
    /// instance ends (what is left then no longer matters and is recorded as ignored).
    mutating func replayDeferred() {
        let pending = instance.deferred
        instance.deferred = []
        for input in pending {
            guard instance.status == .running else {
                record(.inputIgnored, taskId: input.taskId, data: ["reason": .string(Rejection.instanceFinished.rawValue), "input": "deferred"])
                continue
            }
            switch input {
            case .result(let result):
                if check(result) == nil { apply(result) }
            case .timer(let timer):
                _ = fire(timer)
            case .child(let outcome):
                if check(outcome) == nil { apply(outcome) }
            case .event(let delivery):
                _ = deliver(delivery)
            }
        }
    }
}
