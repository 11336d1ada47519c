import BatonExpressions

/// One transition in progress: the mutable working state of a single engine call.
struct Run {
    let engine: Engine
    let definition: WorkflowDefinition
    var instance: WorkflowInstance
    let now: Timestamp
    var history: [HistoryEvent] = []
    var effects: [Effect] = []
    var rejection: Rejection?
    var synchronousSteps = 0
    /// Foreach steps whose item loop is on the stack (`Execution.scopedStep` keys), so an item
    /// that ends at once does not start the next one recursively.
    var advancing: Set<String> = []
    /// Whether the instance had ended before this transition (a child reports its end once).
    let wasTerminal: Bool

    init(engine: Engine, definition: WorkflowDefinition, instance: WorkflowInstance, now: Timestamp) {
        self.engine = engine
        self.definition = definition
        self.instance = instance
        self.now = now
        self.wasTerminal = instance.status.isTerminal
    }

    mutating func finish() -> Transition {
        if rejection == nil { instance.updatedAt = now }
        dropStaleWaits()
        if !wasTerminal, instance.status.isTerminal, let parent = instance.parent {
            effects.append(.reportToParent(ChildOutcome(
                childId: instance.id, childWorkflowId: instance.workflowId, parent: parent, status: instance.status,
                output: instance.status == .completed ? .some(instance.output ?? .null) : .none, error: instance.error
            )))
        }
        return Transition(instance: instance, history: history, effects: effects, rejection: rejection)
    }

    // MARK: Recording

    /// `execution` is written only when it is not the root, so root histories read as before.
    mutating func record(_ type: HistoryEventType, stepId: String? = nil, in execution: String? = nil, taskId: String? = nil, attempt: Int? = nil, data: JSONValue = .null) {
        instance.historySequence += 1
        let executionId = execution == Execution.rootId ? nil : execution
        history.append(HistoryEvent(sequence: instance.historySequence, time: now, type: type, stepId: stepId, executionId: executionId, taskId: taskId, attempt: attempt, data: data))
    }

    /// Lifecycle events take the id of the history event just recorded, so each id is fixed and unique.
    mutating func lifecycle(_ type: LifecycleEventType, status: String, stepId: String? = nil, in execution: String? = nil, taskId: String? = nil, attempt: Int? = nil, output: JSONValue? = nil, error: ErrorInfo? = nil, duration: Int64? = nil, childInstanceId: String? = nil) {
        var event = LifecycleEvent(
            id: "\(instance.id).\(instance.historySequence)", type: type, instanceId: instance.id, workflowId: instance.workflowId,
            workflowVersion: instance.workflowVersion, stepId: stepId, executionId: execution, taskId: taskId, attempt: attempt, status: status,
            output: output, error: error, durationMilliseconds: duration, time: now
        )
        if type.rawValue.hasPrefix("workflow.") { event.parentInstanceId = instance.parent?.instanceId }
        event.childInstanceId = childInstanceId
        effects.append(.emitLifecycle(event))
    }

    mutating func reject(_ reason: Rejection, result: TaskResult) -> Transition {
        record(.inputIgnored, stepId: result.stepId, in: result.executionId, taskId: result.taskId, attempt: result.attempt, data: [
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

    /// Marks steps that were still scheduled, retrying or waiting as CANCELLED, in every
    /// execution: the instance no longer waits for them.
    /// A running `subworkflow` step's child is cancelled with them.
    mutating func abandonOpenSteps(reason: String = "the parent instance ended") {
        for executionId in instance.executions.keys.sorted() { abandonOpenSteps(in: executionId, reason: reason) }
    }

    mutating func abandonOpenSteps(in executionId: String, reason: String) {
        guard let execution = instance.executions[executionId] else { return }
        for id in execution.steps.keys.sorted() {
            let step = execution.steps[id]!
            guard [.scheduled, .retrying, .waiting, .running].contains(step.status) else { continue }
            if step.status == .running, let childId = step.childId {
                effects.append(.cancelChild(ChildCancellation(childId: childId, parentId: instance.id, reason: reason)))
            }
            instance.executions[executionId]!.steps[id]!.status = .cancelled
            instance.executions[executionId]!.steps[id]!.completedAt = now
        }
    }

    /// Step `stepId` of execution `executionId`, for reading and writing in place.
    subscript(step stepId: String, in executionId: String) -> StepState? {
        get { instance.executions[executionId]?.steps[stepId] }
        set { instance.executions[executionId]?.steps[stepId] = newValue }
    }

    /// Drops every running task and tells its executor to stop.
    mutating func cancelRunningTasks(reason: String) {
        for taskId in instance.activeTasks.keys.sorted() { cancelTask(instance.activeTasks[taskId]!, reason: reason) }
        abandonOpenSteps(reason: reason)
    }

    /// Drops one running task and tells its executor to stop.
    mutating func cancelTask(_ task: ActiveTask, reason: String) {
        var taskType = ""
        if case .task(let step)? = definition.steps[task.stepId]?.kind { taskType = step.taskType }
        effects.append(.cancelTask(TaskCancellation(
            taskId: task.taskId, instanceId: instance.id, workflowId: instance.workflowId, stepId: task.stepId,
            executionId: task.executionId, taskType: taskType, attempt: task.attempt, reason: reason, cancelledAt: now
        )))
        for id in InstanceTimer.taskTimerIds(task.taskId) { instance.timers[id] = nil }
        instance.activeTasks[task.taskId] = nil
    }
}
