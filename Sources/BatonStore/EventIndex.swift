import BatonCore
import BatonExpressions

/// A change to the event-wait index, mirrored from `WorkflowInstance.eventWaits` in the same
/// transaction as the state that set or dropped the wait (like the timer index).
public enum WaitChange: Sendable, Hashable {
    case set(instanceId: String, wait: EventWait)
    case delete(instanceId: String, waitId: String)
}

/// A wait found through the index.
public struct WaitingInstance: Sendable, Hashable {
    public var instanceId: String
    public var waitId: String

    public init(instanceId: String, waitId: String) {
        self.instanceId = instanceId
        self.waitId = waitId
    }
}

/// A CloudEvent no step waited for when it arrived, kept until `expiresAt` under the key one of
/// the definitions' `eventKey` expressions gives it, and consumed by the first wait that matches.
public struct BufferedEvent: Sendable, Hashable {
    /// The event's identity (`source` U+001F `id`): every row of one event shares it, and
    /// consuming it removes them all.
    public var ref: String
    public var event: String
    public var eventKeySource: String
    public var correlationKey: String
    public var data: JSONValue
    /// `event:<source>/<id>`, for the receiving instance's history.
    public var origin: String
    public var arrivedAt: Timestamp
    public var expiresAt: Timestamp

    public init(ref: String, event: String, eventKeySource: String, correlationKey: String, data: JSONValue, origin: String, arrivedAt: Timestamp, expiresAt: Timestamp) {
        self.ref = ref
        self.event = event
        self.eventKeySource = eventKeySource
        self.correlationKey = correlationKey
        self.data = data
        self.origin = origin
        self.arrivedAt = arrivedAt
        self.expiresAt = expiresAt
    }
}
