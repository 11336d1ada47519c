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

    public static func encode(_ event: LifecycleEvent, topics: TopicNames, source: String = defaultSource) -> WireMessage {
        CloudEventCodec.encodeStructured(cloudEvent(event, source: source), topic: topics.lifecycle, key: Array(event.instanceId.utf8))
    }
}
