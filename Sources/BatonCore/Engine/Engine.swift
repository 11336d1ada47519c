import BatonExpressions

/// The workflow state machine: `(instance, input, now) -> (instance', history, effects)`.
///
/// Pure and deterministic: no clock, no I/O, no randomness. Ids are derived from the instance
/// (task ids from its task sequence, event ids from its history sequence), so replaying the same
/// inputs at the same times yields the same transitions, byte for byte.
public struct Engine: Sendable {
    /// Synchronous steps (set, choice, succeed, fail) one input may run before the engine gives up:
    /// a definition that loops without dispatching a task would otherwise never return.
    public var maxSynchronousSteps: Int
    /// The retry policy of task steps whose step and definition set none. Default: no retry.
    public var defaultRetryPolicy: RetryPolicy

    public init(maxSynchronousSteps: Int = 1000, defaultRetryPolicy: RetryPolicy = .none) {
        self.maxSynchronousSteps = maxSynchronousSteps
        self.defaultRetryPolicy = defaultRetryPolicy
    }

    /// Creates an instance and runs it until it waits for a task or ends.
    public func start(_ request: StartWorkflow, definition: WorkflowDefinition, now: Timestamp) -> Transition {
        let instance = WorkflowInstance(
            id: request.instanceId, workflowId: definition.id, workflowVersion: definition.version, input: request.input,
            createdAt: now, updatedAt: now, origin: request.origin
        )
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        run.record(.workflowStarted, data: ["input": request.input, "origin": .string(request.origin)])
        run.lifecycle(.workflowStarted, status: InstanceStatus.running.rawValue)
        if let timeout = definition.timeoutMilliseconds {
            run.setTimer(.workflowTimeout(at: now.adding(milliseconds: timeout)))
        }
        run.enter(definition.startAt)
        return run.finish()
    }

    /// Applies one input to an existing instance.
    public func handle(_ input: EngineInput, instance: WorkflowInstance, definition: WorkflowDefinition, now: Timestamp) -> Transition {
        switch input {
        case .taskResult(let result): taskResultReceived(result, instance: instance, definition: definition, at: now)
        case .cancel(let reason, let by): cancelRequested(reason: reason, by: by, instance: instance, definition: definition, at: now)
        case .timerFired(let timerId): timerFired(timerId, instance: instance, definition: definition, at: now)
        }
    }

    /// A pending timer is due: start a retry, time out a task, or time out the workflow.
    public func timerFired(_ timerId: String, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Transition {
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        guard !instance.status.isTerminal else { return run.rejectTimer(timerId, .instanceFinished) }
        guard let timer = instance.timers[timerId] else { return run.rejectTimer(timerId, .staleTimer) }
        run.instance.timers[timerId] = nil
        switch timer.kind {
        case .retry(let stepId, let attempt):
            guard let step = definition.steps[stepId], case .task(let task) = step.kind else {
                run.failWorkflow(ErrorInfo(code: BatonErrorCode.unknownStep, message: "retry of step '\(stepId)', which is not a task step of version \(definition.version) of '\(definition.id)'", stepId: stepId))
                return run.finish()
            }
            run.dispatch(step, task, attempt: attempt, executions: instance.steps[stepId]?.executions ?? 1)
        case .taskTimeout(let taskId):
            guard let active = instance.activeTasks[taskId] else { return run.rejectTimer(timerId, .staleTimer) }
            run.timeOutTask(active)
        case .workflowTimeout:
            run.timeOutWorkflow()
        }
        return run.finish()
    }

    public func taskResultReceived(_ result: TaskResult, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Transition {
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        guard !instance.status.isTerminal else {
            return run.reject(.instanceFinished, result: result)
        }
        guard let active = instance.activeTasks[result.taskId] else {
            if let step = instance.steps[result.stepId], step.taskId == result.taskId, step.status != .scheduled {
                return run.reject(.duplicateResult, result: result)
            }
            return run.reject(.staleAttempt, result: result)
        }
        guard active.stepId == result.stepId, active.attempt == result.attempt else {
            return run.reject(.mismatchedResult, result: result)
        }
        switch result.status {
        case .heartbeat:
            run.instance.activeTasks[result.taskId]?.lastHeartbeatAt = now
            if let progress = result.output { run.instance.activeTasks[result.taskId]?.progress = progress }
            run.record(.taskHeartbeat, stepId: active.stepId, taskId: active.taskId, attempt: active.attempt, data: result.output ?? .null)
        case .completed:
            run.completeTask(active, output: result.output ?? .null, workerId: result.workerId)
        case .failed:
            let error = result.error ?? ErrorInfo(code: BatonErrorCode.taskFailed, message: "the task failed without an error")
            run.failTask(active, error: error, workerId: result.workerId)
        }
        return run.finish()
    }

    public func cancelRequested(reason: String, by: String, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Transition {
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        guard !instance.status.isTerminal else {
            run.record(.inputIgnored, data: ["reason": .string(Rejection.instanceFinished.rawValue), "input": "cancel", "by": .string(by)])
            run.rejection = .instanceFinished
            return run.finish()
        }
        run.instance.status = .cancelled
        run.instance.completedAt = now
        let cancelledTasks = run.instance.activeTasks.keys.sorted()
        run.cancelRunningTasks(reason: "instance cancelled by \(by): \(reason)")
        run.instance.timers = [:]
        run.record(.workflowCancelled, data: ["reason": .string(reason), "by": .string(by), "tasks": .array(cancelledTasks.map(JSONValue.string))])
        run.lifecycle(.workflowCancelled, status: InstanceStatus.cancelled.rawValue, error: ErrorInfo(code: "CANCELLED", message: reason), duration: max(0, now.milliseconds(since: instance.createdAt)))
        return run.finish()
    }
}

/// One transition in progress: the mutable working state of a single engine call.
private struct Run {
    let engine: Engine
    let definition: WorkflowDefinition
    var instance: WorkflowInstance
    let now: Timestamp
    var history: [HistoryEvent] = []
    var effects: [Effect] = []
    var rejection: Rejection?
    var synchronousSteps = 0

    init(engine: Engine, definition: WorkflowDefinition, instance: WorkflowInstance, now: Timestamp) {
        self.engine = engine
        self.definition = definition
        self.instance = instance
        self.now = now
    }

    mutating func finish() -> Transition {
        if rejection == nil { instance.updatedAt = now }
        return Transition(instance: instance, history: history, effects: effects, rejection: rejection)
    }

    // MARK: Recording

    mutating func record(_ type: HistoryEventType, stepId: String? = nil, taskId: String? = nil, attempt: Int? = nil, data: JSONValue = .null) {
        instance.historySequence += 1
        history.append(HistoryEvent(sequence: instance.historySequence, time: now, type: type, stepId: stepId, taskId: taskId, attempt: attempt, data: data))
    }

    /// Lifecycle events take the id of the history event just recorded, so each id is fixed and unique.
    mutating func lifecycle(_ type: LifecycleEventType, status: String, stepId: String? = nil, taskId: String? = nil, attempt: Int? = nil, output: JSONValue? = nil, error: ErrorInfo? = nil, duration: Int64? = nil) {
        let event = LifecycleEvent(
            id: "\(instance.id).\(instance.historySequence)", type: type, instanceId: instance.id, workflowId: instance.workflowId,
            workflowVersion: instance.workflowVersion, stepId: stepId, taskId: taskId, attempt: attempt, status: status,
            output: output, error: error, durationMilliseconds: duration, time: now
        )
        effects.append(.emitLifecycle(event))
    }

    mutating func reject(_ reason: Rejection, result: TaskResult) -> Transition {
        record(.inputIgnored, stepId: result.stepId, taskId: result.taskId, attempt: result.attempt, data: [
            "reason": .string(reason.rawValue), "status": .string(result.status.rawValue),
            "workerId": result.workerId.map(JSONValue.string) ?? .null,
        ])
        rejection = reason
        return Transition(instance: instance, history: history, effects: [], rejection: reason)
    }

    mutating func rejectTimer(_ timerId: String, _ reason: Rejection) -> Transition {
        record(.inputIgnored, data: ["reason": .string(reason.rawValue), "input": "timer", "timerId": .string(timerId)])
        rejection = reason
        return Transition(instance: instance, history: history, effects: [], rejection: reason)
    }

    mutating func setTimer(_ timer: InstanceTimer) {
        instance.timers[timer.id] = timer
    }

    /// Drops every running task and tells its executor to stop.
    mutating func cancelRunningTasks(reason: String) {
        for taskId in instance.activeTasks.keys.sorted() {
            let task = instance.activeTasks[taskId]!
            var taskType = ""
            if case .task(let step)? = definition.steps[task.stepId]?.kind { taskType = step.taskType }
            effects.append(.cancelTask(TaskCancellation(
                taskId: taskId, instanceId: instance.id, workflowId: instance.workflowId, stepId: task.stepId, taskType: taskType,
                attempt: task.attempt, reason: reason, cancelledAt: now
            )))
            instance.timers[InstanceTimer.taskTimeout(taskId: taskId, at: now).id] = nil
        }
        instance.activeTasks = [:]
    }

    // MARK: Task outcomes

    mutating func completeTask(_ task: ActiveTask, output: JSONValue, workerId: String?) {
        instance.activeTasks[task.taskId] = nil
        instance.timers[InstanceTimer.taskTimeout(taskId: task.taskId, at: now).id] = nil
        var step = instance.steps[task.stepId] ?? StepState(status: .scheduled, attempt: task.attempt, startedAt: task.scheduledAt)
        step.status = .completed
        step.output = output
        step.error = nil
        step.completedAt = now
        instance.steps[task.stepId] = step
        instance.lastStepId = task.stepId
        record(.taskCompleted, stepId: task.stepId, taskId: task.taskId, attempt: task.attempt, data: ["output": output, "workerId": workerId.map(JSONValue.string) ?? .null])
        lifecycle(.stepCompleted, status: StepStatus.completed.rawValue, stepId: task.stepId, taskId: task.taskId, attempt: task.attempt, output: output, duration: max(0, now.milliseconds(since: task.scheduledAt)))
        guard let definitionStep = definition.steps[task.stepId] else {
            failWorkflow(ErrorInfo(code: BatonErrorCode.unknownStep, message: "step '\(task.stepId)' is not in version \(definition.version) of '\(definition.id)'", stepId: task.stepId))
            return
        }
        follow(definitionStep)
    }

    mutating func failTask(_ task: ActiveTask, error: ErrorInfo, workerId: String?) {
        instance.activeTasks[task.taskId] = nil
        instance.timers[InstanceTimer.taskTimeout(taskId: task.taskId, at: now).id] = nil
        var recorded = error
        recorded.stepId = task.stepId
        recorded.attempt = task.attempt
        recorded.time = now
        var step = instance.steps[task.stepId] ?? StepState(status: .scheduled, attempt: task.attempt, startedAt: task.scheduledAt)
        step.status = .failed
        step.error = recorded
        step.completedAt = now
        instance.steps[task.stepId] = step
        instance.lastStepId = task.stepId
        record(.taskFailed, stepId: task.stepId, taskId: task.taskId, attempt: task.attempt, data: ["error": recorded.json, "workerId": workerId.map(JSONValue.string) ?? .null])
        guard let definitionStep = definition.steps[task.stepId] else {
            failWorkflow(recorded)
            return
        }
        // Retries first: a step only fails for good once its policy gives up.
        let policy = definitionStep.onError.retry ?? definition.retry ?? engine.defaultRetryPolicy
        let decision = policy.decide(
            attempt: task.attempt, code: recorded.code, retryable: recorded.retryable, firstAttemptAt: step.startedAt, now: now,
            seed: stableHash(instance.id, task.stepId, String(step.executions), String(task.attempt))
        )
        if case .retry(let next, let at, let delay) = decision {
            instance.steps[task.stepId]?.status = .retrying
            instance.steps[task.stepId]?.completedAt = nil
            setTimer(.retry(stepId: task.stepId, attempt: next, at: at))
            record(.stepRetrying, stepId: task.stepId, taskId: task.taskId, attempt: task.attempt, data: [
                "nextAttempt": .number(Double(next)), "at": .string(at.iso8601), "delayMilliseconds": .number(Double(delay)), "error": recorded.json,
            ])
            lifecycle(.stepRetrying, status: StepStatus.retrying.rawValue, stepId: task.stepId, taskId: task.taskId, attempt: task.attempt, error: recorded, duration: max(0, now.milliseconds(since: task.scheduledAt)))
            return
        }
        if case .giveUp(let reason) = decision, policy.maxAttempts > 1 {
            recorded.details = recorded.details ?? ["retryGaveUp": .string(reason.rawValue)]
            instance.steps[task.stepId]?.error = recorded
        }
        lifecycle(.stepFailed, status: StepStatus.failed.rawValue, stepId: task.stepId, taskId: task.taskId, attempt: task.attempt, error: recorded, duration: max(0, now.milliseconds(since: task.scheduledAt)))
        handleFailure(of: definitionStep, recorded)
    }

    /// The attempt ran past its deadline: it fails with `TIMEOUT` (retryable) and its late result
    /// will be ignored as stale.
    mutating func timeOutTask(_ task: ActiveTask) {
        record(.taskTimedOut, stepId: task.stepId, taskId: task.taskId, attempt: task.attempt, data: ["deadline": task.deadline.map { .string($0.iso8601) } ?? .null])
        let error = ErrorInfo(code: BatonErrorCode.timeout, message: "task '\(task.taskId)' (step '\(task.stepId)', attempt \(task.attempt)) did not finish before its deadline", retryable: true)
        lifecycle(.stepTimedOut, status: StepStatus.failed.rawValue, stepId: task.stepId, taskId: task.taskId, attempt: task.attempt, error: error, duration: max(0, now.milliseconds(since: task.scheduledAt)))
        failTask(task, error: error, workerId: nil)
    }

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

    private mutating func handled(_ step: Step, _ error: ErrorInfo, by handler: String, next: String?) {
        record(.errorHandled, stepId: step.id, attempt: error.attempt, data: ["handler": .string(handler), "next": next.map(JSONValue.string) ?? .null, "error": error.json])
    }

    // MARK: Moving through steps

    /// Runs steps from `stepId` until one waits for a task or the workflow ends.
    mutating func enter(_ stepId: String) {
        var current: String? = stepId
        while let id = current, instance.status == .running {
            synchronousSteps += 1
            if synchronousSteps > engine.maxSynchronousSteps {
                failWorkflow(ErrorInfo(code: BatonErrorCode.stepLimit, message: "more than \(engine.maxSynchronousSteps) steps ran without waiting for a task: is there a loop without a task in it?", stepId: id))
                return
            }
            guard let step = definition.steps[id] else {
                failWorkflow(ErrorInfo(code: BatonErrorCode.unknownStep, message: "step '\(id)' is not in version \(definition.version) of '\(definition.id)'", stepId: id))
                return
            }
            current = run(step)
        }
    }

    /// Runs one step; returns the step to run next synchronously, or nil when waiting or ended.
    mutating func run(_ step: Step) -> String? {
        let previous = instance.steps[step.id]
        let executions = (previous?.executions ?? 0) + 1
        switch step.kind {
        case .task(let task):
            let state = instance.stateDocument
            let input: JSONValue
            do {
                input = try task.input?.render(in: state) ?? instance.input
            } catch {
                failStep(step, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "input mapping of step '\(step.id)' failed: \(error.message)"))
                return nil
            }
            instance.steps[step.id] = StepState(status: .scheduled, attempt: 1, executions: executions, startedAt: now)
            dispatch(step, task, attempt: 1, executions: executions, input: input)
            return nil

        case .set(let assignments):
            let state = instance.stateDocument
            var values: [String: JSONValue] = [:]
            for name in assignments.keys.sorted() {
                do {
                    values[name] = try assignments[name]!.render(in: state)
                } catch {
                    failStep(step, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "value '\(name)' of step '\(step.id)' failed: \(error.message)"))
                    return nil
                }
            }
            for (name, value) in values { instance.vars[name] = value }
            let output = JSONValue.object(values)
            instance.steps[step.id] = StepState(status: .completed, output: output, attempt: 1, executions: executions, startedAt: now, completedAt: now)
            instance.lastStepId = step.id
            record(.variablesSet, stepId: step.id, data: output)
            return nextStep(after: step)

        case .choice:
            instance.steps[step.id] = StepState(status: .completed, attempt: 1, executions: executions, startedAt: now, completedAt: now)
            guard case .conditional(let branches, let otherwise) = step.next else { return nextStep(after: step) }
            switch chooseBranch(branches, otherwise: otherwise, of: step) {
            case .target(let target): return target
            case .none:
                failStep(step, executions: executions, ErrorInfo(code: BatonErrorCode.noMatchingChoice, message: "no choice of step '\(step.id)' matched and it has no default"))
                return nil
            case .failed: return nil
            }

        case .succeed(let outputTemplate):
            instance.steps[step.id] = StepState(status: .completed, attempt: 1, executions: executions, startedAt: now, completedAt: now)
            instance.lastStepId = step.id
            if let outputTemplate {
                do {
                    let output = try outputTemplate.render(in: instance.stateDocument)
                    instance.steps[step.id]?.output = output
                    completeWorkflow(explicitOutput: output, bySucceedStep: true)
                } catch {
                    failWorkflow(ErrorInfo(code: BatonErrorCode.outputMapping, message: "output of step '\(step.id)' failed: \(error.message)", stepId: step.id))
                }
            } else {
                completeWorkflow(explicitOutput: nil, bySucceedStep: true)
            }
            return nil

        case .fail(let code, let messageTemplate):
            var message = "workflow failed at step '\(step.id)'"
            if let messageTemplate {
                do {
                    let rendered = try messageTemplate.render(in: instance.stateDocument)
                    message = rendered.stringValue ?? rendered.serialized()
                } catch {
                    message = "\(message) (its message failed to render: \(error.message))"
                }
            }
            let error = ErrorInfo(code: code, message: message, stepId: step.id, attempt: 1, time: now)
            instance.steps[step.id] = StepState(status: .failed, error: error, attempt: 1, executions: executions, startedAt: now, completedAt: now)
            instance.lastStepId = step.id
            failWorkflow(error)
            return nil
        }
    }

    /// Dispatches attempt `attempt` of a task step: a new task id, a deadline timer when the step
    /// has a timeout. The step keeps the `startedAt` of its first attempt (the retry budget counts
    /// from there).
    mutating func dispatch(_ step: Step, _ task: TaskStep, attempt: Int, executions: Int, input rendered: JSONValue? = nil) {
        let input: JSONValue
        if let rendered {
            input = rendered
        } else {
            do {
                input = try task.input?.render(in: instance.stateDocument) ?? instance.input
            } catch {
                failStep(step, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "input mapping of step '\(step.id)' failed: \(error.message)", attempt: attempt))
                return
            }
        }
        instance.taskSequence += 1
        let taskId = "\(instance.id).\(instance.taskSequence)"
        let deadline = task.timeoutMilliseconds.map { now.adding(milliseconds: $0) }
        var state = instance.steps[step.id] ?? StepState(status: .scheduled, attempt: attempt, executions: executions, startedAt: now)
        state.status = .scheduled
        state.attempt = attempt
        state.executions = executions
        state.taskId = taskId
        state.completedAt = nil
        if attempt == 1 { state.error = nil; state.output = nil }
        instance.steps[step.id] = state
        instance.activeTasks[taskId] = ActiveTask(taskId: taskId, stepId: step.id, attempt: attempt, scheduledAt: now, deadline: deadline)
        if let deadline { setTimer(.taskTimeout(taskId: taskId, at: deadline)) }
        record(.taskScheduled, stepId: step.id, taskId: taskId, attempt: attempt, data: ["taskType": .string(task.taskType), "input": input])
        lifecycle(.stepScheduled, status: StepStatus.scheduled.rawValue, stepId: step.id, taskId: taskId, attempt: attempt)
        effects.append(.dispatchTask(TaskDispatch(
            taskId: taskId, instanceId: instance.id, workflowId: instance.workflowId, workflowVersion: instance.workflowVersion,
            stepId: step.id, taskType: task.taskType, attempt: attempt, input: input, scheduledAt: now, deadline: deadline
        )))
    }

    private enum BranchChoice { case target(String), none, failed }

    /// Picks the first branch whose condition holds. A condition that cannot be evaluated fails the step.
    private mutating func chooseBranch(_ branches: [Branch], otherwise: String?, of step: Step) -> BranchChoice {
        let state = instance.stateDocument
        for (index, branch) in branches.enumerated() {
            do {
                if try branch.condition.evaluateCondition(in: state) {
                    record(.branchTaken, stepId: step.id, data: ["branch": .number(Double(index)), "when": .string(branch.condition.source), "next": .string(branch.target)])
                    return .target(branch.target)
                }
            } catch {
                failStep(step, executions: instance.steps[step.id]?.executions ?? 1, ErrorInfo(code: BatonErrorCode.condition, message: "condition '\(branch.condition.source)' of step '\(step.id)' failed: \(error.message)"))
                return .failed
            }
        }
        if let otherwise {
            record(.branchTaken, stepId: step.id, data: ["branch": "default", "next": .string(otherwise)])
            return .target(otherwise)
        }
        return .none
    }

    /// After a step completed: the next step to run, or nil when the workflow ended.
    mutating func nextStep(after step: Step) -> String? {
        switch step.next {
        case .end:
            completeWorkflow(explicitOutput: nil)
            return nil
        case .step(let target):
            return target
        case .conditional(let branches, let otherwise):
            switch chooseBranch(branches, otherwise: otherwise, of: step) {
            case .target(let target): return target
            case .none:
                completeWorkflow(explicitOutput: nil)
                return nil
            case .failed: return nil
            }
        }
    }

    /// Continues after an asynchronous step completed.
    mutating func follow(_ step: Step) {
        if let next = nextStep(after: step) { enter(next) }
    }

    mutating func failStep(_ step: Step, executions: Int, _ error: ErrorInfo) {
        var recorded = error
        recorded.stepId = step.id
        recorded.attempt = recorded.attempt ?? 1
        recorded.time = now
        var state = instance.steps[step.id] ?? StepState(status: .failed, attempt: 1, executions: executions, startedAt: now)
        state.status = .failed
        state.error = recorded
        state.completedAt = now
        state.executions = executions
        instance.steps[step.id] = state
        instance.lastStepId = step.id
        record(.taskFailed, stepId: step.id, attempt: recorded.attempt, data: ["error": recorded.json])
        lifecycle(.stepFailed, status: StepStatus.failed.rawValue, stepId: step.id, attempt: recorded.attempt, error: recorded, duration: 0)
        handleFailure(of: step, recorded)
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
