import BatonCore
import BatonStore
import Logging
import ServiceLifecycle

/// Releases held task requests into the outbox, oldest first, and hands them to the relay: at
/// each task type's rate (`OrchestratorConfiguration.taskRates`), and all at once for a type whose
/// circuit breaker closed again (its own probe is sent by `CircuitBreakerService`).
///
/// The token buckets are in the store (`WorkflowStore.releaseHeld`), so every process may run
/// this and the rate still holds for all of them together. It looks every `interval` (and when a
/// commit held something), so a released request waits at most about that long for its token.
public final class DispatchRateLimiter: Service {
    let orchestrator: Orchestrator
    let interval: Duration
    let logger: Logger

    public init(orchestrator: Orchestrator, interval: Duration = .milliseconds(50), logger: Logger) {
        self.orchestrator = orchestrator
        self.interval = interval
        self.logger = logger
    }

    /// The rate of a type held only by its breaker: as fast as batches of 500 go.
    static let unlimited = 1_000_000.0

    public func run() async throws {
        let rates = orchestrator.configuration.taskRates
        // Without rates or breakers nothing new is held, but rows held under an earlier
        // configuration (a rate or breaker since removed) must still go: look once a second.
        let idle = rates.isEmpty && !orchestrator.configuration.breakers.isEnabled
        let wake = orchestrator.commits.heldDispatches
        var backoff = Backoff()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let held = try await orchestrator.store.heldCounts()
                for (gate, count) in held.sorted(by: { $0.key < $1.key }) where count > 0 && !orchestrator.breakers.holds(gate) {
                    let rate = rates[gate] ?? Self.unlimited
                    let rows = try await orchestrator.store.releaseHeld(ReleaseRequest(gate: gate, ratePerSecond: rate, now: orchestrator.now))
                    orchestrator.commits.handOver(rows)
                }
                backoff.succeeded()
                await wake.wait(timeout: idle ? .seconds(1) : interval)
                // Commits that hold requests signal often; one look per 10 ms is enough.
                try? await Task.sleep(for: .milliseconds(10))
            } catch {
                logger.warning("held task requests could not be released; retrying", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                await backoff.pause()
            }
        }
    }
}
