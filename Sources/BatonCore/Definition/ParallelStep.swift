/// A `parallel` step: named branches, each a sequence of steps run as its own execution.
///
/// Branches run concurrently (their tasks are dispatched together) and the step joins them:
/// `all` waits for every branch, `any` takes the first to finish, `n` the first n. Branches still
/// running when the join is met are cancelled (their tasks get a cancellation). A branch that
/// fails, and does not catch its failure itself, fails the step, whose own retry, catch and
/// fallback then apply; the other branches are cancelled.
public struct ParallelStep: Sendable, Hashable {
    public var branches: [Branch]
    public var join: Join

    public init(branches: [Branch], join: Join = .all) {
        self.branches = branches
        self.join = join
    }

    public struct Branch: Sendable, Hashable {
        /// Unique within the step; names the branch's output (`{name: output}`) and execution.
        public var name: String
        /// The branch's first step.
        public var startAt: String

        public init(name: String, startAt: String) {
            self.name = name
            self.startAt = startAt
        }
    }

    public enum Join: Sendable, Hashable {
        case all
        case any
        /// The first `n` branches to complete (1 ≤ n ≤ the number of branches).
        case count(Int)

        /// How many completed branches meet the join, out of `branches`.
        public func needed(of branches: Int) -> Int {
            switch self {
            case .all: branches
            case .any: 1
            case .count(let n): n
            }
        }
    }
}
