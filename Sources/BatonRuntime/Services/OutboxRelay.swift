import BatonCore
import BatonKafka
import BatonStore
import Logging
import ServiceLifecycle
import Synchronization

/// Publishes committed outbox rows with the idempotent producer and removes them after their
/// delivery reports arrive.
///
/// Rows reach the relay two ways. Right after a commit the orchestrator hands over the rows it
/// just wrote (`enqueue(_:)`), so in steady state nothing is read back from the store. At start-up
/// and after a failed publication the relay scans the store instead, in sequence order, until it
/// has caught up; handed-over rows the scan already covered are dropped by sequence.
///
/// Up to ``Configuration/roundsInFlight`` rounds are on their way at once, but never two that hold
/// a message with the same key: a round whose rows share a key (an instance) with one in flight
/// waits for it. A round stops at its first failure, and after a failure nothing new is sent until
/// every round in flight has ended; the rest is then read again from the store, in order. So the
/// messages of one instance (one key, one partition) reach Kafka in the order they were written,
/// while rounds for other instances do not queue behind a round trip that does not concern them.
/// A row the producer refuses as such (larger than `message.max.bytes`, an invalid record) can
/// never be sent: it is parked (moved out of the outbox with its reason, logged as an error naming
/// its topic and key, counted) and does not stop its round, so nothing else is republished because
/// of it. Removing published rows is off the publication path: a separate loop deletes them. A crash
/// between publish and removal republishes: every message carries a stable id, so consumers drop
/// the duplicate.
///
/// With several processes on one store (`sharding`), the relay publishes only the shards this
/// process leases, and reads them from the store rather than trusting the hand-over (other
/// processes commit rows for them too, and sequences from concurrent transactions become visible
/// out of order). A scan waits for the rounds in flight, so one shard's rows go out in sequence
/// order; it starts from a settled sequence (see `ScanMark`); rows published and not yet removed
/// are left out of the next scan; rows this process handed over come back from the scan as their
/// sequence only (their contents are not read back); removal is fenced by the lease's epoch.
public final class OutboxRelay: Service {
    public struct Configuration: Sendable {
        /// Rows per scan. Default: 1000.
        public var batchSize: Int
        /// How long to sleep when the outbox is empty and nothing signals. Default: 500 ms.
        public var idleInterval: Duration
        /// Longest back-off after failed deliveries. Default: 5 s.
        public var maxBackoff: Duration
        /// Shortest time between two deletes of sent rows. Default: 100 ms.
        public var removalInterval: Duration
        /// Rounds published at once (rounds in flight never share a key). 1 sends one round at a
        /// time. Default: 4.
        public var roundsInFlight: Int
        /// With `sharding`: how often the leased shards are scanned for rows other processes
        /// committed. Default: 20 ms.
        public var pollInterval: Duration

        public init(
            batchSize: Int = 1000, idleInterval: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(5),
            removalInterval: Duration = .milliseconds(100), roundsInFlight: Int = 4, pollInterval: Duration = .milliseconds(20)
        ) {
            self.pollInterval = pollInterval
            self.batchSize = batchSize
            self.idleInterval = idleInterval
            self.maxBackoff = maxBackoff
            self.removalInterval = removalInterval
            self.roundsInFlight = max(1, roundsInFlight)
        }
    }

    /// What one publication round did, for counters and the benchmark.
    public struct Round: Sendable {
        public var published: Int
        public var publishSeconds: Double
        public var markSentSeconds: Double
        /// Rows parked because they can never be published.
        public var parked: Int = 0
    }

    private struct Inbox {
        var rows: [OutboxMessage] = []
        /// Read the store before trusting the hand-over (start-up, after a failure).
        var scanning = true
        /// The highest sequence a scan returned: hand-overs up to it are already covered.
        var scannedThrough: Int64 = 0
        /// When the oldest row now in `rows` was handed over (for the latency probe).
        var oldestEnqueuedAt: ContinuousClock.Instant?
    }

    /// With `sharding`: where scans of the leased shards start.
    ///
    /// Scans start above `settled`, not at the oldest row: a scan from the start walked every
    /// published-not-removed row and every dead index entry the last vacuum left (5.7 s of backend
    /// time in the PostgreSQL bench, 0.8–1.0 s this way). `settled` only moves past sequences that no
    /// running transaction can still commit below (see `OutboxHorizon`), so no late row is
    /// skipped and none goes out after a later row of its instance.
    private struct ScanMark {
        /// Every row of the leased shards at or below this that will ever be visible was returned
        /// by an earlier scan.
        var settled: Int64 = 0
        /// Reads whose horizon has not passed yet, oldest first.
        var pending: [(lastSequence: Int64, nextTransaction: Int64)] = []
        var leases: [OutboxLease] = []
        /// Scan from the oldest row — after a lease change (the new shards' rows below `settled`
        /// were never read) or a failed round (its rows are still there) — until a scan returns
        /// less than a full batch.
        var fullScanDue = true
        /// Rows this process committed to leased shards and has not scanned yet.
        var known: [Int64: OutboxMessage] = [:]

        mutating func record(_ scan: OutboxScan, after: Int64, batchSize: Int) {
            if after == 0, scan.rows.count < batchSize { fullScanDue = false }
            pending.append((scan.horizon.lastSequence, scan.horizon.nextTransaction))
            // Later entries pass later (transaction ids only grow): dropping the oldest only
            // delays settling.
            if pending.count > 1_000 { pending.removeFirst(pending.count - 1_000) }
            var passed = settled
            while let first = pending.first, first.nextTransaction <= scan.horizon.oldestRunning {
                passed = max(passed, first.lastSequence)
                pending.removeFirst()
            }
            // A full batch stopped short of rows it did not return.
            if scan.rows.count >= batchSize, let last = scan.rows.last { passed = min(passed, max(last.sequence, settled)) }
            settled = max(settled, passed)
            let returned = Set(scan.rows.map(\.sequence))
            let settled = settled
            known = known.filter { $0.key > settled && !returned.contains($0.key) }
        }
    }

    /// Rows kept for scans at most (beyond it, scans read contents back from the store).
    static let knownRowsLimit = 50_000

    /// The rounds on their way, by the keys they hold.
    private struct Rounds {
        var nextId: UInt64 = 0
        var inFlight: Set<UInt64> = []
        /// Rows per key over the rounds in flight.
        var keys: [[UInt8]: Int] = [:]
        /// Rounds in flight holding a row without a key (such a row conflicts with every round).
        var unkeyed = 0
        /// Rounds ended since the loop last looked.
        var ended: [UInt64] = []
        /// The first failure since the loop last recovered.
        var failure: KafkaError?
        /// Every topic that failed since then, with its first error (for the log).
        var failedTopics: [String: KafkaError] = [:]
        /// A round ended without failure since the loop last looked.
        var succeeded = false

        func conflicts(with rows: [OutboxMessage]) -> Bool {
            guard !inFlight.isEmpty else { return false }
            if unkeyed > 0 { return true }
            return rows.contains { row in row.key.map { keys[$0] != nil } ?? true }
        }
    }

    let store: any WorkflowStore
    let producer: KafkaProducer
    /// Opens after repeated failed publication rounds (readiness false, intake paused); the
    /// first round that works closes it.
    let breaker: DependencyBreaker?
    let configuration: Configuration
    let logger: Logger
    let statistics: RuntimeStatistics
    let onDelivered: (@Sendable ([OutboxMessage]) -> Void)?
    let latencyProbe: StepLatencyProbe?
    let clock: @Sendable () -> Timestamp
    /// This process's outbox shards, when the store is shared by several processes.
    let sharding: OutboxShardLeases?
    private let signal: WakeSignal
    /// Rows published and not yet removed (with `sharding`): left out of scans.
    private let unremoved = Mutex<Set<Int64>>([])
    /// Where the next scan of leased shards starts (with `sharding`).
    private let scanMark = Mutex(ScanMark())
    private let inbox = Mutex(Inbox())
    private let rounds = Mutex(Rounds())
    private let sent = Mutex<[Int64]>([])
    private let sentSignal = WakeSignal()

    /// - Parameter onDelivered: the rows whose delivery reports arrived, before they are marked
    ///   sent (the benchmark's latency probe).
    public init(
        store: any WorkflowStore, producer: KafkaProducer, configuration: Configuration = Configuration(), logger: Logger,
        statistics: RuntimeStatistics = RuntimeStatistics(), onDelivered: (@Sendable ([OutboxMessage]) -> Void)? = nil,
        latencyProbe: StepLatencyProbe? = nil, clock: @escaping @Sendable () -> Timestamp = { Timestamp.wallClock },
        sharding: OutboxShardLeases? = nil, breaker: DependencyBreaker? = nil
    ) {
        self.breaker = breaker
        self.clock = clock
        self.sharding = sharding
        self.signal = sharding?.changed ?? WakeSignal()
        self.onDelivered = onDelivered
        self.latencyProbe = latencyProbe
        self.store = store
        self.producer = producer
        self.configuration = configuration
        self.logger = logger
        self.statistics = statistics
    }

    /// Rounds started so far (tests wait on it to know a round is in flight).
    var roundsStarted: UInt64 { rounds.withLock { $0.nextId } }

    /// Hands over rows just committed (with their sequences), in commit order.
    public func enqueue(_ rows: [OutboxMessage]) {
        guard !rows.isEmpty else { return }
        if let sharding {
            // Scanned from the store, with what other processes committed; the rows of leased
            // shards are kept so the scan need not read their contents back.
            let leased = Set(sharding.current().map(\.shard))
            scanMark.withLock { m in
                guard m.known.count < Self.knownRowsLimit else { return }
                for row in rows where leased.contains(OutboxShards.shard(forKey: row.key)) { m.known[row.sequence] = row }
            }
            signal.signal()
            return
        }
        let now = latencyProbe == nil ? nil : ContinuousClock.now
        inbox.withLock { s in
            s.rows.append(contentsOf: rows)
            if s.oldestEnqueuedAt == nil { s.oldestEnqueuedAt = now }
        }
        signal.signal()
    }

    /// Wakes the relay to scan the store (rows written by someone else).
    public func notify() {
        inbox.withLock { $0.scanning = true }
        signal.signal()
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.removeSentRows() }
            await self.publishLoop()
            // Publication stopped: remove what was delivered, then stop the remover.
            self.sentSignal.signal()
            group.cancelAll()
        }
    }

    private var isStopping: Bool { Task.isCancelled || Task.isShuttingDownGracefully }

    private func publishLoop() async {
        var backoff = Backoff(maximum: configuration.maxBackoff)
        var tasks: [UInt64: Task<Void, Never>] = [:]
        while !isStopping {
            let (ended, failure, failedTopics, succeeded, inFlight) = rounds.withLock { r in
                defer {
                    r.ended.removeAll()
                    r.succeeded = false
                }
                return (r.ended, r.failure, r.failedTopics, r.succeeded, r.inFlight.count)
            }
            for id in ended { tasks[id] = nil }
            if succeeded {
                backoff.succeeded()
                breaker?.succeeded()
            }
            if let failure {
                // Nothing new goes out until every round in flight has ended; then the undelivered
                // rows, still in the store, are read again from there, in order.
                if inFlight > 0 {
                    await signal.wait(timeout: configuration.idleInterval)
                    continue
                }
                rounds.withLock { r in
                    r.failure = nil
                    r.failedTopics = [:]
                }
                inbox.withLock { s in
                    s.rows.removeAll()
                    s.scanning = true
                }
                scanMark.withLock { $0.fullScanDue = true }
                let topics = failedTopics.keys.sorted().map { "\($0): \(failedTopics[$0]!.code.name)" }.joined(separator: ", ")
                breaker?.failed("\(failure)")
                logger.warning("publishing the outbox failed; retrying", metadata: ["topics": "\(topics)", "error": "\(failure)", "backoff": "\(backoff)"])
                await backoff.pause()
                continue
            }
            if inFlight >= configuration.roundsInFlight {
                await signal.wait(timeout: configuration.idleInterval)
                continue
            }
            let pending: [OutboxMessage]?
            do {
                pending = try await nextRows()
            } catch {
                logger.warning("outbox read failed; retrying", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                await backoff.pause()
                continue
            }
            guard let pending, !pending.isEmpty else {
                // Nothing to send, or rows that must wait for a round in flight: a commit or the
                // end of a round wakes the loop (and, shared, the poll for others' commits).
                await signal.wait(timeout: sharding == nil ? configuration.idleInterval : configuration.pollInterval)
                continue
            }
            let id = rounds.withLock { r in
                r.nextId += 1
                r.inFlight.insert(r.nextId)
                for row in pending {
                    if let key = row.key { r.keys[key, default: 0] += 1 } else { r.unkeyed += 1 }
                }
                return r.nextId
            }
            tasks[id] = Task { [self] in
                let failures = await publish(pending)
                let failure = failures.first?.error
                rounds.withLock { r in
                    r.inFlight.remove(id)
                    r.ended.append(id)
                    for row in pending {
                        guard let key = row.key else {
                            r.unkeyed -= 1
                            continue
                        }
                        let left = (r.keys[key] ?? 1) - 1
                        r.keys[key] = left > 0 ? left : nil
                    }
                    if let failure {
                        if r.failure == nil { r.failure = failure }
                        for (topic, error) in failures where r.failedTopics[topic] == nil { r.failedTopics[topic] = error }
                    } else {
                        r.succeeded = true
                    }
                }
                signal.signal()
            }
        }
        // Stopping: what is on its way still gets its delivery reports (and is marked sent).
        for task in tasks.values { await task.value }
    }

    /// The next rows to publish: a scan of the store while catching up, else the hand-over; nil
    /// when rows wait for a round in flight (one holds a key they hold, or the store must be read
    /// and rounds are still out).
    private func nextRows() async throws(StoreError) -> [OutboxMessage]? {
        if let sharding, let store = store as? any SharedWorkflowStore {
            guard rounds.withLock({ $0.inFlight.isEmpty }) else { return nil }
            let leases = sharding.current()
            guard !leases.isEmpty else { return [] }
            let (after, known) = scanMark.withLock { m -> (Int64, [Int64: OutboxMessage]) in
                if m.leases != leases {
                    m.leases = leases
                    m.fullScanDue = true
                }
                return (m.fullScanDue ? 0 : m.settled, m.known)
            }
            // Rows published and not yet removed above where the scan starts (below it, none is
            // returned again).
            let excluding = unremoved.withLock { Array($0.filter { $0 > after }) }
            let scan = try await store.scanOutbox(leases: leases, after: after, excluding: excluding, known: known, limit: configuration.batchSize)
            scanMark.withLock { $0.record(scan, after: after, batchSize: configuration.batchSize) }
            return scan.rows
        }
        if inbox.withLock({ $0.scanning }) {
            guard rounds.withLock({ $0.inFlight.isEmpty }) else { return nil }
            let scanned = try await store.pendingOutbox(limit: configuration.batchSize)
            inbox.withLock { s in
                if let last = scanned.last { s.scannedThrough = max(s.scannedThrough, last.sequence) }
                if scanned.count < configuration.batchSize { s.scanning = false }
                let covered = s.scannedThrough
                s.rows.removeAll { $0.sequence <= covered }
            }
            return scanned
        }
        return inbox.withLock { s -> [OutboxMessage]? in
            guard !s.rows.isEmpty else { return [] }
            // The inbox lock is taken before the rounds lock, never the other way round.
            if rounds.withLock({ $0.conflicts(with: s.rows) }) { return nil }
            let covered = s.scannedThrough
            var rows: [OutboxMessage] = []
            swap(&rows, &s.rows)
            if let latencyProbe, let since = s.oldestEnqueuedAt {
                latencyProbe.stage("4 committed → sent to Kafka (per relay round, oldest row)", ContinuousClock.now - since)
            }
            s.oldestEnqueuedAt = nil
            return rows.first.map { $0.sequence <= covered } == true ? rows.filter { $0.sequence > covered } : rows
        }
    }

    /// Sends one round and waits for its delivery reports; parks the rows that can never be sent.
    ///
    /// - Returns: the round's retriable failures, one per topic, the first one first; empty when
    ///   every row was delivered or parked. Rows from the first such failure on are not marked
    ///   sent (they are read again from the store, in order).
    private func publish(_ pending: [OutboxMessage]) async -> [(topic: String, error: KafkaError)] {
        let records = pending.map { row in
            KafkaRecord(topic: row.topic, key: row.key, value: row.value, headers: row.headers.map { KafkaHeader(key: $0.key, value: $0.value) })
        }
        Failpoint.afterOutboxCommit.reached()
        let publishStart = ContinuousClock.now
        let results = await producer.send(records)
        let publishSeconds = (ContinuousClock.now - publishStart).seconds
        latencyProbe?.stage("5 sent → every delivery report (per relay round)", ContinuousClock.now - publishStart)
        var delivered: [Int64] = []
        delivered.reserveCapacity(pending.count)
        var failures: [(topic: String, error: KafkaError)] = []
        var parked: [ParkedOutboxMessage] = []
        for (row, result) in zip(pending, results) {
            switch result {
            case .success:
                if failures.isEmpty { delivered.append(row.sequence) }
            case .failure(let error) where error.refusesRecord:
                parked.append(ParkedOutboxMessage(row, reason: error.code.name, message: error.message, parkedAt: clock()))
            case .failure(let error):
                if !failures.contains(where: { $0.topic == row.topic }) { failures.append((row.topic, error)) }
            }
        }
        if logger.logLevel <= .trace { traceDeliveries(pending, results) }
        if !parked.isEmpty, let failure = await park(parked) {
            // Not parked: they stay in the outbox and are tried (and parked) again.
            failures.insert(failure, at: 0)
            parked = []
        }
        if !delivered.isEmpty { Failpoint.afterPublish.reached() }
        if let onDelivered, !delivered.isEmpty {
            let sent = Set(delivered)
            onDelivered(pending.filter { sent.contains($0.sequence) })
        }
        if !delivered.isEmpty {
            if sharding != nil { unremoved.withLock { $0.formUnion(delivered) } }
            sent.withLock { $0.append(contentsOf: delivered) }
            sentSignal.signal()
        }
        if !delivered.isEmpty || !parked.isEmpty {
            statistics.record(Round(published: delivered.count, publishSeconds: publishSeconds, markSentSeconds: 0, parked: parked.count))
        }
        return failures
    }

    /// Moves rows that can never be published out of the outbox; each is logged as an error. Returns
    /// the failure when the store could not take them.
    private func park(_ rows: [ParkedOutboxMessage]) async -> (topic: String, error: KafkaError)? {
        do {
            try await store.parkOutbox(rows)
        } catch {
            logger.warning("could not park outbox rows that can never be published; retrying", metadata: ["rows": "\(rows.count)", "error": "\(error)"])
            return (rows[0].topic, KafkaError(code: .systemError, message: "parking unpublishable outbox rows failed: \(error)", context: "parking outbox rows"))
        }
        for row in rows {
            let key = row.key.map { String(decoding: $0, as: UTF8.self) } ?? "-"
            logger.error(
                "outbox row can never be published; parked (GET /v1/outbox/parked lists it)",
                metadata: ["sequence": "\(row.sequence)", "topic": "\(row.topic)", "key": "\(key)", "bytes": "\(row.recordBytes)", "reason": "\(row.reason)", "error": "\(row.message)"]
            )
        }
        return nil
    }

    /// Where each row went (or why not): with `BATON_LOG_LEVEL=trace`, the trail that ties an outbox
    /// sequence to a partition and offset when a message is reported missing downstream.
    private func traceDeliveries(_ rows: [OutboxMessage], _ results: [Result<DeliveryReport, KafkaError>]) {
        for (row, result) in zip(rows, results) {
            let key = row.key.map { String(decoding: $0, as: UTF8.self) } ?? "-"
            switch result {
            case .success(let report):
                logger.trace("outbox row delivered", metadata: ["sequence": "\(row.sequence)", "topic": "\(row.topic)", "key": "\(key)", "partition": "\(report.partition)", "offset": "\(report.offset)"])
            case .failure(let error):
                logger.trace("outbox row not delivered", metadata: ["sequence": "\(row.sequence)", "topic": "\(row.topic)", "key": "\(key)", "error": "\(error)"])
            }
        }
    }

    /// Deletes delivered rows, coalescing whatever accumulated since the last delete.
    private func removeSentRows() async {
        var backoff = Backoff(maximum: configuration.maxBackoff)
        while true {
            let batch = sent.withLock { s -> [Int64] in
                var taken: [Int64] = []
                swap(&taken, &s)
                return taken
            }
            if batch.isEmpty {
                if Task.isCancelled { return }
                await sentSignal.wait(timeout: configuration.idleInterval)
                continue
            }
            do {
                let start = ContinuousClock.now
                if let sharding, let store = store as? any SharedWorkflowStore {
                    // Fenced: rows of a shard that changed hands stay for its new holder.
                    try await store.markOutboxSent(batch, member: sharding.member, leases: sharding.current())
                    unremoved.withLock { $0.subtract(batch) }
                } else {
                    try await store.markOutboxSent(batch)
                }
                statistics.record(Round(published: 0, publishSeconds: 0, markSentSeconds: (ContinuousClock.now - start).seconds))
                backoff.succeeded()
                // Each delete is a transaction queued among the commits; gathering rows for a
                // moment makes it one per interval instead of one per round.
                if !Task.isCancelled { try? await Task.sleep(for: configuration.removalInterval) }
            } catch {
                // Keep them: a row left behind would be republished at the next scan.
                sent.withLock { $0.insert(contentsOf: batch, at: 0) }
                logger.warning("could not mark outbox rows sent; retrying", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                if Task.isCancelled { return }
                await backoff.pause()
            }
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double` (for counters and logs).
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
