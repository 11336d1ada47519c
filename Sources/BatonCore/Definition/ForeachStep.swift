import BatonExpressions

/// A `foreach` (map) step: the same sequence of steps for every item of an array from the state.
///
/// Each item runs as its own execution (`<stepId>[<index>]`) that sees `$.item` and `$.index`.
/// At most `maxConcurrency` items run at once; the next starts as one ends, in index order. The
/// step's output is every item's output in item order (`null` for a failed item). More failed
/// items than `toleratedFailures` fail the step (the running items are cancelled).
public struct ForeachStep: Sendable, Hashable {
    public static let defaultMaxConcurrency = 10
    public static let maxConcurrencyLimit = 1000

    /// Renders the array to iterate.
    public var items: JSONTemplate
    /// The item sequence's first step.
    public var startAt: String
    public var maxConcurrency: Int
    public var toleratedFailures: Tolerance

    public init(items: JSONTemplate, startAt: String, maxConcurrency: Int = defaultMaxConcurrency, toleratedFailures: Tolerance = .count(0)) {
        self.items = items
        self.startAt = startAt
        self.maxConcurrency = maxConcurrency
        self.toleratedFailures = toleratedFailures
    }

    public enum Tolerance: Sendable, Hashable {
        case count(Int)
        /// A share of the items, 0–100.
        case percent(Double)

        /// Failed items allowed out of `total`.
        public func allowed(of total: Int) -> Int {
            switch self {
            case .count(let n): n
            case .percent(let p): Int((p * Double(total) / 100).rounded(.down))
            }
        }
    }
}
