import BatonCore
import BatonExpressions

/// The stored form of an instance: one JSON document per instance, written straight to bytes.
///
/// This is the only serialiser of the stored form (the API view is a projection built from the
/// instance, not a second encoder), and it lives with the stores that own the format. The store
/// rewrites an instance at every step, so it is on the hot path of every transaction: it writes
/// without building a `JSONValue` first. `StoredInstanceDecoder` reads it back, and reads and
/// upgrades every older format.
///
/// Format 2 (this one): `formatVersion`, the instance's own fields, and `executions` by id, each
/// with its own step states. Format 1 (before executions, no `formatVersion`) kept `steps`,
/// `lastStepId` and `handlingFailure` on the instance.
public enum StoredInstanceEncoder {
    /// The format `encode` writes.
    public static let formatVersion = 2

    public static func encode(_ instance: WorkflowInstance) -> [UInt8] {
        var w = JSONStreamWriter(capacity: 512 + 256 * instance.root.steps.count)
        w.beginObject()
        w.member("formatVersion", number: formatVersion)
        w.member("id", string: instance.id)
        w.member("workflowId", string: instance.workflowId)
        w.member("workflowVersion", number: instance.workflowVersion)
        w.member("status", string: instance.status.rawValue)
        // A large input (a foreach's items, say) is a part, written when it changes, not at every step.
        if isLarge(instance.input) {
            w.member("inputPart", number: instance.inputRevision)
        } else {
            w.member("input", value: instance.input)
            if instance.inputRevision != 1 { w.member("inputRevision", number: instance.inputRevision) }
        }
        w.key("executions")
        w.beginObject()
        for (id, execution) in instance.executions {
            w.key(id)
            encode(execution, into: &w)
        }
        w.endObject()
        w.member("vars", value: .object(instance.vars))
        w.member("createdAt", string: instance.createdAt.iso8601)
        w.member("updatedAt", string: instance.updatedAt.iso8601)
        w.member("taskSequence", number: instance.taskSequence)
        w.member("historySequence", number: instance.historySequence)
        if instance.stepsRun != 0 { w.member("stepsRun", number: instance.stepsRun) }
        w.key("activeTasks")
        w.beginArray()
        for taskId in instance.activeTasks.keys.sorted() { encode(instance.activeTasks[taskId]!, into: &w) }
        w.endArray()
        if let output = instance.output { w.member("output", value: output) }
        if let error = instance.error { w.member("error", value: error.json) }
        if let completedAt = instance.completedAt { w.member("completedAt", string: completedAt.iso8601) }
        if let origin = instance.origin { w.member("origin", string: origin) }
        if let parent = instance.parent { w.member("parent", value: json(parent)) }
        if let key = instance.businessKey { w.member("businessKey", string: key) }
        if let trace = instance.trace {
            var object: [String: JSONValue] = ["traceId": .string(trace.traceId), "sampled": .bool(trace.sampled)]
            if let parent = trace.parentId { object["parentId"] = .string(parent) }
            if let state = trace.state { object["state"] = .string(state) }
            w.member("trace", value: .object(object))
        }
        if !instance.eventWaits.isEmpty {
            w.member("eventWaits", value: .array(instance.eventWaits.keys.sorted().map { json(instance.eventWaits[$0]!) }))
        }
        if !instance.signals.isEmpty {
            w.member("signals", value: .array(instance.signals.map {
                ["name": .string($0.name), "data": $0.data, "receivedAt": .string($0.receivedAt.iso8601), "by": .string($0.by)]
            }))
        }
        if !instance.timers.isEmpty {
            w.key("timers")
            w.beginArray()
            for id in instance.timers.keys.sorted() { w.value(json(instance.timers[id]!)) }
            w.endArray()
        }
        if !instance.deferred.isEmpty { w.member("deferred", value: .array(instance.deferred.map(json))) }
        w.endObject()
        return w.bytes
    }

    static func encode(_ execution: Execution, into w: inout JSONStreamWriter) {
        w.beginObject()
        w.member("status", string: execution.status.rawValue)
        w.member("startedAt", string: execution.startedAt.iso8601)
        w.key("steps")
        w.beginObject()
        for (stepId, step) in execution.steps {
            w.key(stepId)
            encode(step, into: &w)
        }
        w.endObject()
        if let parentId = execution.parentId { w.member("parentId", string: parentId) }
        if let parentStepId = execution.parentStepId { w.member("parentStepId", string: parentStepId) }
        if let lastStepId = execution.lastStepId { w.member("lastStepId", string: lastStepId) }
        if let handlingFailure = execution.handlingFailure { w.member("handlingFailure", value: handlingFailure.json) }
        if let output = execution.output { w.member("output", value: output) }
        if let error = execution.error { w.member("error", value: error.json) }
        if !execution.scope.isEmpty { w.member("scope", value: .object(execution.scope)) }
        if !execution.foreach.isEmpty { w.member("foreach", value: .object(execution.foreach.mapValues(json))) }
        if let completedAt = execution.completedAt { w.member("completedAt", string: completedAt.iso8601) }
        w.endObject()
    }

    static func encode(_ step: StepState, into w: inout JSONStreamWriter) {
        w.beginObject()
        w.member("status", string: step.status.rawValue)
        w.member("attempt", number: step.attempt)
        w.member("startedAt", string: step.startedAt.iso8601)
        if let output = step.output { w.member("output", value: output) }
        if let error = step.error { w.member("error", value: error.json) }
        if let completedAt = step.completedAt { w.member("completedAt", string: completedAt.iso8601) }
        if step.executions != 1 { w.member("executions", number: step.executions) }
        if let taskId = step.taskId { w.member("taskId", string: taskId) }
        if let childId = step.childId { w.member("childId", string: childId) }
        w.endObject()
    }

    static func encode(_ task: ActiveTask, into w: inout JSONStreamWriter) {
        w.beginObject()
        w.member("taskId", string: task.taskId)
        w.member("stepId", string: task.stepId)
        if task.executionId != Execution.rootId { w.member("executionId", string: task.executionId) }
        w.member("attempt", number: task.attempt)
        w.member("scheduledAt", string: task.scheduledAt.iso8601)
        if let deadline = task.deadline { w.member("deadline", string: deadline.iso8601) }
        if let lastHeartbeatAt = task.lastHeartbeatAt { w.member("lastHeartbeatAt", string: lastHeartbeatAt.iso8601) }
        if let progress = task.progress { w.member("progress", value: progress) }
        w.endObject()
    }

    static func json(_ timer: InstanceTimer) -> JSONValue {
        var o: [String: JSONValue] = ["id": .string(timer.id), "fireAt": .string(timer.fireAt.iso8601)]
        switch timer.kind {
        case .retry(let executionId, let stepId, let attempt):
            o["kind"] = "retry"
            o["stepId"] = .string(stepId)
            o["attempt"] = .number(Double(attempt))
            if executionId != Execution.rootId { o["executionId"] = .string(executionId) }
        case .taskTimeout(let taskId):
            o["kind"] = "taskTimeout"
            o["taskId"] = .string(taskId)
        case .heartbeatTimeout(let taskId):
            o["kind"] = "heartbeatTimeout"
            o["taskId"] = .string(taskId)
        case .startTimeout(let taskId):
            o["kind"] = "startTimeout"
            o["taskId"] = .string(taskId)
        case .wait(let executionId, let stepId, let execution):
            o["kind"] = "wait"
            o["stepId"] = .string(stepId)
            o["execution"] = .number(Double(execution))
            if executionId != Execution.rootId { o["executionId"] = .string(executionId) }
        case .workflowTimeout:
            o["kind"] = "workflowTimeout"
        case .eventTimeout(let executionId, let stepId, let waitId):
            o["kind"] = "eventTimeout"
            o["stepId"] = .string(stepId)
            o["waitId"] = .string(waitId)
            if executionId != Execution.rootId { o["executionId"] = .string(executionId) }
        case .subworkflowTimeout(let executionId, let stepId, let childId):
            o["kind"] = "subworkflowTimeout"
            o["stepId"] = .string(stepId)
            o["childId"] = .string(childId)
            if executionId != Execution.rootId { o["executionId"] = .string(executionId) }
        }
        return .object(o)
    }

    static func json(_ input: DeferredInput) -> JSONValue {
        switch input {
        case .result(let r):
            var o: [String: JSONValue] = [
                "input": "result", "taskId": .string(r.taskId), "instanceId": .string(r.instanceId), "stepId": .string(r.stepId),
                "attempt": .number(Double(r.attempt)), "status": .string(r.status.rawValue),
            ]
            if let executionId = r.executionId { o["executionId"] = .string(executionId) }
            if let output = r.output { o["output"] = output }
            if let error = r.error { o["error"] = error.json }
            if let workerId = r.workerId { o["workerId"] = .string(workerId) }
            return .object(o)
        case .timer(let timer):
            return ["input": "timer", "timer": json(timer)]
        case .child(let outcome):
            var o: [String: JSONValue] = [
                "input": "child", "childId": .string(outcome.childId), "childWorkflowId": .string(outcome.childWorkflowId),
                "parent": json(outcome.parent), "status": .string(outcome.status.rawValue),
            ]
            if let output = outcome.output { o["output"] = output }
            if let error = outcome.error { o["error"] = error.json }
            return .object(o)
        case .event(let delivery):
            var o: [String: JSONValue] = ["input": "event", "name": .string(delivery.name), "data": delivery.data, "origin": .string(delivery.origin)]
            if let waitId = delivery.waitId { o["waitId"] = .string(waitId) }
            return .object(o)
        }
    }

    static func json(_ wait: EventWait) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(wait.id), "event": .string(wait.event), "executionId": .string(wait.executionId), "stepId": .string(wait.stepId),
            "execution": .number(Double(wait.execution)),
        ]
        if let source = wait.eventKeySource { o["eventKey"] = .string(source) }
        if let key = wait.correlationKey { o["correlationKey"] = .string(key) }
        return .object(o)
    }

    static func json(_ parent: ParentLink) -> JSONValue {
        [
            "instanceId": .string(parent.instanceId), "executionId": .string(parent.executionId), "stepId": .string(parent.stepId),
            "depth": .number(Double(parent.depth)),
        ]
    }
}
