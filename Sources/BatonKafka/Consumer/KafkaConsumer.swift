import CRDKafka
import Logging
import Synchronization

/// A consumer group member that hands batches to Baton and commits only what Baton has stored.
///
/// Offsets are never committed automatically: Baton commits after its store transaction, so a
/// crash between the two re-delivers messages (which the store de-duplicates) instead of losing
/// them. A dedicated thread polls librdkafka; another runs synchronous commits in order.
public final class KafkaConsumer: Sendable {
    let client: RDKafkaClient
    private let buffer: BatchBuffer
    private let running = RunFlag()
    private let pollThread: DedicatedThread
    private let committer: SerialBlockingWorker
    private let isClosed = Atomic(false)
    /// A close gave up waiting; later ones (`deinit`) do not wait again.
    private let isAbandoned = Atomic(false)
    private let groupId: String
    private let logger: Logger
    private let resets: OffsetReset?
    /// Topics paused by `pause(topics:)`; shared with the poll thread and the rebalance callback.
    var paused: PausedTopics { client.context.paused }

    /// enable.auto.commit=false and enable.auto.offset.store=false: Baton commits only after its store transaction.
    ///
    /// Throws when a property is unknown or invalid (naming it) or when the subscription is
    /// rejected. Joining the group happens in the background; see ``hasAssignment``.
    public init(configuration: KafkaConfiguration, options: Options, logger: Logger) throws(KafkaError) {
        let operation = "creating consumer for group \(options.groupId)"
        let sessionMs = max(1, Int(options.sessionTimeout.milliseconds))
        let conf = RDKafkaConf(operation: operation)
        try conf.apply(configuration, defaults: [
            ("group.id", options.groupId),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            // With lost offsets reported, librdkafka hands every reset to the poll thread (see
            // OffsetReset) instead of jumping to the oldest offset with one warning line.
            ("auto.offset.reset", options.reportsLostOffsets ? "error" : options.autoOffsetReset),
            ("session.timeout.ms", String(sessionMs)),
            // Three heartbeats per session, as Kafka recommends, but no slower than librdkafka's default.
            ("heartbeat.interval.ms", String(max(1, min(3000, sessionMs / 3)))),
        ])
        RebalanceCallback.install(on: conf)
        let client = try conf.makeClient(type: RD_KAFKA_CONSUMER, context: RDKafkaClientContext(logger: logger))
        // Serve rebalances, errors and logs from the same queue as messages, on the poll thread.
        rd_kafka_poll_set_consumer(client.pointer)
        try Self.subscribe(client, to: options.topics, operation: operation)

        let buffer = BatchBuffer(capacity: 1)
        let running = self.running
        let maxBatchSize = max(1, options.maxBatchSize)
        let idleBatches = options.deliversIdleBatches
        let resets = options.reportsLostOffsets ? OffsetReset(startAtEnd: options.autoOffsetReset == "latest", groupId: options.groupId, logger: logger) : nil
        self.client = client
        self.resets = resets
        self.buffer = buffer
        self.groupId = options.groupId
        self.logger = logger
        self.committer = SerialBlockingWorker(name: "baton-kafka-cmt")
        let paused = client.context.paused
        self.pollThread = DedicatedThread(name: "baton-kafka-cons") {
            Self.pollLoop(client: client, buffer: buffer, running: running, maxBatchSize: maxBatchSize, idleBatches: idleBatches, resets: resets, paused: paused, logger: logger)
        }
    }

    deinit {
        close()
    }

    /// Batches polled on a dedicated thread (rd_kafka_consume_batch_queue or repeated consumer_poll with a short timeout, up to maxBatchSize). Back-pressure: the thread does not poll the next batch until the previous one has been taken by the iterator (bounded buffer of 1–2 batches). Iteration ends after close(). Only one iterator.
    ///
    /// While the application holds on to a batch, the poll thread waits, so a slow application
    /// also delays rebalances (as a slow `poll()` loop does in any Kafka client); keep batches
    /// small enough to process well within `max.poll.interval.ms` (default 5 minutes).
    public var batches: KafkaMessageBatches {
        KafkaMessageBatches(buffer: buffer)
    }

    /// True once the group has assigned partitions (for /readyz).
    public var hasAssignment: Bool {
        client.context.assignedPartitionCount.load(ordering: .acquiring) > 0
    }

    /// Partitions restarted after a reset (see `OffsetReset`); lets tests check that they settle.
    var offsetRestarts: Int { resets?.restarts.load(ordering: .relaxed) ?? 0 }

    /// Messages taken out of librdkafka so far; lets tests verify back-pressure.
    var polledMessageCount: Int {
        buffer.polledMessageCount.load(ordering: .relaxed)
    }

    /// Commits, per topic-partition, the highest offset + 1 among `messages`. Synchronous commit done off the cooperative pool.
    ///
    /// Returns once the group coordinator has stored the offsets. Commits run one at a time in
    /// call order, so a later commit never lands before an earlier one.
    public func commit(_ messages: [KafkaMessage]) async throws(KafkaError) {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, KafkaError>, Never>) in
            enqueueCommit(messages) { continuation.resume(returning: $0) }
        }
        try result.get()
    }

    /// Queues a commit of `messages`' offsets behind the earlier ones and returns at once;
    /// `completion` receives the outcome on the committer thread.
    ///
    /// For callers that must not wait a broker round trip per batch: Baton's input consumer
    /// queues each batch's offsets once its store transaction is durable and goes on with the
    /// next batch. Order still holds (commits reach the coordinator in call order), and a crash
    /// before a queued commit lands only redelivers messages the store already recorded.
    public func enqueueCommit(_ messages: [KafkaMessage], completion: @escaping @Sendable (Result<Void, KafkaError>) -> Void) {
        var next: [TopicPartition: Int64] = [:]
        for message in messages {
            let key = TopicPartition(topic: message.topic, partition: message.partition)
            next[key] = max(next[key] ?? Int64.min, message.offset + 1)
        }
        guard !next.isEmpty else {
            completion(.success(()))
            return
        }
        let offsets = next.sorted { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }
        let client = client
        let context = "committing offsets for group \(groupId)"
        let accepted = committer.submit {
            completion(Self.commitSync(offsets, client: client, context: context))
        }
        if !accepted {
            completion(.failure(KafkaError(code: .shutDown, message: "the consumer is closed", isRetriable: false, context: context)))
        }
    }

    /// Leaves the group cleanly (`rd_kafka_consumer_close`) so its partitions move to other
    /// members at once instead of after the session timeout. Pending commits finish first.
    /// Blocks the calling thread for the LeaveGroup round trip, at most `timeout`. Idempotent.
    ///
    /// librdkafka 2.0.2 never finishes closing a consumer whose group coordinator has gone away
    /// for good (issue #4519), and a close also runs from `deinit`, on whatever thread lets go of
    /// the consumer last, possibly one of the cooperative pool's few. So after `timeout` the
    /// close is abandoned: logged, the librdkafka handle left to its own thread (leaked, never
    /// freed while in use), and the caller goes on.
    public func close(timeout: Duration = .seconds(10)) {
        let first = !isClosed.exchange(true, ordering: .acquiringAndReleasing)
        guard !isAbandoned.load(ordering: .acquiring) else { return }
        let start = ContinuousClock.now
        let committed = first ? committer.stop(timeout: timeout) : true
        if first {
            running.stop()
            buffer.finish()
        }
        let left = ContinuousClock.now - start
        guard pollThread.join(timeout: max(.milliseconds(1), timeout - left)), committed else {
            isAbandoned.store(true, ordering: .releasing)
            logger.error(
                "Kafka consumer did not finish closing; abandoning its client (the group coordinator is probably unreachable)",
                metadata: ["group": "\(groupId)", "timeout": "\(timeout)"]
            )
            return
        }
    }

    /// Starts ``close(timeout:)`` on a thread of its own and returns at once, for callers that
    /// must not block (a graceful-shutdown handler runs on the cooperative pool). The batch
    /// sequence ends once the pending commits are done and polling stops.
    public func beginClose() {
        _ = DedicatedThread(name: "baton-kafka-cls") { [self] in close() }
    }

    // MARK: Internals

    struct TopicPartition: Hashable {
        var topic: String
        var partition: Int32
    }

    private static func subscribe(_ client: RDKafkaClient, to topics: [String], operation: String) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(clamping: topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        }
        let code = rd_kafka_subscribe(client.pointer, list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code, message: "subscribing to \(topics): \(String(cString: rd_kafka_err2str(code)))", context: operation)
        }
    }

    /// Runs on the committer thread.
    private static func commitSync(
        _ offsets: [(key: TopicPartition, value: Int64)],
        client: RDKafkaClient,
        context: String
    ) -> Result<Void, KafkaError> {
        let list = rd_kafka_topic_partition_list_new(Int32(clamping: offsets.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (key, offset) in offsets {
            rd_kafka_topic_partition_list_add(list, key.topic, key.partition).pointee.offset = offset
        }
        let code = rd_kafka_commit(client.pointer, list, 0)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            return .failure(KafkaError(code, context: context))
        }
        for index in 0..<Int(list.pointee.cnt) where list.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let element = list.pointee.elems[index]
            return .failure(KafkaError(element.err, context: "\(context) (\(String(cString: element.topic))/\(element.partition))"))
        }
        return .success(())
    }

    /// The poll thread: reserve a buffer slot, poll up to `maxBatchSize` messages (the first
    /// with a short wait, the rest only if already fetched), hand them over; finally leave the
    /// group from this same thread, which serves the revoke callback.
    private static func pollLoop(
        client: RDKafkaClient,
        buffer: BatchBuffer,
        running: RunFlag,
        maxBatchSize: Int,
        idleBatches: Bool,
        resets: OffsetReset?,
        paused: PausedTopics,
        logger: Logger
    ) {
        var batch: [KafkaMessage] = []
        batch.reserveCapacity(maxBatchSize)
        while running.isRunning {
            if let change = paused.takeChange() { applyPause(change, client: client.pointer) }
            guard buffer.reserveSlot(timeout: .milliseconds(100)) else { continue }
            var timeout: Int32 = 100
            while batch.count < maxBatchSize, running.isRunning, let message = rd_kafka_consumer_poll(client.pointer, timeout) {
                timeout = 0
                defer { rd_kafka_message_destroy(message) }
                let code = message.pointee.err
                if code == RD_KAFKA_RESP_ERR_NO_ERROR {
                    batch.append(KafkaMessage(message))
                } else if code == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET, let resets {
                    if let marker = resets.handle(message, client: client.pointer) { batch.append(marker) }
                } else if code != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    let detail = KafkaError(code, message: String(cString: rd_kafka_message_errstr(message)), context: "consuming")
                    logger.warning("Kafka consumer error", metadata: ["error": "\(detail)"])
                }
            }
            if batch.isEmpty && !idleBatches {
                buffer.releaseSlot()
            } else {
                buffer.deliver(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        buffer.finish()
        let code = rd_kafka_consumer_close(client.pointer)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("Kafka consumer did not leave its group cleanly", metadata: ["error": "\(KafkaError(code, context: "closing consumer"))"])
        }
        client.context.assignedPartitionCount.store(0, ordering: .releasing)
    }
}
