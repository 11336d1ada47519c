import BatonCore
import BatonStore
import Logging
import ServiceLifecycle
import Synchronization

/// Fires durable timers: retries, task deadlines, workflow deadlines.
///
/// Stateless by design: the timers are rows in the store, so a timer that fell due while Baton
/// was down fires as soon as this service starts. It sleeps until the earliest pending timer
/// (or until a commit sets an earlier one), reads only the due rows through the store's index,
/// and hands them to the orchestrator, which applies and deletes them in one transaction.
public final class TimerService: Service {
    public struct Configuration: Sendable {
        /// Timers fired per transaction. Default: 500.
        public var batchSize: Int
        /// Longest sleep without looking at the store (a safety net). Default: 1 s.
        public var maxSleep: Duration
        /// Longest back-off after store failures. Default: 5 s.
        public var maxBackoff: Duration

        public init(batchSize: Int = 500, maxSleep: Duration = .seconds(1), maxBackoff: Duration = .seconds(5)) {
            self.batchSize = batchSize
            self.maxSleep = maxSleep
            self.maxBackoff = maxBackoff
        }
    }

    /// What the service is doing, for diagnostics and for tests that must know it is asleep.
    public struct SleepState: Sendable, Hashable {
        /// Sleeps begun since start.
        public var sleepsBegun = 0
        public var isSleeping = false
        /// The earliest pending timer when the current (or last) sleep began; nil if none.
        public var towards: Timestamp?
    }

    let orchestrator: Orchestrator
    let configuration: Configuration
    let logger: Logger
    private let signal: WakeSignal
    private let sleepState = Mutex(SleepState())

    public var state: SleepState { sleepState.withLock { $0 } }

    /// - Parameter wake: signalled by the commit path after a commit that set timers (give the
    ///   same one to `CommitPath(wakesTimers:)`), so a new timer sooner than the one this service
    ///   sleeps towards is not fired late.
    public init(orchestrator: Orchestrator, wake: WakeSignal, configuration: Configuration = Configuration(), logger: Logger) {
        self.orchestrator = orchestrator
        self.signal = wake
        self.configuration = configuration
        self.logger = logger
    }

    /// Fires `due`, deciding again at once while another process moved one of their instances
    /// under the decision: the timers are claimed by this process (on a shared store), so
    /// leaving them would delay them until the claim runs out.
    private func fire(_ due: [DueTimer]) async throws(StoreError) {
        var attempt = 1
        while true {
            do {
                try await orchestrator.fireTimers(due)
                return
            } catch where error.code == .stale && attempt < 8 {
                attempt += 1
            }
        }
    }

    public func run() async throws {
        var backoff = Backoff(maximum: configuration.maxBackoff)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let now = orchestrator.now
                let due = try await orchestrator.store.dueTimers(until: now, limit: configuration.batchSize)
                if !due.isEmpty {
                    try await fire(due)
                    backoff.succeeded()
                    continue
                }
                var sleep = configuration.maxSleep
                let next = try await orchestrator.store.nextTimerAt()
                if let next {
                    let wait = Duration.milliseconds(max(0, next.milliseconds(since: orchestrator.now)))
                    sleep = min(sleep, wait)
                }
                backoff.succeeded()
                if sleep > .zero {
                    sleepState.withLock { s in
                        s.sleepsBegun += 1
                        s.isSleeping = true
                        s.towards = next
                    }
                    await signal.wait(timeout: sleep)
                    sleepState.withLock { $0.isSleeping = false }
                }
            } catch {
                logger.warning("timers could not be read or fired; retrying", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                await backoff.pause()
            }
        }
    }
}
