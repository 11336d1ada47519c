import Logging
import ServiceLifecycle
import Synchronization

/// When to stop taking new work: the outbox (records committed and not yet acknowledged by
/// Kafka) or the queue of QUEUED instances has grown past what the rest of the pipeline drains.
///
/// Hysteresis keeps intake from flapping: it pauses at a high-water mark and resumes only below
/// a low-water mark. Pure, so the marks are tested without a broker.
public struct IntakeLimits: Sendable, Hashable {
    /// Outbox backlog at which intake pauses. Default: 50,000 records.
    public var outboxHighWater: Int
    /// Outbox backlog below which paused intake resumes. Default: 10,000 records.
    public var outboxLowWater: Int

    public init(outboxHighWater: Int = 50_000, outboxLowWater: Int = 10_000) {
        self.outboxHighWater = outboxHighWater
        self.outboxLowWater = min(outboxLowWater, outboxHighWater)
    }

    /// Why intake must pause now, or nil when it may run. `paused` says whether it is paused, so
    /// a paused intake stays paused until the backlog falls below the low-water mark and the
    /// queue below nine tenths of `maxQueued`.
    public func pauseReason(paused: Bool, outbox: Int, queued: Int, maxQueued: Int) -> String? {
        if paused {
            if outbox > outboxLowWater { return "outbox backlog \(outbox) has not fallen to \(outboxLowWater) (intake.outboxLowWater)" }
            if queued > maxQueued * 9 / 10 { return "\(queued) queued instances have not fallen to \(maxQueued * 9 / 10) (nine tenths of limits.maxQueued)" }
            return nil
        }
        if outbox >= outboxHighWater { return "outbox backlog \(outbox) reached \(outboxHighWater) (intake.outboxHighWater)" }
        if queued >= maxQueued { return "\(queued) queued instances reached limits.maxQueued (\(maxQueued))" }
        return nil
    }
}

/// Pauses the trigger topic (new work) while work piles up, and resumes it when the pile is gone.
///
/// Only triggers pause: task results and events keep flowing, since they are what finishes the
/// work in flight and drains the outbox and the queue. The pause is the consumer's (librdkafka
/// stops fetching those partitions; the member stays in its group and keeps its offsets), not a
/// loop that polls and discards. Looks every `interval` (one count of the outbox).
public final class IntakeGovernor: Service {
    let orchestrator: Orchestrator
    let limits: IntakeLimits
    let interval: Duration
    let setPaused: @Sendable (Bool) -> Void
    let dependencies: [DependencyBreaker]
    let logger: Logger
    private let state = Mutex<String?>(nil)

    /// - Parameter setPaused: pauses (true) or resumes (false) the trigger topic of the input consumer.
    /// - Parameter dependencies: breakers (the producer's) whose opening pauses intake too; the
    ///   store's is always one.
    public init(
        orchestrator: Orchestrator, limits: IntakeLimits, interval: Duration = .milliseconds(250), dependencies: [DependencyBreaker] = [],
        setPaused: @escaping @Sendable (Bool) -> Void, logger: Logger
    ) {
        self.dependencies = [orchestrator.commits.storeBreaker] + dependencies
        self.orchestrator = orchestrator
        self.limits = limits
        self.interval = interval
        self.setPaused = setPaused
        self.logger = logger
    }

    /// Why intake is paused now; nil while it runs.
    public var pausedBecause: String? { state.withLock { $0 } }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let open = dependencies.first(where: \.isOpen) {
                if pausedBecause == nil {
                    setPaused(true)
                    logger.warning("intake paused: the \(open.name)'s circuit is open")
                }
                state.withLock { $0 = "the \(open.name)'s circuit is open" }
                try? await Task.sleep(for: interval)
                continue
            }
            do {
                let outbox = try await orchestrator.store.outboxCount()
                let wasPaused = pausedBecause != nil
                let reason = limits.pauseReason(paused: wasPaused, outbox: outbox, queued: orchestrator.queuedEstimate, maxQueued: orchestrator.configuration.limits.maxQueued)
                state.withLock { $0 = reason }
                if let reason, !wasPaused {
                    setPaused(true)
                    logger.warning("intake paused: triggers wait in Kafka until the backlog drains", metadata: ["reason": "\(reason)"])
                } else if reason == nil, wasPaused {
                    setPaused(false)
                    logger.notice("intake resumed")
                }
            } catch {
                // A store that cannot be counted is the input consumer's to report (it cannot
                // commit either); the pause stays as it was.
                logger.debug("intake: the outbox could not be counted", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
