import BatonExpressions

/// The stored form of an instance written straight to bytes: the same document as `json`, without
/// building it as a `JSONValue` first.
///
/// The store rewrites an instance's state at every step, so this is on the hot path of every
/// transaction; `InstanceEncodingTests` checks that it parses to exactly `json`.
extension WorkflowInstance {
    public func encodedState() -> [UInt8] {
        var w = JSONStreamWriter(capacity: 512 + 256 * steps.count)
        w.beginObject()
        w.key("id")
        w.string(id)
        w.key("workflowId")
        w.string(workflowId)
        w.key("workflowVersion")
        w.number(workflowVersion)
        w.key("status")
        w.string(status.rawValue)
        w.key("input")
        w.value(input)
        w.key("steps")
        w.beginObject()
        for (stepId, step) in steps {
            w.key(stepId)
            step.encode(into: &w)
        }
        w.endObject()
        w.key("vars")
        w.value(.object(vars))
        w.key("createdAt")
        w.string(createdAt.iso8601)
        w.key("updatedAt")
        w.string(updatedAt.iso8601)
        w.key("taskSequence")
        w.number(taskSequence)
        w.key("historySequence")
        w.number(historySequence)
        w.key("activeTasks")
        w.beginArray()
        for taskId in activeTasks.keys.sorted() { activeTasks[taskId]!.encode(into: &w) }
        w.endArray()
        if let output {
            w.key("output")
            w.value(output)
        }
        if let error {
            w.key("error")
            w.value(error.json)
        }
        if let completedAt {
            w.key("completedAt")
            w.string(completedAt.iso8601)
        }
        if let lastStepId {
            w.key("lastStepId")
            w.string(lastStepId)
        }
        if let origin {
            w.key("origin")
            w.string(origin)
        }
        if !timers.isEmpty {
            w.key("timers")
            w.value(.array(timers.keys.sorted().map { timers[$0]!.json }))
        }
        if let handlingFailure {
            w.key("handlingFailure")
            w.value(handlingFailure.json)
        }
        if !deferred.isEmpty {
            w.key("deferred")
            w.value(.array(deferred.map(\.json)))
        }
        w.endObject()
        return w.bytes
    }
}

extension StepState {
    /// `json`, written in place.
    func encode(into w: inout JSONStreamWriter) {
        w.beginObject()
        w.key("status")
        w.string(status.rawValue)
        w.key("attempt")
        w.number(attempt)
        w.key("startedAt")
        w.string(startedAt.iso8601)
        w.key("output")
        w.value(output ?? .null)
        w.key("error")
        if let error { w.value(error.json) } else { w.null() }
        w.key("completedAt")
        if let completedAt { w.string(completedAt.iso8601) } else { w.null() }
        if executions != 1 {
            w.key("executions")
            w.number(executions)
        }
        if let taskId {
            w.key("taskId")
            w.string(taskId)
        }
        w.endObject()
    }
}

extension ActiveTask {
    /// `json`, written in place.
    func encode(into w: inout JSONStreamWriter) {
        w.beginObject()
        w.key("taskId")
        w.string(taskId)
        w.key("stepId")
        w.string(stepId)
        w.key("attempt")
        w.number(attempt)
        w.key("scheduledAt")
        w.string(scheduledAt.iso8601)
        if let deadline {
            w.key("deadline")
            w.string(deadline.iso8601)
        }
        if let lastHeartbeatAt {
            w.key("lastHeartbeatAt")
            w.string(lastHeartbeatAt.iso8601)
        }
        if let progress {
            w.key("progress")
            w.value(progress)
        }
        w.endObject()
    }
}
