import BatonExpressions

/// `foreach` steps: starting items up to the concurrency limit, collecting outputs, tolerating
/// failures.
extension Run {
    /// Starts attempt `attempt` of a foreach step: renders the items, then starts the first
    /// `maxConcurrency` of them.
    mutating func startForeach(_ step: Step, _ foreach: ForeachStep, in executionId: String, attempt: Int, executions: Int) {
        let startedAt = attempt == 1 ? now : (self[step: step.id, in: executionId]?.startedAt ?? now)
        let rendered: JSONValue
        do {
            rendered = try foreach.items.render(in: instance.stateDocument(in: executionId))
        } catch {
            failStep(step, in: executionId, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "'items' of step '\(step.id)' failed: \(error.message)", attempt: attempt))
            return
        }
        guard case .array(let items) = rendered else {
            failStep(step, in: executionId, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "'items' of step '\(step.id)' must render an array, got \(rendered.typeName)", attempt: attempt))
            return
        }
        self[step: step.id, in: executionId] = StepState(status: .running, attempt: attempt, executions: executions, startedAt: startedAt)
        instance.executions[executionId]?.foreach[step.id] = ForeachState(total: items.count, items: ChunkedValues(items), outputs: .nulls(items.count))
        record(.branchesStarted, stepId: step.id, in: executionId, attempt: attempt, data: [
            "items": .number(Double(items.count)), "maxConcurrency": .number(Double(foreach.maxConcurrency)),
        ])
        advanceForeach(step, foreach, in: executionId)
    }

    /// Starts items while there is room, then completes the step once every item ended. Items
    /// that end at once (no task in them) are counted by `itemEnded` and the loop goes on, so a
    /// long run of such items does not recurse.
    mutating func advanceForeach(_ step: Step, _ foreach: ForeachStep, in executionId: String) {
        let key = Execution.scopedStep(executionId, step.id)
        guard !advancing.contains(key) else { return }
        advancing.insert(key)
        while let state = instance.executions[executionId]?.foreach[step.id], self[step: step.id, in: executionId]?.status == .running,
            state.running < foreach.maxConcurrency, state.nextIndex < state.total, instance.status == .running
        {
            let index = state.nextIndex
            let id = Execution.itemId(parent: executionId, stepId: step.id, index: index)
            instance.executions[executionId]?.foreach[step.id]?.nextIndex += 1
            instance.executions[executionId]?.foreach[step.id]?.running += 1
            instance.executions[id] = Execution(
                id: id, parentId: executionId, parentStepId: step.id, scope: ["item": state.items[index], "index": .number(Double(index))], startedAt: now
            )
            enter(foreach.startAt, in: id)
        }
        advancing.remove(key)
        guard let state = instance.executions[executionId]?.foreach[step.id], state.isFinished,
            let stepState = self[step: step.id, in: executionId], stepState.status == .running
        else { return }
        let output = JSONValue.array(state.outputs.array)
        self[step: step.id, in: executionId]?.status = .completed
        self[step: step.id, in: executionId]?.output = output
        let time = now
        self[step: step.id, in: executionId]?.completedAt = time
        instance.executions[executionId]?.lastStepId = step.id
        record(.branchesJoined, stepId: step.id, in: executionId, attempt: stepState.attempt, data: [
            "completed": .number(Double(state.completed)), "failed": .number(Double(state.failed)),
        ])
        follow(step, in: executionId)
    }

    /// An item ended: its output is kept in item order and the execution is dropped (only
    /// running items are executions); too many failures fail the step.
    mutating func itemEnded(_ item: Execution, of step: Step, _ foreach: ForeachStep, in executionId: String) {
        guard self[step: step.id, in: executionId]?.status == .running, var state = instance.executions[executionId]?.foreach[step.id],
            let index = item.scope["index"]?.intValue
        else { return }
        var data: [String: JSONValue] = ["status": .string(item.status.rawValue), "index": .number(Double(index))]
        if let error = item.error { data["error"] = error.json }
        record(.branchEnded, stepId: step.id, in: item.id, data: .object(data))
        state.running -= 1
        if item.status == .completed {
            state.completed += 1
            state.outputs[index] = item.output ?? .null
        } else {
            state.failed += 1
        }
        instance.executions[executionId]?.foreach[step.id] = state
        dropExecution(item.id)
        if item.status == .failed, state.failed > foreach.toleratedFailures.allowed(of: state.total) {
            let running = instance.executions.values.filter { $0.parentId == executionId && $0.parentStepId == step.id }.map(\.id).sorted()
            for id in running {
                cancelExecution(id, reason: "step '\(step.id)' failed: too many items failed")
                dropExecution(id)
            }
            var error = item.error ?? ErrorInfo(code: BatonErrorCode.taskFailed, message: "item \(index) failed")
            error.message = "item \(index) of step '\(step.id)' failed (\(state.failed) of \(state.total) failed, \(foreach.toleratedFailures.allowed(of: state.total)) tolerated): \(error.message)"
            error.details = error.details ?? ["index": .number(Double(index))]
            failComposite(step, in: executionId, error)
            return
        }
        advanceForeach(step, foreach, in: executionId)
    }

    /// Removes an ended execution and what is below it: its outcome lives on in its parent.
    mutating func dropExecution(_ executionId: String) {
        let prefix = executionId + "/"
        for id in instance.executions.keys where id == executionId || id.hasPrefix(prefix) { instance.executions[id] = nil }
    }
}
