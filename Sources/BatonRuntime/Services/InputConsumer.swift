import BatonKafka
import BatonMessages
import BatonStore
import Logging
import ServiceLifecycle

/// Consumes the trigger and task-result topics and feeds each polled batch to the orchestrator as
/// one transaction; commits the Kafka offsets only after that transaction committed.
///
/// A store that fails (read-only, full, locked) makes the consumer stop and retry the same batch
/// with back-off, reporting not-ready meanwhile: nothing is skipped and nothing is applied twice.
public final class InputConsumer: Service {
    let consumer: KafkaConsumer
    let orchestrator: Orchestrator
    let readiness: Readiness
    let logger: Logger
    let maxBackoff: Duration

    /// - Parameter readiness: where the consumer reports what keeps it from working (no partition
    ///   assignment yet, a failing store) and when that clears.
    public init(consumer: KafkaConsumer, orchestrator: Orchestrator, readiness: Readiness, logger: Logger, maxBackoff: Duration = .seconds(5)) {
        self.consumer = consumer
        self.orchestrator = orchestrator
        self.readiness = readiness
        self.logger = logger
        self.maxBackoff = maxBackoff
    }

    public func run() async throws {
        readiness.set("consumer", notReadyBecause: "waiting for partition assignment")
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await self.watchAssignment() }
                try await self.consume()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.consumer.beginClose()
        }
    }

    private func watchAssignment() async {
        while !Task.isCancelled {
            if consumer.hasAssignment {
                readiness.set("consumer", notReadyBecause: nil)
                return
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A batch decided and queued for its commit, kept until that commit is known to have worked.
    private struct InFlight {
        var batch: [KafkaMessage]
        var inbound: [InboundMessage]
        var ticket: CommitTicket
    }

    /// Two batches deep: batch N+1 is decided while batch N is written and fsynced. A failed
    /// commit fails the batch decided on it as well (see `CommitPipeline`); both are then processed
    /// again, one at a time, with back-off, until the store takes them.
    private func consume() async throws {
        var inFlight: InFlight?
        for await batch in consumer.batches {
            guard !batch.isEmpty else {
                // Idle: settle the batch in flight now, so a failed commit is retried (and
                // readiness reported) without waiting for more input that may never come.
                if let previous = inFlight {
                    inFlight = nil
                    if case .failure(let error) = await previous.ticket.result {
                        try await reportFailure(error)
                        try await processUntilCommitted(previous)
                    } else {
                        readiness.set("store", notReadyBecause: nil)
                    }
                }
                continue
            }
            let inbound = batch.map { m in
                InboundMessage(
                    topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, value: m.value,
                    headers: m.headers.map { WireHeader(key: $0.key, value: $0.value ?? []) }, receivedAt: m.polledAt, lostOffsets: m.lostOffsets
                )
            }
            var current: InFlight?
            do {
                current = InFlight(batch: batch, inbound: inbound, ticket: try await submit(batch, inbound, requires: inFlight?.ticket))
            } catch {
                // Reading state failed while deciding: settle the batch before, then retry this one.
                current = nil
            }
            if let previous = inFlight {
                inFlight = nil
                if case .failure(let error) = await previous.ticket.result {
                    // `current` was decided on the failed batch's state and fails too: redo both.
                    if let current { _ = await current.ticket.result }
                    try await reportFailure(error)
                    try await processUntilCommitted(previous)
                    try await processUntilCommitted(batch, inbound)
                    continue
                }
                readiness.set("store", notReadyBecause: nil)
            }
            if let current {
                inFlight = current
            } else {
                try await processUntilCommitted(batch, inbound)
            }
        }
        if let last = inFlight, case .failure = await last.ticket.result {
            logger.info("the last batch did not commit before shutdown; it will be consumed again")
        }
    }

    private func submit(_ batch: [KafkaMessage], _ inbound: [InboundMessage], requires: CommitTicket? = nil) async throws(StoreError) -> CommitTicket {
        let start = ContinuousClock.now
        let ticket = try await orchestrator.submit(inbound, requires: requires) { [consumer, orchestrator, logger] in
            Failpoint.afterStoreCommit.reached()
            // Queued, not awaited: the next transaction need not wait for the coordinator's round
            // trip. Commits still land in batch order, each after its batch is durable.
            let queued = ContinuousClock.now
            consumer.enqueueCommit(batch) { result in
                orchestrator.statistics.recordTiming(offsetCommit: (ContinuousClock.now - queued).seconds)
                if case .failure(let error) = result {
                    // The batch is committed in the store: a redelivery is recognised and ignored.
                    logger.warning("offset commit failed; the batch may be redelivered and will be ignored", metadata: ["error": "\(error)"])
                }
            }
        }
        orchestrator.statistics.recordTiming(process: (ContinuousClock.now - start).seconds)
        return ticket
    }

    private func processUntilCommitted(_ inFlight: InFlight) async throws {
        try await processUntilCommitted(inFlight.batch, inFlight.inbound)
    }

    /// Decides and commits one batch, retrying with back-off while the store fails; not-ready meanwhile.
    private func processUntilCommitted(_ batch: [KafkaMessage], _ inbound: [InboundMessage]) async throws {
        var backoff = Backoff(maximum: maxBackoff)
        while true {
            do {
                try await submit(batch, inbound).wait()
                readiness.set("store", notReadyBecause: nil)
                return
            } catch {
                try await reportFailure(error)
                if Task.isCancelled { return }
                await backoff.pause()
            }
        }
    }

    private func reportFailure(_ error: StoreError) async throws {
        guard error.isRetryable else {
            logger.critical("store failure that retrying cannot fix; stopping", metadata: ["error": "\(error)"])
            throw error
        }
        if error.code == .stale {
            // Another writer moved an instance on: an expected outcome with several writers, not
            // a store outage; the batch is decided again at once.
            logger.info("an instance changed under this batch; deciding it again", metadata: ["error": "\(error)"])
            return
        }
        readiness.set("store", notReadyBecause: error.message)
        logger.warning("store unavailable; retrying the batch", metadata: ["error": "\(error)"])
    }
}
