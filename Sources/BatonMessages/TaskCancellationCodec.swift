import BatonCore
import BatonExpressions

/// Task cancellations on `<prefix>task-cancellations` (schema: `schemas/task-cancellation.schema.json`).
///
/// Keyed by instance id like every message about an instance, so an executor sees an instance's
/// requests and cancellations in order on each partition it reads.
public enum TaskCancellationCodec {
    public static let schemaVersion = "1"

    public static func encode(_ cancellation: TaskCancellation, topics: TopicNames) -> WireMessage {
        let o: [String: JSONValue] = [
            "taskId": .string(cancellation.taskId),
            "instanceId": .string(cancellation.instanceId),
            "workflowId": .string(cancellation.workflowId),
            "stepId": .string(cancellation.stepId),
            "executionId": .string(cancellation.executionId),
            "taskType": .string(cancellation.taskType),
            "attempt": .number(Double(cancellation.attempt)),
            "reason": .string(cancellation.reason),
            "cancelledAt": .string(cancellation.cancelledAt.iso8601),
        ]
        return WireMessage(
            topic: topics.taskCancellations, key: Array(cancellation.instanceId.utf8), value: JSONValue.object(o).serializedBytes(sortedKeys: false),
            headers: [WireHeader("baton-task-id", cancellation.taskId), WireHeader("baton-schema-version", schemaVersion)]
        )
    }
}
