import BatonExpressions

/// `waitForEvent` steps: starting to wait, taking an event or signal, timing out; signals that
/// arrive before any step waits.
extension Run {
    /// Starts waiting; returns the next step when a signal kept for the instance completes the
    /// step at once.
    mutating func startEventWait(_ step: Step, _ wait: WaitForEventStep, in executionId: String, executions: Int) -> String? {
        var key: String?
        if let correlation = wait.correlation {
            let failure: String?
            do {
                let value = try correlation.render(in: instance.stateDocument(in: executionId))
                do throws(EvaluationFailure) {
                    key = try Self.correlationKey(value, of: step.id)
                    failure = nil
                } catch {
                    failure = error.message
                }
            } catch {
                failure = error.message
            }
            if let failure {
                failStep(step, in: executionId, executions: executions, ErrorInfo(code: BatonErrorCode.inputMapping, message: "correlation of step '\(step.id)' failed: \(failure)"))
                return nil
            }
        }
        self[step: step.id, in: executionId] = StepState(status: .waiting, attempt: 1, executions: executions, startedAt: now)
        dropExpiredSignals()
        if let index = instance.signals.firstIndex(where: { $0.name == wait.event }) {
            let signal = instance.signals.remove(at: index)
            completeEventWait(step, wait, in: executionId, data: signal.data, origin: "signal:\(signal.by)")
            return nextStep(after: step, in: executionId)
        }
        let waitId = EventWait.id(executionId: executionId, stepId: step.id, execution: executions)
        instance.eventWaits[waitId] = EventWait(
            id: waitId, event: wait.event, eventKeySource: key == nil ? nil : wait.eventKeySource, correlationKey: key,
            executionId: executionId, stepId: step.id, execution: executions
        )
        if let timeout = wait.timeoutMilliseconds {
            setTimer(.eventTimeout(executionId: executionId, stepId: step.id, waitId: waitId, at: now.adding(milliseconds: timeout)))
        }
        record(.eventWaitStarted, stepId: step.id, in: executionId, data: [
            "event": .string(wait.event), "correlationKey": key.map(JSONValue.string) ?? .null, "waitId": .string(waitId),
        ])
        return nil
    }

    /// A correlation key is a string, or a number or boolean as written in JSON.
    static func correlationKey(_ value: JSONValue, of stepId: String) throws(EvaluationFailure) -> String {
        guard let key = WaitForEventStep.correlationKey(value) else {
            throw EvaluationFailure(message: "it must give a string of 1–255 bytes or a number, got \(value.typeName == "string" ? "\(value.stringValue?.utf8.count ?? 0) bytes" : value.typeName)")
        }
        return key
    }

    struct EvaluationFailure: Error { var message: String }

    /// Applies an event or signal; nil when it changed the instance, else why it was ignored.
    mutating func deliver(_ delivery: EventDelivery) -> Rejection? {
        guard !instance.status.isTerminal else { return .instanceFinished }
        var wait: EventWait?
        if let waitId = delivery.waitId {
            wait = instance.eventWaits[waitId].flatMap { $0.event == delivery.name ? $0 : nil }
        } else {
            wait = instance.eventWaits.values.filter { $0.event == delivery.name }.min { ($0.executionId, $0.stepId) < ($1.executionId, $1.stepId) }
        }
        let deferredWaits = Set(instance.deferred.compactMap { if case .event(let d) = $0 { d.waitId } else { nil } })
        if let found = wait, deferredWaits.contains(found.id) { wait = nil }
        guard let wait else {
            guard delivery.waitId == nil else { return .staleWait }
            dropExpiredSignals()
            guard instance.signals.count < Engine.maxBufferedSignals else { return .signalBufferFull }
            instance.signals.append(BufferedSignal(name: delivery.name, data: delivery.data, receivedAt: now, by: delivery.origin))
            record(.signalBuffered, data: [
                "signal": .string(delivery.name), "origin": .string(delivery.origin),
                "keptUntil": .string(now.adding(milliseconds: engine.eventWindowMilliseconds).iso8601),
            ])
            return nil
        }
        if instance.status == .paused {
            var kept = delivery
            kept.waitId = wait.id
            instance.deferred.append(.event(kept))
            record(.inputDeferred, stepId: wait.stepId, in: wait.executionId, data: ["input": "event", "event": .string(delivery.name), "origin": .string(delivery.origin)])
            return nil
        }
        guard let step = definition.steps[wait.stepId], case .waitForEvent(let definitionWait) = step.kind else { return .staleWait }
        instance.eventWaits[wait.id] = nil
        instance.timers[InstanceTimer.eventTimeout(executionId: wait.executionId, stepId: wait.stepId, waitId: wait.id, at: now).id] = nil
        completeEventWait(step, definitionWait, in: wait.executionId, data: delivery.data, origin: delivery.origin)
        follow(step, in: wait.executionId)
        return nil
    }

    mutating func completeEventWait(_ step: Step, _ wait: WaitForEventStep, in executionId: String, data: JSONValue, origin: String) {
        self[step: step.id, in: executionId]?.status = .completed
        self[step: step.id, in: executionId]?.output = data
        let time = now
        self[step: step.id, in: executionId]?.completedAt = time
        if let into = wait.into { instance.vars[into] = data }
        instance.executions[executionId]?.lastStepId = step.id
        record(.eventReceived, stepId: step.id, in: executionId, data: ["event": .string(wait.event), "origin": .string(origin), "data": data])
    }

    mutating func reject(_ reason: Rejection, delivery: EventDelivery) -> Transition {
        record(.inputIgnored, data: [
            "reason": .string(reason.rawValue), "input": delivery.waitId == nil ? "signal" : "event", "event": .string(delivery.name), "origin": .string(delivery.origin),
        ])
        rejection = reason
        return Transition(instance: instance, history: history, effects: [], rejection: reason)
    }

    /// The step waited past its `timeout`: its `onTimeout` step, or a `TIMEOUT` failure that its
    /// handlers see.
    mutating func timeOutEventWait(stepId: String, waitId: String, in executionId: String) -> Rejection? {
        guard let wait = instance.eventWaits[waitId], let step = definition.steps[stepId], case .waitForEvent(let definitionWait) = step.kind else { return .staleTimer }
        instance.eventWaits[waitId] = nil
        let error = ErrorInfo(
            code: BatonErrorCode.timeout, message: "step '\(stepId)' waited for '\(definitionWait.event)' longer than its timeout",
            details: ["waitId": .string(waitId)], stepId: stepId, attempt: 1, time: now
        )
        record(.eventWaitTimedOut, stepId: stepId, in: executionId, data: ["waitId": .string(waitId), "next": definitionWait.onTimeout.map(JSONValue.string) ?? .null])
        guard let next = definitionWait.onTimeout else {
            failStep(step, in: executionId, executions: wait.execution, error)
            return nil
        }
        self[step: stepId, in: executionId]?.status = .failed
        self[step: stepId, in: executionId]?.error = error
        let time = now
        self[step: stepId, in: executionId]?.completedAt = time
        instance.executions[executionId]?.lastStepId = stepId
        enter(next, in: executionId)
        return nil
    }

    mutating func dropExpiredSignals() {
        let window = engine.eventWindowMilliseconds
        instance.signals.removeAll { now.milliseconds(since: $0.receivedAt) > window }
    }

    /// Waits whose step no longer waits (it completed, was abandoned, the instance ended) are
    /// dropped, whatever path got there, so the store's index never keeps a dead wait.
    mutating func dropStaleWaits() {
        guard !instance.eventWaits.isEmpty else { return }
        let ended = instance.status.isTerminal
        for (id, wait) in instance.eventWaits {
            let state = instance.step(wait.stepId, in: wait.executionId)
            if ended || state?.status != .waiting || state?.executions != wait.execution || instance.executions[wait.executionId]?.status != .running {
                instance.eventWaits[id] = nil
            }
        }
    }
}
