import Synchronization

/// What keeps this process from being ready, by component, for `/readyz`.
///
/// The parts that know (the input consumer: partition assignment, the store's health) write it;
/// the API service reads it. Made by the composition root and handed to both, so neither reaches
/// the other.
public final class Readiness: Sendable {
    private let reasons = Mutex<[String: String]>([:])

    public init() {}

    /// Marks `component` not ready (`reason`) or ready again (`nil`).
    public func set(_ component: String, notReadyBecause reason: String?) {
        reasons.withLock { $0[component] = reason }
    }

    /// Nil when every component is ready; otherwise each reason, by component name.
    public var notReadyReason: String? {
        reasons.withLock { state in
            state.isEmpty ? nil : state.keys.sorted().map { "\($0): \(state[$0]!)" }.joined(separator: "; ")
        }
    }
}
