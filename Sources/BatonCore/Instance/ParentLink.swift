/// Where a child instance (started by a `subworkflow` step) reports its outcome.
public struct ParentLink: Sendable, Hashable {
    public var instanceId: String
    /// The parent's execution and step that wait for the child.
    public var executionId: String
    public var stepId: String
    /// 1 for a child of a top-level instance, 2 for a grandchild, …: bounded by the engine's
    /// `maxSubworkflowDepth`, so a definition that starts itself cannot recurse for ever.
    public var depth: Int

    public init(instanceId: String, executionId: String, stepId: String, depth: Int) {
        self.instanceId = instanceId
        self.executionId = executionId
        self.stepId = stepId
        self.depth = depth
    }
}
