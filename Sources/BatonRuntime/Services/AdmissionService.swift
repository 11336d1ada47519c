import BatonStore
import Logging
import ServiceLifecycle

/// Starts QUEUED instances as slots free up under the concurrency limits.
///
/// Runs an admission pass (`Orchestrator.admitQueued`) when a commit of this process queued or
/// ended an instance, and at least every `interval` (what other processes sharing the store
/// end is learned that way). Passes are skipped while no limit exists and nothing waits, so a
/// Baton without limits pays one look at an empty index per `interval`.
public final class AdmissionService: Service {
    let orchestrator: Orchestrator
    let interval: Duration
    let maxBackoff: Duration
    let logger: Logger

    public init(orchestrator: Orchestrator, interval: Duration = .seconds(1), maxBackoff: Duration = .seconds(5), logger: Logger) {
        self.orchestrator = orchestrator
        self.interval = interval
        self.maxBackoff = maxBackoff
        self.logger = logger
    }

    public func run() async throws {
        let wake = orchestrator.commits.admission
        var backoff = Backoff(maximum: maxBackoff)
        var lastPass = ContinuousClock.now - interval
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let due = ContinuousClock.now - lastPass >= interval
            guard due || orchestrator.admissionMayAdmit else {
                await wake.wait(timeout: interval)
                continue
            }
            do {
                lastPass = ContinuousClock.now
                let result = try await orchestrator.admitQueued()
                backoff.succeeded()
                // A full pass may leave more to admit at once; otherwise wait for a change.
                if result.admitted.count < 500 { await wake.wait(timeout: interval) }
            } catch {
                logger.warning("queued instances could not be admitted; retrying", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                await backoff.pause()
            }
        }
    }
}
