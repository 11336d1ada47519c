import BatonExpressions

/// An input that arrived while the instance was paused: recorded in history at once, acted on
/// when the instance resumes, in arrival order.
public enum DeferredInput: Sendable, Hashable {
    case result(TaskResult)
    case timer(InstanceTimer)

    /// The task it concerns, if any (a second result for it is a duplicate).
    public var taskId: String? {
        switch self {
        case .result(let result): result.taskId
        case .timer(let timer):
            switch timer.kind {
            case .taskTimeout(let id), .heartbeatTimeout(let id), .startTimeout(let id): id
            default: nil
            }
        }
    }

    public var json: JSONValue {
        switch self {
        case .result(let r):
            var o: [String: JSONValue] = [
                "input": "result", "taskId": .string(r.taskId), "instanceId": .string(r.instanceId), "stepId": .string(r.stepId),
                "attempt": .number(Double(r.attempt)), "status": .string(r.status.rawValue),
            ]
            if let output = r.output { o["output"] = output }
            if let error = r.error { o["error"] = error.json }
            if let workerId = r.workerId { o["workerId"] = .string(workerId) }
            return .object(o)
        case .timer(let timer):
            return ["input": "timer", "timer": timer.json]
        }
    }

    public init?(json: JSONValue) {
        switch json["input"]?.stringValue {
        case "result":
            guard let taskId = json["taskId"]?.stringValue, let instanceId = json["instanceId"]?.stringValue,
                let stepId = json["stepId"]?.stringValue, let attempt = json["attempt"]?.intValue,
                let status = json["status"]?.stringValue.flatMap(TaskResult.Status.init(rawValue:))
            else { return nil }
            self = .result(TaskResult(
                taskId: taskId, instanceId: instanceId, stepId: stepId, attempt: attempt, status: status, output: json["output"],
                error: json["error"].flatMap(ErrorInfo.init(json:)), workerId: json["workerId"]?.stringValue
            ))
        case "timer":
            guard let timer = json["timer"].flatMap(InstanceTimer.init(json:)) else { return nil }
            self = .timer(timer)
        default:
            return nil
        }
    }
}
