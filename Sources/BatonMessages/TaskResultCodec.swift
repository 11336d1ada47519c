import BatonCore
import BatonExpressions

/// Task results on `<prefix>task-results` (schema: `schemas/task-result.schema.json`).
public enum TaskResultCodec {
    /// Decodes and validates a result; every violation names the field.
    public static func decode(_ bytes: [UInt8], maxBytes: Int = 1 << 20) throws(MessageError) -> TaskResult {
        let json = try parseJSONValue(bytes, maxBytes: maxBytes)
        return try decode(json)
    }

    public static func decode(_ json: JSONValue) throws(MessageError) -> TaskResult {
        let r = try FieldReader(json, what: "a task result")
        let statusText = try r.string("status")
        guard let status = TaskResult.Status(rawValue: statusText) else {
            throw MessageError(.schemaViolation, "field 'status' must be one of completed, failed, heartbeat; found \"\(statusText.prefix(40))\"", pointer: "/status")
        }
        var error: ErrorInfo?
        if let errorValue = json["error"], !errorValue.isNull {
            let e = try FieldReader(errorValue, pointer: "/error", what: "'error'")
            error = ErrorInfo(
                code: try e.string("code"), message: try e.optionalString("message") ?? "",
                // A worker that does not say is assumed to have hit a transient failure (as in
                // Temporal and Conductor); Baton's own errors say explicitly.
                retryable: try e.optionalBool("retryable") ?? true,
                details: errorValue["details"].flatMap { $0.isNull ? nil : $0 }
            )
        } else if status == .failed {
            throw MessageError(.schemaViolation, "a failed result needs an 'error' object with at least 'code'", pointer: "/error")
        }
        return TaskResult(
            taskId: try r.string("taskId"), instanceId: try r.string("instanceId"), stepId: try r.string("stepId"),
            executionId: try r.optionalString("executionId"), attempt: try r.integer("attempt", minimum: 1), status: status, output: json["output"], error: error,
            workerId: try r.optionalString("workerId")
        )
    }

    /// Encodes a result (for workers written in Swift, the example worker and tests).
    public static func encode(_ result: TaskResult, topics: TopicNames) -> WireMessage {
        var o: [String: JSONValue] = [
            "taskId": .string(result.taskId), "instanceId": .string(result.instanceId), "stepId": .string(result.stepId),
            "attempt": .number(Double(result.attempt)), "status": .string(result.status.rawValue),
        ]
        if let executionId = result.executionId { o["executionId"] = .string(executionId) }
        if let output = result.output { o["output"] = output }
        if let error = result.error {
            var e: [String: JSONValue] = ["code": .string(error.code), "message": .string(error.message), "retryable": .bool(error.retryable)]
            if let details = error.details { e["details"] = details }
            o["error"] = .object(e)
        }
        if let workerId = result.workerId { o["workerId"] = .string(workerId) }
        return WireMessage(topic: topics.taskResults, key: Array(result.instanceId.utf8), value: JSONValue.object(o).serializedBytes(sortedKeys: false))
    }
}
