import BatonExpressions

/// `parallel` steps: starting branches, joining them, failing and retrying the step.
///
/// Lifecycle events: a parallel step emits `step.failed` when it fails for good; its start, join
/// and retries are in the history (`BranchesStarted`, `BranchEnded`, `BranchesJoined`), not on
/// the lifecycle topic, whose v1 `step.scheduled`/`step.completed`/`step.retrying` carry a task.
extension Run {
    /// Starts attempt `attempt` of a parallel step: one execution per branch, entered in
    /// document order. A branch that ends at once (no task in it) may already meet the join, in
    /// which case the branches after it are not entered.
    mutating func startBranches(of step: Step, _ parallel: ParallelStep, in executionId: String, attempt: Int, executions: Int) {
        let startedAt = attempt == 1 ? now : (self[step: step.id, in: executionId]?.startedAt ?? now)
        self[step: step.id, in: executionId] = StepState(status: .running, attempt: attempt, executions: executions, startedAt: startedAt)
        let ids = parallel.branches.map { Execution.branchId(parent: executionId, stepId: step.id, branch: $0.name) }
        for id in ids {
            instance.executions[id] = Execution(id: id, parentId: executionId, parentStepId: step.id, startedAt: now)
        }
        record(.branchesStarted, stepId: step.id, in: executionId, attempt: attempt, data: [
            "executions": .array(ids.map(JSONValue.string)), "join": .number(Double(parallel.join.needed(of: ids.count))),
        ])
        for (branch, id) in zip(parallel.branches, ids) where instance.executions[id]?.status == .running {
            enter(branch.startAt, in: id)
        }
    }

    /// A branch ended: the step completes when its join is met, fails when a branch failed,
    /// and otherwise keeps waiting.
    mutating func branchEnded(_ branch: Execution, of step: Step, _ parallel: ParallelStep, in executionId: String) {
        guard let state = self[step: step.id, in: executionId], state.status == .running else { return }
        var data: [String: JSONValue] = ["status": .string(branch.status.rawValue)]
        if let output = branch.output { data["output"] = output }
        if let error = branch.error { data["error"] = error.json }
        record(.branchEnded, stepId: step.id, in: branch.id, data: .object(data))

        let branches = parallel.branches.map { (name: $0.name, id: Execution.branchId(parent: executionId, stepId: step.id, branch: $0.name)) }
        if branch.status == .failed {
            let name = branches.first { $0.id == branch.id }?.name ?? branch.id
            var error = branch.error ?? ErrorInfo(code: BatonErrorCode.taskFailed, message: "branch '\(name)' failed")
            error.message = "branch '\(name)' of step '\(step.id)' failed: \(error.message)"
            error.details = error.details ?? ["branch": .string(name)]
            for other in branches where other.id != branch.id { cancelExecution(other.id, reason: "branch '\(name)' of step '\(step.id)' failed") }
            failComposite(step, in: executionId, error)
            return
        }
        let completed = branches.filter { instance.executions[$0.id]?.status == .completed }
        guard completed.count >= parallel.join.needed(of: branches.count) else { return }
        var output: [String: JSONValue] = [:]
        for b in completed { output[b.name] = instance.executions[b.id]?.output ?? .null }
        let cancelled = branches.filter { instance.executions[$0.id]?.status == .running }
        for b in cancelled { cancelExecution(b.id, reason: "step '\(step.id)' joined without branch '\(b.name)'") }
        self[step: step.id, in: executionId]?.status = .completed
        self[step: step.id, in: executionId]?.output = .object(output)
        self[step: step.id, in: executionId]?.error = nil
        let time = now
        self[step: step.id, in: executionId]?.completedAt = time
        instance.executions[executionId]?.lastStepId = step.id
        record(.branchesJoined, stepId: step.id, in: executionId, attempt: state.attempt, data: [
            "output": .object(output), "completed": .array(completed.map { .string($0.name) }), "cancelled": .array(cancelled.map { .string($0.name) }),
        ])
        follow(step, in: executionId)
    }

    /// A step that waits for executions or a child (parallel, foreach, subworkflow) failed: its retry policy, then its handlers.
    mutating func failComposite(_ step: Step, in executionId: String, _ error: ErrorInfo, childInstanceId: String? = nil) {
        guard var state = self[step: step.id, in: executionId] else { return }
        var recorded = error
        recorded.stepId = step.id
        recorded.attempt = state.attempt
        recorded.time = now
        state.status = .failed
        state.error = recorded
        state.completedAt = now
        self[step: step.id, in: executionId] = state
        instance.executions[executionId]?.lastStepId = step.id
        if let policy = step.onError.retry {
            let decision = policy.decide(
                attempt: state.attempt, code: recorded.code, retryable: recorded.retryable, firstAttemptAt: state.startedAt, now: now,
                seed: stableHash(instance.id, executionId, step.id, String(state.executions), String(state.attempt))
            )
            if case .retry(let next, let at, let delay) = decision {
                self[step: step.id, in: executionId]?.status = .retrying
                self[step: step.id, in: executionId]?.completedAt = nil
                setTimer(.retry(executionId: executionId, stepId: step.id, attempt: next, at: at))
                record(.stepRetrying, stepId: step.id, in: executionId, attempt: state.attempt, data: [
                    "nextAttempt": .number(Double(next)), "at": .string(at.iso8601), "delayMilliseconds": .number(Double(delay)), "error": recorded.json,
                ])
                return
            }
        }
        record(.stepFailed, stepId: step.id, in: executionId, attempt: recorded.attempt, data: ["error": recorded.json])
        lifecycle(.stepFailed, status: StepStatus.failed.rawValue, stepId: step.id, in: executionId, attempt: recorded.attempt, error: recorded, duration: max(0, now.milliseconds(since: state.startedAt)), childInstanceId: childInstanceId)
        handleFailure(of: step, in: executionId, recorded)
    }
}
