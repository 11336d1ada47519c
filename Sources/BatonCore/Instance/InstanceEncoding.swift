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
        w.member("id", string: id)
        w.member("workflowId", string: workflowId)
        w.member("workflowVersion", number: workflowVersion)
        w.member("status", string: status.rawValue)
        w.member("input", value: input)
        w.key("steps")
        w.beginObject()
        for (stepId, step) in steps {
            w.key(stepId)
            step.encode(into: &w)
        }
        w.endObject()
        w.member("vars", value: .object(vars))
        w.member("createdAt", string: createdAt.iso8601)
        w.member("updatedAt", string: updatedAt.iso8601)
        w.member("taskSequence", number: taskSequence)
        w.member("historySequence", number: historySequence)
        w.key("activeTasks")
        w.beginArray()
        for taskId in activeTasks.keys.sorted() { activeTasks[taskId]!.encode(into: &w) }
        w.endArray()
        if let output { w.member("output", value: output) }
        if let error { w.member("error", value: error.json) }
        if let completedAt { w.member("completedAt", string: completedAt.iso8601) }
        if let lastStepId { w.member("lastStepId", string: lastStepId) }
        if let origin { w.member("origin", string: origin) }
        if !timers.isEmpty { w.member("timers", value: .array(timers.keys.sorted().map { timers[$0]!.json })) }
        if let handlingFailure { w.member("handlingFailure", value: handlingFailure.json) }
        if !deferred.isEmpty { w.member("deferred", value: .array(deferred.map(\.json))) }
        w.endObject()
        return w.bytes
    }
}

extension StepState {
    /// `json`, written in place.
    func encode(into w: inout JSONStreamWriter) {
        w.beginObject()
        w.member("status", string: status.rawValue)
        w.member("attempt", number: attempt)
        w.member("startedAt", string: startedAt.iso8601)
        w.member("output", value: output ?? .null)
        w.key("error")
        if let error { w.value(error.json) } else { w.null() }
        w.key("completedAt")
        if let completedAt { w.string(completedAt.iso8601) } else { w.null() }
        if executions != 1 { w.member("executions", number: executions) }
        if let taskId { w.member("taskId", string: taskId) }
        w.endObject()
    }
}

extension ActiveTask {
    /// `json`, written in place.
    func encode(into w: inout JSONStreamWriter) {
        w.beginObject()
        w.member("taskId", string: taskId)
        w.member("stepId", string: stepId)
        w.member("attempt", number: attempt)
        w.member("scheduledAt", string: scheduledAt.iso8601)
        if let deadline { w.member("deadline", string: deadline.iso8601) }
        if let lastHeartbeatAt { w.member("lastHeartbeatAt", string: lastHeartbeatAt.iso8601) }
        if let progress { w.member("progress", value: progress) }
        w.endObject()
    }
}
