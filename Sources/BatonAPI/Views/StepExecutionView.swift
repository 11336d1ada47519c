import BatonCore
import BatonExpressions
import BatonStore

/// One task attempt as the API shows it (schema `StepExecution` in `schemas/openapi.yaml`).
/// Optional members are always present, null when absent.
enum StepExecutionView {
    static func render(_ execution: StepExecution) -> JSONValue {
        [
            "instanceId": .string(execution.instanceId),
            "taskId": .string(execution.taskId),
            "stepId": .string(execution.stepId),
            "attempt": .number(Double(execution.attempt)),
            "status": .string(execution.status.rawValue),
            "input": execution.input ?? .null,
            "output": execution.output ?? .null,
            "error": execution.error?.json ?? .null,
            "scheduledAt": .string(execution.scheduledAt.iso8601),
            "completedAt": InstanceView.timestamp(execution.completedAt),
        ]
    }
}
