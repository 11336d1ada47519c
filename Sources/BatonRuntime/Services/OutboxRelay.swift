import BatonKafka
import BatonStore
import Logging
import ServiceLifecycle

/// Publishes committed outbox rows with the idempotent producer and removes them after their
/// delivery reports arrive.
///
/// Rows are read in sequence order and removed only up to the first failed delivery, so the
/// messages of one instance (one key, one partition) reach Kafka in the order they were written.
/// A crash between publish and removal republishes: every message carries a stable id, so
/// consumers drop the duplicate.
public final class OutboxRelay: Service {
    public struct Configuration: Sendable {
        /// Rows per round trip. Default: 1000.
        public var batchSize: Int
        /// How long to sleep when the outbox is empty and nothing signals. Default: 500 ms.
        public var idleInterval: Duration
        /// Longest back-off after failed deliveries. Default: 5 s.
        public var maxBackoff: Duration

        public init(batchSize: Int = 1000, idleInterval: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(5)) {
            self.batchSize = batchSize
            self.idleInterval = idleInterval
            self.maxBackoff = maxBackoff
        }
    }

    let store: any WorkflowStore
    let producer: KafkaProducer
    let configuration: Configuration
    let logger: Logger
    let signal = WakeSignal()
    let onRound: @Sendable (Round) -> Void
    let onDelivered: (@Sendable ([OutboxMessage]) -> Void)?

    /// What one publication round did, for counters and the benchmark.
    public struct Round: Sendable {
        public var published: Int
        public var publishSeconds: Double
        public var markSentSeconds: Double
    }

    /// - Parameter onDelivered: the rows whose delivery reports arrived, before they are marked
    ///   sent (the benchmark's latency probe).
    public init(
        store: any WorkflowStore, producer: KafkaProducer, configuration: Configuration = Configuration(), logger: Logger,
        onRound: @escaping @Sendable (Round) -> Void = { _ in }, onDelivered: (@Sendable ([OutboxMessage]) -> Void)? = nil
    ) {
        self.onDelivered = onDelivered
        self.store = store
        self.producer = producer
        self.configuration = configuration
        self.logger = logger
        self.onRound = onRound
    }

    /// Wakes the relay: new rows were committed.
    public func notify() { signal.signal() }

    public func run() async throws {
        var backoff = Duration.milliseconds(50)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let pending: [OutboxMessage]
            do {
                pending = try await store.pendingOutbox(limit: configuration.batchSize)
            } catch {
                logger.warning("outbox read failed; retrying", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.maxBackoff)
                continue
            }
            if pending.isEmpty {
                await signal.wait(timeout: configuration.idleInterval)
                continue
            }
            let records = pending.map { row in
                KafkaRecord(topic: row.topic, key: row.key, value: row.value, headers: row.headers.map { KafkaHeader(key: $0.key, value: $0.value) })
            }
            let publishStart = ContinuousClock.now
            let results = await producer.send(records)
            let publishSeconds = (ContinuousClock.now - publishStart).seconds
            var delivered: [Int64] = []
            var failure: KafkaError?
            var deliveredRows: [OutboxMessage] = []
            for (row, result) in zip(pending, results) {
                switch result {
                case .success:
                    delivered.append(row.sequence)
                    if onDelivered != nil { deliveredRows.append(row) }
                case .failure(let error): failure = error
                }
                if failure != nil { break }
            }
            if !deliveredRows.isEmpty { onDelivered?(deliveredRows) }
            if !delivered.isEmpty {
                do {
                    let markStart = ContinuousClock.now
                    try await store.markOutboxSent(delivered)
                    onRound(Round(published: delivered.count, publishSeconds: publishSeconds, markSentSeconds: (ContinuousClock.now - markStart).seconds))
                } catch {
                    // The rows stay and are published again: duplicates carry the same ids.
                    logger.warning("could not mark outbox rows sent; they will be republished", metadata: ["error": "\(error)"])
                }
            }
            if let failure {
                logger.warning("publishing the outbox failed; retrying", metadata: ["error": "\(failure)", "backoff": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.maxBackoff)
            } else {
                backoff = .milliseconds(50)
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
