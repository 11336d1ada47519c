import BatonExpressions

/// A `waitForEvent` step waiting, as the instance holds it. Like timers, waits live in the
/// instance (the engine stays pure) and the store mirrors them into an index on
/// `(event, eventKeySource, correlationKey)`, written in the same transaction.
public struct EventWait: Sendable, Hashable {
    /// `event:<step>:<n>` (the step's n-th run), unique within the instance.
    public var id: String
    public var event: String
    /// The step's `eventKey` text, when events (not only signals) can complete the wait.
    public var eventKeySource: String?
    public var correlationKey: String?
    public var executionId: String
    public var stepId: String
    /// Which run of the step (loops run it again under a new wait id).
    public var execution: Int

    public init(id: String, event: String, eventKeySource: String?, correlationKey: String?, executionId: String, stepId: String, execution: Int) {
        self.id = id
        self.event = event
        self.eventKeySource = eventKeySource
        self.correlationKey = correlationKey
        self.executionId = executionId
        self.stepId = stepId
        self.execution = execution
    }

    public static func id(executionId: String, stepId: String, execution: Int) -> String {
        "event:\(Execution.scopedStep(executionId, stepId)):\(execution)"
    }
}

/// A signal sent to the instance before any of its steps waited for it: kept for the engine's
/// event window, then dropped.
public struct BufferedSignal: Sendable, Hashable {
    public var name: String
    public var data: JSONValue
    public var receivedAt: Timestamp
    public var by: String

    public init(name: String, data: JSONValue, receivedAt: Timestamp, by: String) {
        self.name = name
        self.data = data
        self.receivedAt = receivedAt
        self.by = by
    }
}

/// An event or signal for a waiting step.
public struct EventDelivery: Sendable, Hashable {
    /// The wait it is for (events, matched through the index); nil for a signal, which goes to
    /// the first step of the instance waiting for `name`.
    public var waitId: String?
    /// The CloudEvent type or the signal name.
    public var name: String
    public var data: JSONValue
    /// `event:<source>/<id>` or `signal:<by>`, for the history.
    public var origin: String

    public init(waitId: String?, name: String, data: JSONValue, origin: String) {
        self.waitId = waitId
        self.name = name
        self.data = data
        self.origin = origin
    }
}
