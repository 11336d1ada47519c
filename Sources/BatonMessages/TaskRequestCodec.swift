import BatonCore
import BatonExpressions

/// Task requests on `<prefix>tasks.<taskType>` (schema: `schemas/task-request.schema.json`).
public enum TaskRequestCodec {
    public static let schemaVersion = "1"

    /// Written field by field (one per task step, on the hot path), not through a `JSONValue`
    /// dictionary; `TaskRequestContractTests` check the document against the schema and its fields.
    public static func encode(_ task: TaskDispatch, topics: TopicNames) -> WireMessage {
        var w = JSONStreamWriter(capacity: 384)
        w.beginObject()
        w.member("taskId", string: task.taskId)
        w.member("instanceId", string: task.instanceId)
        w.member("workflowId", string: task.workflowId)
        w.member("workflowVersion", number: task.workflowVersion)
        w.member("stepId", string: task.stepId)
        w.member("executionId", string: task.executionId)
        w.member("taskType", string: task.taskType)
        w.member("attempt", number: task.attempt)
        w.member("input", value: task.input)
        w.member("scheduledAt", string: task.scheduledAt.iso8601)
        if let deadline = task.deadline { w.member("deadline", string: deadline.iso8601) }
        w.endObject()
        return WireMessage(
            topic: topics.tasks(task.taskType), key: Array(task.instanceId.utf8), value: w.bytes,
            headers: [WireHeader("baton-task-id", task.taskId), WireHeader("baton-schema-version", schemaVersion)]
        )
    }

    /// Decodes a task request (used by workers written in Swift, the example worker and tests).
    public static func decode(_ bytes: [UInt8], maxBytes: Int = 1 << 20) throws(MessageError) -> TaskDispatch {
        let json = try parseJSONValue(bytes, maxBytes: maxBytes)
        let r = try FieldReader(json, what: "a task request")
        let scheduled = try r.string("scheduledAt")
        guard let scheduledAt = Timestamp(iso8601: scheduled) else {
            throw MessageError(.schemaViolation, "field 'scheduledAt' must be an RFC 3339 date-time", pointer: "/scheduledAt")
        }
        var deadline: Timestamp?
        if let text = try r.optionalString("deadline") {
            guard let parsed = Timestamp(iso8601: text) else {
                throw MessageError(.schemaViolation, "field 'deadline' must be an RFC 3339 date-time", pointer: "/deadline")
            }
            deadline = parsed
        }
        return TaskDispatch(
            taskId: try r.string("taskId"), instanceId: try r.string("instanceId"), workflowId: try r.string("workflowId"),
            workflowVersion: try r.integer("workflowVersion", minimum: 1), stepId: try r.string("stepId"),
            executionId: try r.optionalString("executionId") ?? Execution.rootId, taskType: try r.string("taskType"), attempt: try r.integer("attempt", minimum: 1), input: json["input"] ?? .null,
            scheduledAt: scheduledAt, deadline: deadline
        )
    }
}
