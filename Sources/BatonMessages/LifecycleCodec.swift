import BatonCore
import BatonExpressions

/// Lifecycle events on `<prefix>lifecycle` (schema: `schemas/lifecycle-event.schema.json`).
public enum LifecycleCodec {
    /// The CloudEvents `source` of Baton's own events.
    public static let defaultSource = "urn:baton:orchestrator"
    /// Carried as `dataschema`; bumped when a field changes meaning.
    public static let dataSchema = "https://baton.dev/schemas/lifecycle-event/v1"

    public static func cloudEvent(_ event: LifecycleEvent, source: String = defaultSource) -> CloudEvent {
        var data: [String: JSONValue] = [
            "workflowId": .string(event.workflowId),
            "workflowVersion": .number(Double(event.workflowVersion)),
            "instanceId": .string(event.instanceId),
            "status": .string(event.status),
        ]
        if let stepId = event.stepId { data["stepId"] = .string(stepId) }
        if let executionId = event.executionId { data["executionId"] = .string(executionId) }
        if let taskId = event.taskId { data["taskId"] = .string(taskId) }
        if let attempt = event.attempt { data["attempt"] = .number(Double(attempt)) }
        if let output = event.output { data["output"] = output }
        if let error = event.error { data["error"] = error.json }
        if let duration = event.durationMilliseconds { data["durationMs"] = .number(Double(duration)) }
        if let parent = event.parentInstanceId { data["parentInstanceId"] = .string(parent) }
        if let child = event.childInstanceId { data["childInstanceId"] = .string(child) }
        return CloudEvent(
            id: event.id, source: source, type: event.type.rawValue, subject: event.instanceId, time: event.time.iso8601,
            datacontenttype: "application/json", dataschema: dataSchema, data: .object(data)
        )
    }

    /// The structured-mode record of `cloudEvent(event)`, its JSON written directly: one or two
    /// are published per step, and building the envelope and data as `JSONValue` dictionaries
    /// first cost more than writing them. `LifecycleContractTests` check it is the same document.
    public static func encode(_ event: LifecycleEvent, topics: TopicNames, source: String = defaultSource) -> WireMessage {
        let time = event.time.iso8601
        var w = JSONStreamWriter(capacity: 384)
        w.beginObject()
        w.member("specversion", string: "1.0")
        w.member("id", string: event.id)
        w.member("source", string: source)
        w.member("type", string: event.type.rawValue)
        w.member("subject", string: event.instanceId)
        w.member("time", string: time)
        w.member("datacontenttype", string: "application/json")
        w.member("dataschema", string: dataSchema)
        w.key("data")
        w.beginObject()
        w.member("workflowId", string: event.workflowId)
        w.member("workflowVersion", number: event.workflowVersion)
        w.member("instanceId", string: event.instanceId)
        w.member("status", string: event.status)
        if let stepId = event.stepId { w.member("stepId", string: stepId) }
        if let executionId = event.executionId { w.member("executionId", string: executionId) }
        if let taskId = event.taskId { w.member("taskId", string: taskId) }
        if let attempt = event.attempt { w.member("attempt", number: attempt) }
        if let output = event.output { w.member("output", value: output) }
        if let error = event.error { w.member("error", value: error.json) }
        if let duration = event.durationMilliseconds { w.member("durationMs", number: Int(duration)) }
        if let parent = event.parentInstanceId { w.member("parentInstanceId", string: parent) }
        if let child = event.childInstanceId { w.member("childInstanceId", string: child) }
        w.endObject()
        w.endObject()
        return WireMessage(
            topic: topics.lifecycle, key: Array(event.instanceId.utf8), value: w.bytes,
            headers: CloudEventCodec.structuredHeaders(id: event.id, source: source, type: event.type.rawValue, subject: event.instanceId, time: time)
        )
    }
}
