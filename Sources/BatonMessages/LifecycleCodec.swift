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
        if let taskId = event.taskId { data["taskId"] = .string(taskId) }
        if let attempt = event.attempt { data["attempt"] = .number(Double(attempt)) }
        if let output = event.output { data["output"] = output }
        if let error = event.error { data["error"] = error.json }
        if let duration = event.durationMilliseconds { data["durationMs"] = .number(Double(duration)) }
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
        w.key("specversion")
        w.string("1.0")
        w.key("id")
        w.string(event.id)
        w.key("source")
        w.string(source)
        w.key("type")
        w.string(event.type.rawValue)
        w.key("subject")
        w.string(event.instanceId)
        w.key("time")
        w.string(time)
        w.key("datacontenttype")
        w.string("application/json")
        w.key("dataschema")
        w.string(dataSchema)
        w.key("data")
        w.beginObject()
        w.key("workflowId")
        w.string(event.workflowId)
        w.key("workflowVersion")
        w.number(event.workflowVersion)
        w.key("instanceId")
        w.string(event.instanceId)
        w.key("status")
        w.string(event.status)
        if let stepId = event.stepId {
            w.key("stepId")
            w.string(stepId)
        }
        if let taskId = event.taskId {
            w.key("taskId")
            w.string(taskId)
        }
        if let attempt = event.attempt {
            w.key("attempt")
            w.number(attempt)
        }
        if let output = event.output {
            w.key("output")
            w.value(output)
        }
        if let error = event.error {
            w.key("error")
            w.value(error.json)
        }
        if let duration = event.durationMilliseconds {
            w.key("durationMs")
            w.number(Int(duration))
        }
        w.endObject()
        w.endObject()
        return WireMessage(
            topic: topics.lifecycle, key: Array(event.instanceId.utf8), value: w.bytes,
            headers: CloudEventCodec.structuredHeaders(id: event.id, source: source, type: event.type.rawValue, subject: event.instanceId, time: time)
        )
    }
}
