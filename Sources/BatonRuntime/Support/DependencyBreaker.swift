import Synchronization

/// Trips after repeated failures of a dependency (the store, the Kafka producer), so the process
/// degrades instead of hammering it: readiness goes false (load balancers and operators see why),
/// the intake pauses, and API writes are answered 503 at once instead of each waiting for the
/// dependency's own timeout. Reads are not affected.
///
/// CLOSED counts consecutive failures; at `Policy.failures` it opens. After `Policy.coolDown` one
/// caller is let through as the probe (half-open) while the others are still refused; the
/// dependency's own retry loops (the consumer, the relay) report their outcomes too, so it also
/// closes when the first retry that works does. A success closes it; a failure opens it again.
/// The state is this process's: it judges its own connection to the dependency.
public final class DependencyBreaker: Sendable {
    public struct Policy: Sendable, Hashable {
        public var failures: Int
        public var coolDown: Duration

        public init(failures: Int = 3, coolDown: Duration = .seconds(5)) {
            self.failures = max(1, failures)
            self.coolDown = coolDown
        }
    }

    struct State {
        var consecutiveFailures = 0
        var openedAt: ContinuousClock.Instant?
        var lastError = ""
        var probing = false
    }

    /// The component name readiness reports (`store`, `producer`).
    public let name: String
    let policy: Policy
    let readiness: Readiness?
    let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    public init(name: String, policy: Policy = Policy(), readiness: Readiness? = nil, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.name = name
        self.policy = policy
        self.readiness = readiness
        self.now = now
    }

    /// Whether it is open (or half-open) now.
    public var isOpen: Bool { state.withLock { $0.openedAt != nil } }

    /// Readiness component this breaker writes.
    var component: String { "\(name) circuit" }

    public func succeeded() {
        let wasOpen = state.withLock { s -> Bool in
            defer { s = State() }
            return s.openedAt != nil
        }
        if wasOpen { readiness?.set(component, notReadyBecause: nil) }
    }

    public func failed(_ error: String) {
        let reason = state.withLock { s -> String? in
            s.lastError = error
            s.probing = false
            if s.openedAt != nil {
                s.openedAt = now()
                return nil
            }
            s.consecutiveFailures += 1
            guard s.consecutiveFailures >= policy.failures else { return nil }
            s.openedAt = now()
            return "open after \(s.consecutiveFailures) failures in a row (last: \(error))"
        }
        if let reason { readiness?.set(component, notReadyBecause: reason) }
    }

    /// Why a write must not be tried now, or nil when it may go (closed; or half-open and no
    /// probe is out, in which case this caller is the probe).
    public func refusal() -> String? {
        state.withLock { s in
            guard let openedAt = s.openedAt else { return nil }
            let waited = now() - openedAt
            if waited >= policy.coolDown && !s.probing {
                s.probing = true
                return nil
            }
            let left = max(.zero, policy.coolDown - waited)
            let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
            return "the \(name) failed \(max(s.consecutiveFailures, policy.failures)) times in a row (last: \(s.lastError)); its circuit is open and writes are refused for \(milliseconds) ms more before one is tried again"
        }
    }
}
