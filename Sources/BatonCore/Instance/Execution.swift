import BatonExpressions

/// One path of control inside an instance: the root, a parallel branch, a foreach item.
///
/// Step state, failure handling and the "last step" that supplies a default output all belong to
/// an execution, not to the instance, so several paths can run the same definition steps at once
/// without overwriting each other. Ids are paths that say where the execution sits:
/// `root`, `charge/card` (branch `card` of step `charge`), `fanout[17]` (item 17 of step
/// `fanout`), `charge/card/fanout[3]` (nested).
public struct Execution: Sendable, Hashable {
    /// The id of every instance's first execution.
    public static let rootId = "root"

    public var id: String
    /// The execution that owns this one (nil for the root).
    public var parentId: String?
    /// The step of the parent that started it (the `parallel` or `foreach` step; nil for the root).
    public var parentStepId: String?
    public var status: ExecutionStatus
    /// Latest state of each step this execution ran, by step id.
    public var steps: [String: StepState]
    /// The step that ran last (the default source of the execution's output).
    public var lastStepId: String?
    /// The failure the definition's `onFailure` path is handling (root only): the instance ends
    /// FAILED with it unless that path ends in a `succeed` step.
    public var handlingFailure: ErrorInfo?
    /// What the execution ended with: its last step's output, or a `succeed` step's.
    public var output: JSONValue?
    public var error: ErrorInfo?
    /// Values only this execution sees: `item` and `index` for a foreach item.
    public var scope: [String: JSONValue]
    /// The `foreach` steps of this execution that have run, by step id.
    public var foreach: [String: ForeachState] = [:]
    public var startedAt: Timestamp
    public var completedAt: Timestamp?

    public init(
        id: String, parentId: String? = nil, parentStepId: String? = nil, status: ExecutionStatus = .running,
        steps: [String: StepState] = [:], lastStepId: String? = nil, handlingFailure: ErrorInfo? = nil, output: JSONValue? = nil,
        error: ErrorInfo? = nil, scope: [String: JSONValue] = [:], startedAt: Timestamp, completedAt: Timestamp? = nil
    ) {
        self.id = id
        self.parentId = parentId
        self.parentStepId = parentStepId
        self.status = status
        self.steps = steps
        self.lastStepId = lastStepId
        self.handlingFailure = handlingFailure
        self.output = output
        self.error = error
        self.scope = scope
        self.startedAt = startedAt
        self.completedAt = completedAt
    }

    public var isRoot: Bool { parentId == nil }

    /// The id of branch `name` of step `stepId` run by execution `parent`.
    public static func branchId(parent: String, stepId: String, branch: String) -> String {
        prefix(parent) + "\(stepId)/\(branch)"
    }

    /// The id of item `index` of foreach step `stepId` run by execution `parent`.
    public static func itemId(parent: String, stepId: String, index: Int) -> String {
        prefix(parent) + "\(stepId)[\(index)]"
    }

    private static func prefix(_ parent: String) -> String { parent == rootId ? "" : parent + "/" }

    /// A step of an execution, as one string (timer ids): the step id alone in the root, so the
    /// ids of documents written before executions existed stay valid.
    public static func scopedStep(_ executionId: String, _ stepId: String) -> String {
        executionId == rootId ? stepId : "\(executionId)/\(stepId)"
    }
}

/// Where an execution is. The root's status follows the instance's.
public enum ExecutionStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case running = "RUNNING"
    case completed = "COMPLETED"
    case failed = "FAILED"
    /// Abandoned: the instance ended, or a sibling won a `parallel` with `join: any`.
    case cancelled = "CANCELLED"

    public var isTerminal: Bool { self != .running }
}
