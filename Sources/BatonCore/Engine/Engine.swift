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
    /// Steps an instance may run in its life when its definition sets no `maxSteps`: a loop that
    /// never ends fails with `STEP_LIMIT_EXCEEDED` instead of running (and dispatching) for ever.
    public var defaultMaxSteps: Int
    /// How deep `subworkflow` steps may nest children (a child is depth 1): a definition that
    /// starts itself fails its step with `SUBWORKFLOW_DEPTH_EXCEEDED` instead of recursing for ever.
    public var maxSubworkflowDepth: Int
    /// How long an event or signal that arrived before any step waited for it is kept to be
    /// matched when one does.
    public var eventWindowMilliseconds: Int64
    /// Signals an instance keeps while no step waits for them; more are refused.
    public static let maxBufferedSignals = 100

    public static let defaultMaxStepsPerInstance = 100_000

    public init(maxSynchronousSteps: Int = 1000, defaultRetryPolicy: RetryPolicy = .none, defaultMaxSteps: Int = Engine.defaultMaxStepsPerInstance, maxSubworkflowDepth: Int = 16, eventWindowMilliseconds: Int64 = 600_000) {
        self.eventWindowMilliseconds = eventWindowMilliseconds
        self.maxSubworkflowDepth = maxSubworkflowDepth
        self.maxSynchronousSteps = maxSynchronousSteps
        self.defaultRetryPolicy = defaultRetryPolicy
        self.defaultMaxSteps = defaultMaxSteps
    }

    /// Creates an instance and runs it until it waits for a task or ends; or, when the request is
    /// `queued`, creates it QUEUED and runs nothing (see `admitted`).
    public func start(_ request: StartWorkflow, definition: WorkflowDefinition, now: Timestamp) -> Transition {
        let instance = WorkflowInstance(
            id: request.instanceId, workflowId: definition.id, workflowVersion: definition.version, input: request.input,
            createdAt: now, updatedAt: now, origin: request.origin
        )
        var started = instance
        started.parent = request.parent
        started.businessKey = request.businessKey
        started.trace = request.trace
        var run = Run(engine: self, definition: definition, instance: started, now: now)
        var data: [String: JSONValue] = ["input": request.input, "origin": .string(request.origin)]
        if let parent = request.parent {
            data["parent"] = ["instanceId": .string(parent.instanceId), "executionId": .string(parent.executionId), "stepId": .string(parent.stepId)]
        }
        if let key = request.businessKey { data["businessKey"] = .string(key) }
        if request.queued {
            run.instance.status = .queued
            run.record(.workflowQueued, data: .object(data))
            run.lifecycle(.workflowQueued, status: InstanceStatus.queued.rawValue)
            return run.finish()
        }
        run.record(.workflowStarted, data: .object(data))
        return begin(run)
    }

    /// A QUEUED instance got a slot under its concurrency limits: it starts as a start without
    /// limits would have (its workflow `timeout` counts from now, not from when it was queued).
    /// Anything else is ignored: the admission was already applied, or the instance ended
    /// (cancelled while it waited).
    public func admitted(instance: WorkflowInstance, definition: WorkflowDefinition, now: Timestamp) -> Transition {
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        guard instance.status == .queued else {
            run.record(.inputIgnored, data: ["reason": .string(Rejection.notQueued.rawValue), "input": "admission", "status": .string(instance.status.rawValue)])
            run.rejection = .notQueued
            return Transition(instance: instance, history: run.history, effects: [], rejection: .notQueued)
        }
        run.instance.status = .running
        run.record(.workflowStarted, data: ["admitted": true, "queuedMilliseconds": .number(Double(max(0, now.milliseconds(since: instance.createdAt))))])
        return begin(run)
    }

    private func begin(_ started: Run) -> Transition {
        var run = started
        run.lifecycle(.workflowStarted, status: InstanceStatus.running.rawValue)
        if let timeout = run.definition.timeoutMilliseconds {
            run.setTimer(.workflowTimeout(at: run.now.adding(milliseconds: timeout)))
        }
        run.enter(run.definition.startAt, in: Execution.rootId)
        return run.finish()
    }

    /// Applies one input to an existing instance.
    public func handle(_ input: EngineInput, instance: WorkflowInstance, definition: WorkflowDefinition, now: Timestamp) -> Transition {
        switch input {
        case .taskResult(let result): taskResultReceived(result, instance: instance, definition: definition, at: now)
        case .cancel(let reason, let by): cancelRequested(reason: reason, by: by, instance: instance, definition: definition, at: now)
        case .timerFired(let timerId): timerFired(timerId, instance: instance, definition: definition, at: now)
        case .childEnded(let outcome): childEnded(outcome, instance: instance, definition: definition, at: now)
        case .event(let delivery): eventReceived(delivery, instance: instance, definition: definition, at: now)
        }
    }

    /// A pending timer is due: start a retry or a waiting step's successor, time out a task, or
    /// time out the workflow.
    public func timerFired(_ timerId: String, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Transition {
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        guard !instance.status.isTerminal else { return run.rejectTimer(timerId, .instanceFinished) }
        guard let timer = instance.timers[timerId] else { return run.rejectTimer(timerId, .staleTimer) }
        // A timer fires at its own time, never at an earlier one it was moved away from (a
        // heartbeat pushes `heartbeat:<task>` later under the same id).
        guard timer.fireAt <= now else { return run.rejectTimer(timerId, .timerNotDue) }
        run.instance.timers[timerId] = nil
        if let rejection = run.fire(timer) { return run.rejectTimer(timerId, rejection) }
        return run.finish()
    }

    /// The instance's definition version can no longer be loaded (gone from the store, or it no
    /// longer compiles): none of its steps can run, so rather than wait for ever on a timer or a
    /// result nobody can apply, the instance fails with `DEFINITION_UNAVAILABLE` and its running
    /// tasks are cancelled.
    public func definitionUnavailable(_ message: String, instance: WorkflowInstance, at now: Timestamp) -> Transition {
        let unknown = WorkflowDefinition(
            id: instance.workflowId, version: instance.workflowVersion, startAt: "", steps: [:], stepOrder: [], document: .null
        )
        var run = Run(engine: self, definition: unknown, instance: instance, now: now)
        guard !instance.status.isTerminal else {
            run.record(.inputIgnored, data: ["reason": .string(Rejection.instanceFinished.rawValue), "input": "definitionUnavailable"])
            run.rejection = .instanceFinished
            return run.finish()
        }
        run.abandonOpenSteps(reason: "the parent instance's definition is unavailable")
        run.failWorkflow(ErrorInfo(code: BatonErrorCode.definitionUnavailable, message: message))
        return run.finish()
    }

    public func taskResultReceived(_ result: TaskResult, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Transition {
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        if let rejection = run.check(result) { return run.reject(rejection, result: result) }
        run.apply(result)
        return run.finish()
    }

    /// A CloudEvent matched one of the instance's waits (`delivery.waitId`), or a signal was sent
    /// to it: the waiting step completes with the event's data and the instance moves on. A
    /// signal no step waits for is kept for the event window; an event for a wait that is gone is
    /// recorded and ignored (`STALE_WAIT`).
    public func eventReceived(_ delivery: EventDelivery, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Transition {
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        if let rejection = run.deliver(delivery) { return run.reject(rejection, delivery: delivery) }
        return run.finish()
    }

    /// A start whose business key this running instance has: recorded in its history (who tried,
    /// from where), changing nothing else.
    public func duplicateStart(origin: String, instance: WorkflowInstance, at now: Timestamp) -> Transition {
        let unknown = WorkflowDefinition(id: instance.workflowId, version: instance.workflowVersion, startAt: "", steps: [:], stepOrder: [], document: .null)
        var run = Run(engine: self, definition: unknown, instance: instance, now: now)
        run.record(.inputIgnored, data: [
            "reason": .string(Rejection.duplicateBusinessKey.rawValue), "input": "start", "origin": .string(origin),
            "businessKey": instance.businessKey.map(JSONValue.string) ?? .null,
        ])
        run.rejection = .duplicateBusinessKey
        return run.finish()
    }

    /// A child instance of one of the instance's `subworkflow` steps ended: the step completes
    /// with the child's output, or fails with its error. A report the step no longer waits for
    /// (abandoned, timed out, retried, or a repeat) is recorded and ignored (`STALE_CHILD`).
    public func childEnded(_ outcome: ChildOutcome, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Transition {
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        if let rejection = run.check(outcome) { return run.reject(rejection, outcome: outcome) }
        run.apply(outcome)
        return run.finish()
    }

    /// The parent of this child instance no longer waits for it: it is cancelled like an
    /// operator's cancel, except that it does not report back.
    public func parentCancelled(_ cancellation: ChildCancellation, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Transition {
        var transition = cancelRequested(reason: cancellation.reason, by: "parent \(cancellation.parentId)", instance: instance, definition: definition, at: now)
        transition.effects.removeAll { if case .reportToParent = $0 { true } else { false } }
        return transition
    }

    public func cancelRequested(reason: String, by: String, instance: WorkflowInstance, definition: WorkflowDefinition, at now: Timestamp) -> Transition {
        var run = Run(engine: self, definition: definition, instance: instance, now: now)
        guard !instance.status.isTerminal else {
            run.record(.inputIgnored, data: ["reason": .string(Rejection.instanceFinished.rawValue), "input": "cancel", "by": .string(by)])
            run.rejection = .instanceFinished
            return run.finish()
        }
        // The same error the `workflow.cancelled` event carries, so the instance and its event
        // give one answer to "why did it end".
        let error = ErrorInfo(code: BatonErrorCode.cancelled, message: reason, time: now)
        run.instance.status = .cancelled
        run.instance.error = error
        run.instance.completedAt = now
        let cancelledTasks = run.instance.activeTasks.keys.sorted()
        run.cancelRunningTasks(reason: "instance cancelled by \(by): \(reason)")
        run.instance.timers = [:]
        run.settleExecutions(.cancelled)
        run.record(.workflowCancelled, data: ["reason": .string(reason), "by": .string(by), "tasks": .array(cancelledTasks.map(JSONValue.string))])
        run.lifecycle(.workflowCancelled, status: InstanceStatus.cancelled.rawValue, error: error, duration: max(0, now.milliseconds(since: instance.createdAt)))
        return run.finish()
    }
}
