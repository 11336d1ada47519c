import BatonExpressions

/// A point in time an instance waits for: the next attempt of a step, a task's deadline, the
/// workflow's deadline.
///
/// Timers live in the instance (so the engine stays pure: firing one is just another input) and
/// are mirrored by the store into an index on `fireAt`, written in the same transaction as the
/// state that created them; the timer service reads only due rows from that index.
public struct InstanceTimer: Sendable, Hashable {
    /// Unique within the instance; derived from what it is for, so it is stable across replays.
    public var id: String
    public var fireAt: Timestamp
    public var kind: Kind

    public enum Kind: Sendable, Hashable {
        /// Start attempt `attempt` of task step `stepId`.
        case retry(stepId: String, attempt: Int)
        /// Task `taskId` ran past its start-to-close `timeout`.
        case taskTimeout(taskId: String)
        /// Task `taskId` sent no heartbeat within `heartbeatTimeout`.
        case heartbeatTimeout(taskId: String)
        /// Task `taskId` was not picked up (no heartbeat or result) within `scheduleToStartTimeout`.
        case startTimeout(taskId: String)
        /// A `wait` step's time has come (`execution` tells repeated runs of the step apart).
        case wait(stepId: String, execution: Int)
        /// The instance has run out of time.
        case workflowTimeout
    }

    public init(id: String, fireAt: Timestamp, kind: Kind) {
        self.id = id
        self.fireAt = fireAt
        self.kind = kind
    }

    public static func retry(stepId: String, attempt: Int, at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "retry:\(stepId):\(attempt)", fireAt: at, kind: .retry(stepId: stepId, attempt: attempt))
    }

    public static func taskTimeout(taskId: String, at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "timeout:\(taskId)", fireAt: at, kind: .taskTimeout(taskId: taskId))
    }

    public static func heartbeatTimeout(taskId: String, at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "heartbeat:\(taskId)", fireAt: at, kind: .heartbeatTimeout(taskId: taskId))
    }

    public static func startTimeout(taskId: String, at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "start:\(taskId)", fireAt: at, kind: .startTimeout(taskId: taskId))
    }

    /// Ids of every deadline timer a task can have.
    public static func taskTimerIds(_ taskId: String) -> [String] {
        ["timeout:\(taskId)", "heartbeat:\(taskId)", "start:\(taskId)"]
    }

    public static func wait(stepId: String, execution: Int, at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "wait:\(stepId):\(execution)", fireAt: at, kind: .wait(stepId: stepId, execution: execution))
    }

    public static func workflowTimeout(at: Timestamp) -> InstanceTimer {
        InstanceTimer(id: "workflow-timeout", fireAt: at, kind: .workflowTimeout)
    }
}

extension InstanceTimer {
    public var json: JSONValue {
        var o: [String: JSONValue] = ["id": .string(id), "fireAt": .string(fireAt.iso8601)]
        switch kind {
        case .retry(let stepId, let attempt):
            o["kind"] = "retry"
            o["stepId"] = .string(stepId)
            o["attempt"] = .number(Double(attempt))
        case .taskTimeout(let taskId):
            o["kind"] = "taskTimeout"
            o["taskId"] = .string(taskId)
        case .heartbeatTimeout(let taskId):
            o["kind"] = "heartbeatTimeout"
            o["taskId"] = .string(taskId)
        case .startTimeout(let taskId):
            o["kind"] = "startTimeout"
            o["taskId"] = .string(taskId)
        case .wait(let stepId, let execution):
            o["kind"] = "wait"
            o["stepId"] = .string(stepId)
            o["execution"] = .number(Double(execution))
        case .workflowTimeout:
            o["kind"] = "workflowTimeout"
        }
        return .object(o)
    }

    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let fireAt = json["fireAt"]?.stringValue.flatMap(Timestamp.init(iso8601:)) else { return nil }
        switch json["kind"]?.stringValue {
        case "retry":
            guard let stepId = json["stepId"]?.stringValue, let attempt = json["attempt"]?.intValue else { return nil }
            self.init(id: id, fireAt: fireAt, kind: .retry(stepId: stepId, attempt: attempt))
        case "taskTimeout":
            guard let taskId = json["taskId"]?.stringValue else { return nil }
            self.init(id: id, fireAt: fireAt, kind: .taskTimeout(taskId: taskId))
        case "heartbeatTimeout":
            guard let taskId = json["taskId"]?.stringValue else { return nil }
            self.init(id: id, fireAt: fireAt, kind: .heartbeatTimeout(taskId: taskId))
        case "startTimeout":
            guard let taskId = json["taskId"]?.stringValue else { return nil }
            self.init(id: id, fireAt: fireAt, kind: .startTimeout(taskId: taskId))
        case "wait":
            guard let stepId = json["stepId"]?.stringValue, let execution = json["execution"]?.intValue else { return nil }
            self.init(id: id, fireAt: fireAt, kind: .wait(stepId: stepId, execution: execution))
        case "workflowTimeout":
            self.init(id: id, fireAt: fireAt, kind: .workflowTimeout)
        default:
            return nil
        }
    }
}
