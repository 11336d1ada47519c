import BatonCore
import BatonMessages
import BatonStore
import Logging
import ServiceLifecycle

/// Keeps the per-task-type circuit breakers: reports this process's attempt outcomes to the
/// store every `interval`, where one transaction applies them (and the passing of time) to the
/// shared breakers, sends the half-open probe and announces changes; then refreshes what the
/// orchestrator holds.
///
/// While a type's breaker is OPEN or HALF_OPEN, the orchestrator holds new requests of that type
/// (the step stays SCHEDULED, the instance RUNNING); after the cool-down one held request goes out
/// as the probe; its success closes the breaker and `DispatchRateLimiter` releases the rest.
/// Several processes share the breakers, so one process's failures open it for all.
public final class CircuitBreakerService: Service {
    let orchestrator: Orchestrator
    let interval: Duration
    let logger: Logger

    public init(orchestrator: Orchestrator, interval: Duration = .milliseconds(250), logger: Logger) {
        self.orchestrator = orchestrator
        self.interval = interval
        self.logger = logger
    }

    /// One report and refresh; returns what changed (tests drive it with a manual clock).
    @discardableResult
    public func update() async throws(StoreError) -> BreakerUpdateResult {
        let settings = orchestrator.configuration.breakers
        let topics = orchestrator.configuration.topics
        let source = orchestrator.configuration.lifecycleSource
        let board = orchestrator.breakers
        let tallies = board.takeTallies()
        let update = BreakerUpdate(tallies: tallies, policy: { settings.policy(for: $0) }, now: orchestrator.now) { record, transition in
            guard transition != .halfOpened, let policy = settings.policy(for: record.taskType) else { return nil }
            let event = CircuitEvent(
                kind: transition == .opened ? .opened : .closed, taskType: record.taskType, state: record.state.rawValue,
                failures: Int(record.failuresInWindow(at: record.changedAt, policy).rounded()),
                windowMilliseconds: policy.windowMilliseconds, coolDownMilliseconds: policy.coolDownMilliseconds, time: record.changedAt
            )
            return OutboxMessage(CircuitEventCodec.encode(event, topics: topics, source: source))
        }
        let result: BreakerUpdateResult
        do {
            result = try await orchestrator.store.updateBreakers(update)
        } catch {
            board.restore(tallies)
            throw error
        }
        // A type whose breaker was switched off since (`off`, or no default any more) holds nothing,
        // whatever its stored row says; its held requests are released by `DispatchRateLimiter`.
        board.replace(with: result.records.filter { settings.policy(for: $0.taskType) != nil })
        orchestrator.commits.handOver(result.released)
        for (record, transition) in result.transitions {
            switch transition {
            case .opened: logger.warning("circuit opened: requests of this task type are held", metadata: ["taskType": "\(record.taskType)"])
            case .halfOpened: logger.notice("circuit half-open: one probe request goes out", metadata: ["taskType": "\(record.taskType)"])
            case .closed: logger.notice("circuit closed: held requests are released", metadata: ["taskType": "\(record.taskType)"])
            }
        }
        if result.transitions.contains(where: { $0.transition == .closed }) { orchestrator.commits.heldDispatches.signal() }
        return result
    }

    public func run() async throws {
        guard orchestrator.configuration.breakers.isEnabled else {
            // A service that returns ends its group: idle until the process stops.
            try? await gracefulShutdown()
            return
        }
        var backoff = Backoff()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await update()
                backoff.succeeded()
                try? await Task.sleep(for: interval)
            } catch {
                logger.warning("circuit breakers could not be updated; retrying", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                await backoff.pause()
            }
        }
    }
}
