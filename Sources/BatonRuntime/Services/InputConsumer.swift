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
    let logger: Logger
    let maxBackoff: Duration

    public init(consumer: KafkaConsumer, orchestrator: Orchestrator, logger: Logger, maxBackoff: Duration = .seconds(5)) {
        self.consumer = consumer
        self.orchestrator = orchestrator
        self.logger = logger
        self.maxBackoff = maxBackoff
    }

    public func run() async throws {
        orchestrator.setReadiness("consumer", notReadyBecause: "waiting for partition assignment")
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await self.watchAssignment() }
                try await self.consume()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.consumer.close()
        }
    }

    private func watchAssignment() async {
        while !Task.isCancelled {
            if consumer.hasAssignment {
                orchestrator.setReadiness("consumer", notReadyBecause: nil)
                return
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    private func consume() async throws {
        for await batch in consumer.batches {
            guard !batch.isEmpty else { continue }
            let inbound = batch.map { m in
                InboundMessage(topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers.map { WireHeader(key: $0.key, value: $0.value ?? []) })
            }
            var backoff = Duration.milliseconds(50)
            while true {
                do {
                    let start = ContinuousClock.now
                    _ = try await orchestrator.process(inbound)
                    orchestrator.recordTiming(process: (ContinuousClock.now - start).seconds)
                    orchestrator.setReadiness("store", notReadyBecause: nil)
                    break
                } catch {
                    guard error.isRetryable else {
                        logger.critical("store failure that retrying cannot fix; stopping", metadata: ["error": "\(error)"])
                        throw error
                    }
                    orchestrator.setReadiness("store", notReadyBecause: error.message)
                    logger.warning("store unavailable; retrying the batch", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                    if Task.isCancelled { return }
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, maxBackoff)
                }
            }
            do {
                let start = ContinuousClock.now
                try await consumer.commit(batch)
                orchestrator.recordTiming(offsetCommit: (ContinuousClock.now - start).seconds)
            } catch {
                // The batch is committed in the store: a redelivery is recognised and ignored.
                logger.warning("offset commit failed; the batch may be redelivered and will be ignored", metadata: ["error": "\(error)"])
            }
        }
    }
}
