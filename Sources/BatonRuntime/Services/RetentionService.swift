import BatonCore
import BatonStore
import Logging
import ServiceLifecycle

/// Removes finished instances (with their history, step executions and parts) and old dedupe
/// marks, so the store does not grow for ever.
///
/// Each pass purges in batches of `batchSize`, one short transaction each with a pause between,
/// until a batch comes back short: the commit path waits for at most one batch at a time. Dedupe
/// marks are never kept longer than the shortest instance retention, so an idempotency key never
/// names an instance that is gone. With several processes on one database every process purges;
/// `SKIP LOCKED` keeps them off each other's rows.
public final class RetentionService: Service, Sendable {
    public struct Configuration: Sendable, Hashable {
        /// How long finished instances are kept after their last change; nil keeps them for ever.
        /// Default: 7 days.
        public var finished: Duration?
        /// Per workflow id, a period replacing `finished` (nil: that workflow's are kept for ever).
        public var workflows: [String: Duration?]
        /// How long dedupe marks (idempotency keys, trigger event ids) are kept; at most the
        /// shortest instance retention. Default: 24 hours.
        public var dedupeWindow: Duration?
        /// Time between passes. Default: 1 minute.
        public var interval: Duration
        /// Instances (and dedupe marks) per transaction. Default: 500.
        public var batchSize: Int
        /// Pause between two batches of one pass, for the commit path. Default: 20 ms.
        public var pause: Duration

        public init(
            finished: Duration? = .seconds(7 * 86_400), workflows: [String: Duration?] = [:], dedupeWindow: Duration? = .seconds(86_400),
            interval: Duration = .seconds(60), batchSize: Int = 500, pause: Duration = .milliseconds(20)
        ) {
            self.finished = finished
            self.workflows = workflows
            self.dedupeWindow = dedupeWindow
            self.interval = interval
            self.batchSize = batchSize
            self.pause = pause
        }

        /// The dedupe window in force: the configured one, shortened to the shortest retention.
        public var effectiveDedupeWindow: Duration? {
            let periods = ([finished] + Array(workflows.values)).compactMap { $0 }
            guard let shortest = periods.min() else { return dedupeWindow }
            return dedupeWindow.map { min($0, shortest) } ?? shortest
        }

        /// The purge request of a pass at `now`.
        public func request(at now: Timestamp) -> PurgeRequest {
            func before(_ period: Duration?) -> Timestamp? {
                period.map { Timestamp(milliseconds: now.milliseconds - $0.components.seconds * 1000 - $0.components.attoseconds / 1_000_000_000_000_000) }
            }
            return PurgeRequest(
                finishedBefore: before(finished), workflowCutoffs: workflows.mapValues { before($0) }, dedupeBefore: before(effectiveDedupeWindow),
                limit: batchSize
            )
        }
    }

    let store: any WorkflowStore
    let configuration: Configuration
    let clock: @Sendable () -> Timestamp
    let metrics: RuntimeMetrics?
    let logger: Logger

    public init(
        store: any WorkflowStore, configuration: Configuration, clock: @escaping @Sendable () -> Timestamp = { .wallClock }, metrics: RuntimeMetrics? = nil,
        logger: Logger
    ) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let removed = try await pass()
                if removed != PurgeResult() {
                    logger.info("retention removed finished instances and old dedupe marks", metadata: ["instances": "\(removed.instances)", "dedupeMarks": "\(removed.dedupeMarks)"])
                }
            } catch {
                logger.warning("retention pass failed; the next one tries again", metadata: ["error": "\(error)"])
            }
            let interval = configuration.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass: batches until one comes back short (or shutdown begins). Returns what it removed.
    @discardableResult
    public func pass() async throws(StoreError) -> PurgeResult {
        let request = configuration.request(at: clock())
        var total = PurgeResult()
        while !Task.isShuttingDownGracefully {
            let removed = try await store.purge(request)
            total.instances += removed.instances
            total.dedupeMarks += removed.dedupeMarks
            if let metrics {
                if removed.instances > 0 { metrics.counter(BatonMetric.retentionPurged, ["instances"]).increment(by: Int64(removed.instances)) }
                if removed.dedupeMarks > 0 { metrics.counter(BatonMetric.retentionPurged, ["dedupe_marks"]).increment(by: Int64(removed.dedupeMarks)) }
            }
            guard removed.instances == request.limit || removed.dedupeMarks == request.limit else { break }
            try? await Task.sleep(for: configuration.pause)
        }
        return total
    }
}
