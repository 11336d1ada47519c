import BatonKafka
import BatonStore
import CoreMetrics
import Logging
import Synchronization

/// Brings the sampled metrics up to date just before a scrape: the runtime's own counters, the
/// store's gauges (one counting query per kind), consumer lag, pool use, cache size, readiness.
///
/// Sampling at scrape time (Prometheus' collector pattern) costs nothing between scrapes and never
/// touches the commit path; the runtime counters stay where the bench reads them
/// (`RuntimeStatistics`), and the exported counters are advanced to them, so both read the same
/// instrument. Concurrent scrapes within `minimumInterval` share one sample.
public final class MetricsSampler: Sendable {
    /// What the sampler reads, given by the composition root (each optional part may be absent).
    public struct Sources: Sendable {
        public var store: any WorkflowStore
        public var statistics: RuntimeStatistics
        public var consumerLag: @Sendable () -> [PartitionLag]
        public var poolUse: @Sendable () -> StorePoolUse?
        public var cacheBytes: @Sendable () -> Int
        public var isReady: @Sendable () -> Bool
        public var intakePaused: @Sendable () -> Bool = { false }
        public var breakers: @Sendable () -> [BreakerRecord] = { [] }

        /// These sources, with `intakePaused` read from `paused` and the breakers from `breakers`.
        public func with(intakePaused paused: @escaping @Sendable () -> Bool, breakers: @escaping @Sendable () -> [BreakerRecord] = { [] }) -> Sources {
            var copy = self
            copy.intakePaused = paused
            copy.breakers = breakers
            return copy
        }

        public init(
            store: any WorkflowStore, statistics: RuntimeStatistics, consumerLag: @escaping @Sendable () -> [PartitionLag] = { [] },
            poolUse: @escaping @Sendable () -> StorePoolUse? = { nil }, cacheBytes: @escaping @Sendable () -> Int = { 0 },
            isReady: @escaping @Sendable () -> Bool = { true }
        ) {
            self.store = store
            self.statistics = statistics
            self.consumerLag = consumerLag
            self.poolUse = poolUse
            self.cacheBytes = cacheBytes
            self.isReady = isReady
        }
    }

    private let metrics: RuntimeMetrics
    private let sources: Sources
    private let logger: Logger
    private let minimumInterval: Duration
    private let state = Mutex(State())

    private struct State {
        var exported = RuntimeCounters()
        var lastSample: ContinuousClock.Instant?
        var gauges: [[String]: Gauge] = [:]
        /// Label sets set in the previous sample, per metric, so vanished ones are removed.
        var present: [String: Set<[String]>] = [:]
    }

    public init(metrics: RuntimeMetrics, sources: Sources, minimumInterval: Duration = .milliseconds(500), logger: Logger) {
        self.metrics = metrics
        self.sources = sources
        self.minimumInterval = minimumInterval
        self.logger = logger
    }

    /// Updates every sampled metric, unless a sample was taken within `minimumInterval`.
    ///
    /// A store that cannot answer leaves its gauges at their last values (and says so once in the
    /// log per failure); the other metrics are still brought up to date.
    public func sample() async {
        let now = ContinuousClock.now
        let due = state.withLock { s -> Bool in
            if let last = s.lastSample, now - last < minimumInterval { return false }
            s.lastSample = now
            return true
        }
        guard due else { return }
        advanceCounters()
        var sets: [String: [([String], Double)]] = [:]
        do {
            let gauges = try await sources.store.gauges()
            sets[BatonMetric.instances.name] = gauges.unfinished.map { ([$0.workflowId, $0.status.rawValue], Double($0.count)) }
            sets[BatonMetric.timersPending.name] = [([], Double(gauges.timers))]
            sets[BatonMetric.outboxBacklog.name] = [([], Double(gauges.outbox))]
            sets[BatonMetric.deadLetters.name] = [([], Double(gauges.deadLetters))]
            sets[BatonMetric.dispatchesHeld.name] = try await sources.store.heldCounts().map { ([$0.key], Double($0.value)) }
        } catch {
            logger.warning("metrics: could not count the store's instances, timers and outbox; their gauges keep their last values", metadata: ["error": "\(error)"])
        }
        sets[BatonMetric.consumerLag.name] = sources.consumerLag().map { ([$0.topic, String($0.partition)], Double($0.lag)) }
        if let pool = sources.poolUse() {
            sets[BatonMetric.poolConnections.name] = [(["in_use"], Double(pool.inUse)), (["waiting"], Double(pool.waiting))]
            sets[BatonMetric.poolCapacity.name] = [([], Double(pool.capacity))]
        }
        sets[BatonMetric.cacheBytes.name] = [([], Double(sources.cacheBytes()))]
        sets[BatonMetric.ready.name] = [([], sources.isReady() ? 1 : 0)]
        sets[BatonMetric.intakePaused.name] = [([], sources.intakePaused() ? 1 : 0)]
        sets[BatonMetric.circuitState.name] = sources.breakers().map { record in
            ([record.taskType], record.state == .closed ? 0 : record.state == .open ? 1 : 2)
        }
        for (name, values) in sets {
            guard let metric = BatonMetric.named(name) else { continue }
            set(metric, values)
        }
    }

    /// Sets a gauge's label sets to `values`; label sets it had last time and not now are removed
    /// (an unassigned partition, a workflow with no running instance left).
    private func set(_ metric: MetricDescription, _ values: [([String], Double)]) {
        let factory = metrics.factory
        state.withLock { s in
            let now = Set(values.map(\.0))
            for gone in s.present[metric.name, default: []].subtracting(now) {
                s.gauges.removeValue(forKey: [metric.name] + gone)?.destroy()
            }
            s.present[metric.name] = now
            for (labels, value) in values {
                let key = [metric.name] + labels
                let gauge = s.gauges[key] ?? Gauge(label: metric.name, dimensions: Array(zip(metric.labels, labels)), factory: factory)
                s.gauges[key] = gauge
                gauge.record(value)
            }
        }
    }

    /// Moves the exported counters up to the runtime's (the difference since the last sample).
    private func advanceCounters() {
        let current = sources.statistics.snapshot
        let previous = state.withLock { s in
            let previous = s.exported
            s.exported = current
            return previous
        }
        func advance(_ metric: MetricDescription, _ now: Int, _ before: Int, _ labels: [String] = []) {
            guard now > before || (now == 0 && before == 0) else { return }
            metrics.counter(metric, labels).increment(by: Int64(now - before))
        }
        advance(BatonMetric.messagesProcessed, current.messagesProcessed, previous.messagesProcessed)
        advance(BatonMetric.batchesCommitted, current.batchesCommitted, previous.batchesCommitted)
        advance(BatonMetric.timersFired, current.timersFired, previous.timersFired)
        advance(BatonMetric.outboxPublished, current.outboxPublished, previous.outboxPublished)
        advance(BatonMetric.outboxParked, current.outboxParked, previous.outboxParked)
        advance(BatonMetric.commitsRefusedStale, current.commitsRefusedStale, previous.commitsRefusedStale)
        advance(BatonMetric.commandsDecidedAgain, current.commandsDecidedAgain, previous.commandsDecidedAgain)
        advance(BatonMetric.triggersDeduplicated, current.triggersDeduplicated, previous.triggersDeduplicated)
        for (reason, count) in current.inputsIgnored {
            advance(BatonMetric.inputsIgnored, count, previous.inputsIgnored[reason] ?? 0, [reason])
        }
        for (reason, count) in current.deadLettered {
            advance(BatonMetric.deadLettered, count, previous.deadLettered[reason] ?? 0, [reason])
        }
    }
}
