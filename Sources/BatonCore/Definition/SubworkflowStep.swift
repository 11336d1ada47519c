import BatonExpressions

/// A step that runs another workflow definition as a child instance and waits for its outcome.
///
/// The child is a whole instance of its own (its own id, history, API view and lifecycle events),
/// linked to the parent both ways, so an operator can follow a hand-off from either side. Its
/// failure (including being cancelled or timing out) is the step's failure, which the step's
/// `retry`, `catch`, `fallback` and `continueOnFailure` handle like a task's.
public struct SubworkflowStep: Sendable, Hashable {
    /// The definition the child runs.
    public var workflowId: String
    /// The version the child runs; nil: the latest when the step starts.
    public var version: Int?
    /// The child's input. Without one, the child receives the parent's input.
    public var input: JSONTemplate?
    /// How long the step waits for the child: past it the child is cancelled and the attempt fails
    /// with `TIMEOUT` (retryable).
    public var timeoutMilliseconds: Int64?

    public init(workflowId: String, version: Int? = nil, input: JSONTemplate? = nil, timeoutMilliseconds: Int64? = nil) {
        self.workflowId = workflowId
        self.version = version
        self.input = input
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}
