import BatonExpressions

/// A step that waits until something outside the instance happens: a CloudEvent on the trigger
/// topic whose correlation key matches, or a signal sent to the instance by name.
///
/// Correlation is by value, not by scan: the step computes `correlation` from the state when it
/// starts waiting, each arriving event of type `event` gets a key from `eventKey`, and the two
/// meet in an index (`event_waits`). Events that arrive before the instance waits are kept for
/// the service's event window and matched when it does.
public struct WaitForEventStep: Sendable, Hashable {
    /// The CloudEvent `type` on the trigger topic, and the name a signal must have.
    public var event: String
    /// Computed from the state when the step starts (e.g. `${ $.input.orderId }`). Without it only
    /// signals (addressed to the instance) complete the step.
    public var correlation: JSONTemplate?
    /// Computed from the arriving CloudEvent (its structured JSON form); default `${ $.subject }`.
    public var eventKey: JSONTemplate
    /// A variable that receives the event's data as well (`$.vars.<into>`); the step's output
    /// always holds it.
    public var into: String?
    /// How long to wait; past it the step goes to `onTimeout`, or fails with `TIMEOUT`.
    public var timeoutMilliseconds: Int64?
    public var onTimeout: String?

    public static let defaultEventKey = "${ $.subject }"

    public init(event: String, correlation: JSONTemplate? = nil, eventKey: JSONTemplate, into: String? = nil, timeoutMilliseconds: Int64? = nil, onTimeout: String? = nil) {
        self.event = event
        self.correlation = correlation
        self.eventKey = eventKey
        self.into = into
        self.timeoutMilliseconds = timeoutMilliseconds
        self.onTimeout = onTimeout
    }

    /// A correlation key is a non-empty string, or a number or boolean as written in JSON; nil
    /// for anything else (null, objects, arrays: no key).
    public static func correlationKey(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s) where !s.isEmpty && s.utf8.count <= 255: s
        case .number, .bool: value.serialized()
        default: nil
        }
    }

    /// The text of `eventKey`, as the index stores it (one key per distinct expression).
    public var eventKeySource: String { eventKey.source.stringValue ?? eventKey.source.serialized() }
}
