import BatonExpressions

/// A child instance a `subworkflow` step asks the runtime to create, in the same transaction as
/// the step that asked for it.
///
/// The engine cannot create it itself (it decides one instance at a time), and the runtime cannot
/// choose its id freely (a replay must create the same child): the id is the parent's id and the
/// parent's next task sequence number, like a task id.
public struct ChildStart: Sendable, Hashable {
    public var childId: String
    public var workflowId: String
    /// nil: the latest version.
    public var version: Int?
    public var input: JSONValue
    public var parent: ParentLink

    public init(childId: String, workflowId: String, version: Int?, input: JSONValue, parent: ParentLink) {
        self.childId = childId
        self.workflowId = workflowId
        self.version = version
        self.input = input
        self.parent = parent
    }
}

/// A child instance its parent no longer waits for (the parent was cancelled, timed out, failed,
/// rerun, or the child's branch lost a join): the runtime cancels it, and it does not report back.
public struct ChildCancellation: Sendable, Hashable {
    public var childId: String
    public var parentId: String
    public var reason: String

    public init(childId: String, parentId: String, reason: String) {
        self.childId = childId
        self.parentId = parentId
        self.reason = reason
    }
}

/// How a child instance ended, as its parent receives it.
public struct ChildOutcome: Sendable, Hashable {
    public var childId: String
    public var childWorkflowId: String
    public var parent: ParentLink
    /// COMPLETED, FAILED, CANCELLED or TIMED_OUT.
    public var status: InstanceStatus
    public var output: JSONValue?
    public var error: ErrorInfo?

    public init(childId: String, childWorkflowId: String, parent: ParentLink, status: InstanceStatus, output: JSONValue? = nil, error: ErrorInfo? = nil) {
        self.childId = childId
        self.childWorkflowId = childWorkflowId
        self.parent = parent
        self.status = status
        self.output = output
        self.error = error
    }
}
