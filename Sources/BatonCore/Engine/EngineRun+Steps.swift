import BatonExpressions

/// Running steps: dispatching tasks, computing values, choosing branches.
extension Run {
    // MARK: Moving through steps

    /// Runs steps from `stepId` until one waits for a task or the workflow ends.
    mutating func enter(_ stepId: String, in executionId: String) {
        var current: String? = stepId
        while let id = current, instance.status == .running, instance.executions[executionId]?.status == .running {
            synchronousSteps += 1
            if synchronousSteps > engine.maxSynchronousSteps {
                failWorkflow(ErrorInfo(code: BatonErrorCode.stepLimit, message: "more than \(engine.maxSynchronousSteps) steps ran without waiting for a task: is there a loop without a task in it?", stepId: id))
                return
            }
            instance.stepsRun += 1
            let budget = definition.maxSteps ?? engine.defaultMaxSteps
            if instance.stepsRun > budget {
                failWorkflow(ErrorInfo(code: BatonErrorCode.stepLimit, message: "the instance ran more than \(budget) steps (\(definition.maxSteps == nil ? "the service's default" : "the definition's maxSteps")): a loop that never ends?", stepId: id))
                return
            }
            guard let step = definition.steps[id] else {
                failExecution(executionId, ErrorInfo(code: BatonErrorCode.unknownStep, message: "step '\(id)' is not in version \(definition.version) of '\(definition.id)'", stepId: id))
                return
            }
            current = run(step, in: executionId)
        }
    }

    /// Runs one step; returns the step to run next synchronously, or nil when waiting or ended.
    mutating func run(_ step: Step, in executionId: String) -> String? {
        let previous = self[step: step.id, in: executionId]
        let executions = (previous?.executions ?? 0) + 1
        switch step.kind {
        case .task(let task):
            let state = instance.stateDocument(in: executionId)
            let input: JSONValue
            do {
                input = try task.input?.render(in: state) ?? instance.input
            } catch {
                failStep(step, in: executionId, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "input mapping of step '\(step.id)' failed: \(error.message)"))
                return nil
            }
            self[step: step.id, in: executionId] = StepState(status: .scheduled, attempt: 1, executions: executions, startedAt: now)
            dispatch(step, task, in: executionId, attempt: 1, executions: executions, input: input)
            return nil

        case .set(let assignments):
            let state = instance.stateDocument(in: executionId)
            var values: [String: JSONValue] = [:]
            for name in assignments.keys.sorted() {
                do {
                    values[name] = try assignments[name]!.render(in: state)
                } catch {
                    failStep(step, in: executionId, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "value '\(name)' of step '\(step.id)' failed: \(error.message)"))
                    return nil
                }
            }
            for (name, value) in values { instance.vars[name] = value }
            let output = JSONValue.object(values)
            self[step: step.id, in: executionId] = StepState(status: .completed, output: output, attempt: 1, executions: executions, startedAt: now, completedAt: now)
            instance.executions[executionId]?.lastStepId = step.id
            record(.variablesSet, stepId: step.id, in: executionId, data: output)
            return nextStep(after: step, in: executionId)

        case .choice:
            self[step: step.id, in: executionId] = StepState(status: .completed, attempt: 1, executions: executions, startedAt: now, completedAt: now)
            guard case .conditional(let branches, let otherwise) = step.next else { return nextStep(after: step, in: executionId) }
            switch chooseBranch(branches, otherwise: otherwise, of: step, in: executionId) {
            case .target(let target): return target
            case .none:
                failStep(step, in: executionId, executions: executions, ErrorInfo(code: BatonErrorCode.noMatchingChoice, message: "no choice of step '\(step.id)' matched and it has no default"))
                return nil
            case .failed: return nil
            }

        case .wait(let wait):
            var until: Timestamp
            switch wait {
            case .duration(let ms):
                until = now.adding(milliseconds: ms)
            case .until(let template):
                let value: JSONValue
                do {
                    value = try template.render(in: instance.stateDocument(in: executionId))
                } catch {
                    failStep(step, in: executionId, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "'until' of step '\(step.id)' failed: \(error.message)"))
                    return nil
                }
                if let text = value.stringValue, let parsed = Timestamp(iso8601: text) {
                    until = parsed
                } else if let ms = value.intValue {
                    until = Timestamp(milliseconds: Int64(ms))
                } else {
                    failStep(step, in: executionId, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "'until' of step '\(step.id)' must be an RFC 3339 time or epoch milliseconds, got \(value.serialized())"))
                    return nil
                }
            }
            until = max(until, now)
            self[step: step.id, in: executionId] = StepState(status: .waiting, attempt: 1, executions: executions, startedAt: now)
            record(.waitStarted, stepId: step.id, in: executionId, data: ["until": .string(until.iso8601)])
            // A time already passed still goes through the timer: one code path, and replays agree.
            setTimer(.wait(executionId: executionId, stepId: step.id, execution: executions, at: until))
            return nil

        case .succeed(let outputTemplate):
            self[step: step.id, in: executionId] = StepState(status: .completed, attempt: 1, executions: executions, startedAt: now, completedAt: now)
            instance.executions[executionId]?.lastStepId = step.id
            if let outputTemplate {
                do {
                    let output = try outputTemplate.render(in: instance.stateDocument(in: executionId))
                    self[step: step.id, in: executionId]?.output = output
                    endExecution(executionId, explicitOutput: output, bySucceedStep: true)
                } catch {
                    failExecution(executionId, ErrorInfo(code: BatonErrorCode.outputMapping, message: "output of step '\(step.id)' failed: \(error.message)", stepId: step.id))
                }
            } else {
                endExecution(executionId, explicitOutput: nil, bySucceedStep: true)
            }
            return nil

        case .parallel(let parallel):
            startBranches(of: step, parallel, in: executionId, attempt: 1, executions: executions)
            return nil

        case .foreach(let foreach):
            startForeach(step, foreach, in: executionId, attempt: 1, executions: executions)
            return nil

        case .subworkflow(let subworkflow):
            startSubworkflow(step, subworkflow, in: executionId, attempt: 1, executions: executions)
            return nil

        case .waitForEvent(let wait):
            return startEventWait(step, wait, in: executionId, executions: executions)

        case .fail(let code, let messageTemplate):
            var message = "workflow failed at step '\(step.id)'"
            if let messageTemplate {
                do {
                    let rendered = try messageTemplate.render(in: instance.stateDocument(in: executionId))
                    message = rendered.stringValue ?? rendered.serialized()
                } catch {
                    message = "\(message) (its message failed to render: \(error.message))"
                }
            }
            let error = ErrorInfo(code: code, message: message, stepId: step.id, attempt: 1, time: now)
            self[step: step.id, in: executionId] = StepState(status: .failed, error: error, attempt: 1, executions: executions, startedAt: now, completedAt: now)
            instance.executions[executionId]?.lastStepId = step.id
            failExecution(executionId, error)
            return nil
        }
    }

    /// Dispatches attempt `attempt` of a task step: a new task id, a deadline timer when the step
    /// has a timeout. The step keeps the `startedAt` of its first attempt (the retry budget counts
    /// from there).
    mutating func dispatch(_ step: Step, _ task: TaskStep, in executionId: String, attempt: Int, executions: Int, input rendered: JSONValue? = nil) {
        let input: JSONValue
        if let rendered {
            input = rendered
        } else {
            do {
                input = try task.input?.render(in: instance.stateDocument(in: executionId)) ?? instance.input
            } catch {
                failStep(step, in: executionId, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "input mapping of step '\(step.id)' failed: \(error.message)", attempt: attempt))
                return
            }
        }
        instance.taskSequence += 1
        let taskId = "\(instance.id).\(instance.taskSequence)"
        let deadline = task.timeoutMilliseconds.map { now.adding(milliseconds: $0) }
        var state = self[step: step.id, in: executionId] ?? StepState(status: .scheduled, attempt: attempt, executions: executions, startedAt: now)
        state.status = .scheduled
        state.attempt = attempt
        state.executions = executions
        state.taskId = taskId
        state.completedAt = nil
        if attempt == 1 { state.error = nil; state.output = nil }
        self[step: step.id, in: executionId] = state
        instance.activeTasks[taskId] = ActiveTask(taskId: taskId, stepId: step.id, executionId: executionId, attempt: attempt, scheduledAt: now, deadline: deadline)
        if let deadline { setTimer(.taskTimeout(taskId: taskId, at: deadline)) }
        if let interval = task.heartbeatTimeoutMilliseconds { setTimer(.heartbeatTimeout(taskId: taskId, at: now.adding(milliseconds: interval))) }
        if let interval = task.scheduleToStartTimeoutMilliseconds { setTimer(.startTimeout(taskId: taskId, at: now.adding(milliseconds: interval))) }
        record(.taskScheduled, stepId: step.id, in: executionId, taskId: taskId, attempt: attempt, data: ["taskType": .string(task.taskType), "input": input])
        lifecycle(.stepScheduled, status: StepStatus.scheduled.rawValue, stepId: step.id, in: executionId, taskId: taskId, attempt: attempt)
        effects.append(.dispatchTask(TaskDispatch(
            taskId: taskId, instanceId: instance.id, workflowId: instance.workflowId, workflowVersion: instance.workflowVersion,
            stepId: step.id, executionId: executionId, taskType: task.taskType, attempt: attempt, input: input, scheduledAt: now, deadline: deadline
        )))
    }

    enum BranchChoice { case target(String), none, failed }

    /// Picks the first branch whose condition holds. A condition that cannot be evaluated fails the step.
    mutating func chooseBranch(_ branches: [Branch], otherwise: String?, of step: Step, in executionId: String) -> BranchChoice {
        let state = instance.stateDocument(in: executionId)
        for (index, branch) in branches.enumerated() {
            do {
                if try branch.condition.evaluateCondition(in: state) {
                    record(.branchTaken, stepId: step.id, in: executionId, data: ["branch": .number(Double(index)), "when": .string(branch.condition.source), "next": .string(branch.target)])
                    return .target(branch.target)
                }
            } catch {
                failStep(step, in: executionId, executions: self[step: step.id, in: executionId]?.executions ?? 1, ErrorInfo(code: BatonErrorCode.condition, message: "condition '\(branch.condition.source)' of step '\(step.id)' failed: \(error.message)"))
                return .failed
            }
        }
        if let otherwise {
            record(.branchTaken, stepId: step.id, in: executionId, data: ["branch": "default", "next": .string(otherwise)])
            return .target(otherwise)
        }
        return .none
    }

    /// After a step completed: the next step to run, or nil when the workflow ended.
    mutating func nextStep(after step: Step, in executionId: String) -> String? {
        switch step.next {
        case .end:
            endExecution(executionId, explicitOutput: nil)
            return nil
        case .step(let target):
            return target
        case .conditional(let branches, let otherwise):
            switch chooseBranch(branches, otherwise: otherwise, of: step, in: executionId) {
            case .target(let target): return target
            case .none:
                endExecution(executionId, explicitOutput: nil)
                return nil
            case .failed: return nil
            }
        }
    }

    /// A wait step's timer fired: the step completes and the instance moves on.
    mutating func finishWait(_ step: Step, in executionId: String) {
        let time = now
        self[step: step.id, in: executionId]?.status = .completed
        self[step: step.id, in: executionId]?.completedAt = time
        self[step: step.id, in: executionId]?.output = ["waitedUntil": .string(time.iso8601)]
        instance.executions[executionId]?.lastStepId = step.id
        record(.waitCompleted, stepId: step.id, in: executionId)
        follow(step, in: executionId)
    }

    /// Continues after an asynchronous step completed.
    mutating func follow(_ step: Step, in executionId: String) {
        if let next = nextStep(after: step, in: executionId) { enter(next, in: executionId) }
    }

    mutating func failStep(_ step: Step, in executionId: String, executions: Int, _ error: ErrorInfo) {
        var recorded = error
        recorded.stepId = step.id
        recorded.attempt = recorded.attempt ?? 1
        recorded.time = now
        var state = self[step: step.id, in: executionId] ?? StepState(status: .failed, attempt: 1, executions: executions, startedAt: now)
        state.status = .failed
        state.error = recorded
        state.completedAt = now
        state.executions = executions
        self[step: step.id, in: executionId] = state
        instance.executions[executionId]?.lastStepId = step.id
        record(.stepFailed, stepId: step.id, in: executionId, attempt: recorded.attempt, data: ["error": recorded.json])
        lifecycle(.stepFailed, status: StepStatus.failed.rawValue, stepId: step.id, in: executionId, attempt: recorded.attempt, error: recorded, duration: 0)
        handleFailure(of: step, in: executionId, recorded)
    }
}
