import BatonCore
import BatonStore
import Synchronization

/// What this process knows of the circuit breakers (refreshed by `CircuitBreakerService` from the
/// store), and the outcomes it saw since its last report.
public final class BreakerBoard: Sendable {
    private struct State {
        var records: [String: BreakerRecord] = [:]
        var tallies: [String: BreakerTally] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether dispatches of `taskType` are held now (its breaker is open or half-open).
    func holds(_ taskType: String) -> Bool {
        state.withLock { $0.records[taskType].map { $0.state != .closed } ?? false }
    }

    /// Every breaker, by task type, as last read.
    public var records: [BreakerRecord] { state.withLock { $0.records.values.sorted { $0.taskType < $1.taskType } } }

    func replace(with records: [BreakerRecord]) {
        state.withLock { s in s.records = Dictionary(records.map { ($0.taskType, $0) }, uniquingKeysWith: { $1 }) }
    }

    /// Adds committed outcomes (called after the commit, so a batch decided again counts once).
    func add(_ tallies: [String: BreakerTally]) {
        guard !tallies.isEmpty else { return }
        state.withLock { s in
            for (type, tally) in tallies {
                s.tallies[type, default: BreakerTally()].failures += tally.failures
                s.tallies[type, default: BreakerTally()].successes += tally.successes
            }
        }
    }

    /// The outcomes since the last call, for the next report.
    func takeTallies() -> [String: BreakerTally] {
        state.withLock { s in
            defer { s.tallies = [:] }
            return s.tallies
        }
    }

    /// Puts back outcomes a failed report did not deliver.
    func restore(_ tallies: [String: BreakerTally]) { add(tallies) }
}
