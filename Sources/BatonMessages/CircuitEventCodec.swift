import BatonCore
import BatonExpressions

/// A task type's circuit breaker opened or closed: announced on `<prefix>lifecycle` beside the
/// instances' events (schema: `schemas/lifecycle-event.schema.json`, types `tasktype.*`), so the
/// analytics consumers that watch steps fail see why their steps then wait.
public struct CircuitEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case opened = "tasktype.circuit_opened"
        case closed = "tasktype.circuit_closed"
    }

    public var kind: Kind
    public var taskType: String
    /// The breaker's state after the change (`OPEN`, `CLOSED`).
    public var state: String
    /// Failures in the window when it opened.
    public var failures: Int
    public var windowMilliseconds: Int64
    public var coolDownMilliseconds: Int64
    public var time: Timestamp

    public init(kind: Kind, taskType: String, state: String, failures: Int, windowMilliseconds: Int64, coolDownMilliseconds: Int64, time: Timestamp) {
        self.kind = kind
        self.taskType = taskType
        self.state = state
        self.failures = failures
        self.windowMilliseconds = windowMilliseconds
        self.coolDownMilliseconds = coolDownMilliseconds
        self.time = time
    }

    /// Fixed by the change (type, kind, time), so a re-published record carries the same id.
    public var id: String { "tasktype.\(taskType).\(kind == .opened ? "opened" : "closed").\(time.milliseconds)" }
}

public enum CircuitEventCodec {
    public static func cloudEvent(_ event: CircuitEvent, source: String = LifecycleCodec.defaultSource) -> CloudEvent {
        CloudEvent(
            id: event.id, source: source, type: event.kind.rawValue, subject: event.taskType, time: event.time.iso8601,
            datacontenttype: "application/json", dataschema: LifecycleCodec.dataSchema,
            data: [
                "taskType": .string(event.taskType), "state": .string(event.state), "failures": .number(Double(event.failures)),
                "windowMs": .number(Double(event.windowMilliseconds)), "coolDownMs": .number(Double(event.coolDownMilliseconds)),
            ]
        )
    }

    /// Keyed by the task type, so a type's changes stay in order on one partition.
    public static func encode(_ event: CircuitEvent, topics: TopicNames, source: String = LifecycleCodec.defaultSource) -> WireMessage {
        CloudEventCodec.encodeStructured(cloudEvent(event, source: source), topic: topics.lifecycle, key: Array("tasktype:\(event.taskType)".utf8))
    }
}
