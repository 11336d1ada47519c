import CRDKafka
import Logging
import Synchronization

/// Publishes records and tells the caller when each one is durably written, which is what the
/// transactional outbox needs before it marks a row as published.
///
/// Idempotent (`enable.idempotence=true`, `acks=all`) by default, so librdkafka's own retries
/// never duplicate or reorder records within a partition; `configuration.properties` override
/// both. A dedicated thread polls delivery reports, so no Swift task ever blocks on librdkafka.
///
/// Latency: librdkafka 2.0 holds records up to `linger.ms` (its default 5 ms) to fill batches.
/// Baton's callers (the outbox relay, workers) enqueue whole batches at once, so Baton defaults
/// `linger.ms` to 0: what is queued still goes out together, and nothing waits for more
/// (measured against the embedded broker: single-record send p50 0.08 ms at 0, 1.3 ms at 1,
/// 5.6 ms at 5). Override it in `configuration.properties`.
///
/// A delivery report counts as proof only when it carries an offset. The idempotent producer
/// sometimes reports a record delivered without one: when a batch that was sent after it is
/// acknowledged, librdkafka concludes that the earlier one was written too, because a real broker
/// refuses a batch whose sequence skips one. A broker that does not check producer sequences
/// (librdkafka 2.0.2's mock cluster, which Baton's embedded broker is) appends the later batch
/// anyway, so after a retriable produce error the earlier record may never reach the log; the
/// broker-fault scenario lost task requests exactly this way. Such a record therefore fails with
/// the retriable ``KafkaError/Code/deliveryUnconfirmed``: sending it again risks a duplicate (which
/// every Baton message's stable id lets consumers drop), never a loss. With `acks=0` no report
/// carries an offset, and none is expected.
public final class KafkaProducer: Sendable {
    private let client: RDKafkaClient
    private let topics: RDKafkaTopics
    private let running = RunFlag()
    private let pollThread: DedicatedThread
    private let isShutDown = Atomic(false)
    /// Batches still waiting for reports, so that shutdown can fail whatever can no longer arrive.
    private let inFlight = Mutex<[ObjectIdentifier: DeliveryBatch]>([:])
    private let logger: Logger

    /// Idempotent (enable.idempotence=true, acks=all) by default; `configuration.properties` override. A dedicated thread polls delivery reports.
    ///
    /// Throws when a property is unknown or invalid, naming it. Connecting happens in the
    /// background: an unreachable cluster shows up as delivery failures after
    /// `message.timeout.ms`, not here.
    public init(configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        let conf = RDKafkaConf(operation: "creating producer for \(configuration.bootstrapServers)")
        try conf.apply(configuration, defaults: [("enable.idempotence", "true"), ("acks", "all"), ("linger.ms", "0")])
        let acks = configuration.properties["acks"] ?? configuration.properties["request.required.acks"]
        if acks == "0" {
            rd_kafka_conf_set_dr_msg_cb(conf.rawValue) { client, message, _ in
                guard let message, let opaque = message.pointee._private else { return }
                KafkaProducer.deliveryReportReceived(client: client, message: message, opaque: opaque, expectsOffset: false)
            }
        } else {
            rd_kafka_conf_set_dr_msg_cb(conf.rawValue) { client, message, _ in
                guard let message, let opaque = message.pointee._private else { return }
                KafkaProducer.deliveryReportReceived(client: client, message: message, opaque: opaque, expectsOffset: true)
            }
        }
        let client = try conf.makeClient(type: RD_KAFKA_PRODUCER, context: RDKafkaClientContext(logger: logger))
        let running = self.running
        self.client = client
        self.topics = RDKafkaTopics(client: client)
        self.logger = logger
        self.pollThread = DedicatedThread(name: "baton-kafka-prod") {
            while running.isRunning {
                rd_kafka_poll(client.pointer, 100)
            }
        }
    }

    deinit {
        shutdown()
    }

    /// Returns when the delivery report arrives: the caller knows the record was durably written.
    public func send(_ record: KafkaRecord) async throws(KafkaError) -> DeliveryReport {
        try await send([record])[0].get()
    }

    /// Enqueues all, then waits for every delivery report; results are in input order. This is the hot path of the outbox relay: make it cheap (one continuation per batch, not per message, if you can).
    ///
    /// One suspension per call, whatever the batch size. When librdkafka's local queue is full
    /// the call waits (without blocking a thread) for room; if the task is cancelled meanwhile,
    /// the records not yet enqueued fail with a retriable ``KafkaError/Code/queueFull``. Records
    /// already enqueued are always awaited, so a result is never a guess.
    public func send(_ records: [KafkaRecord]) async -> [Result<DeliveryReport, KafkaError>] {
        guard !records.isEmpty else { return [] }
        let batch = DeliveryBatch(topics: records.map(\.topic))
        let id = ObjectIdentifier(batch)
        inFlight.withLock { $0[id] = batch }
        // Batches usually target one topic or a few: look each up once.
        var lastTopic: (name: String, handle: Result<OpaquePointer, KafkaError>)?
        for index in records.indices {
            let record = records[index]
            if lastTopic?.name != record.topic {
                lastTopic = (record.topic, topics.handle(for: record.topic))
            }
            switch lastTopic!.handle {
            case .success(let topic): await enqueue(record, to: topic, index: index, of: batch)
            case .failure(let error): batch.complete(index, with: .failure(error))
            }
        }
        let results = await batch.results()
        inFlight.withLock { _ = $0.removeValue(forKey: id) }
        return results
    }

    /// Sends `records`, then sends again those that failed retriably (waiting 50 ms, doubling up to
    /// `maxBackoff`) until each is delivered or has failed for good, or `keepTrying` says to stop.
    /// What a client that must not drop records does with ``deliveryUnconfirmed``, leader moves
    /// and time-outs. Returns the records not delivered, with their last error: those that failed
    /// for good, and (when it stopped early) those still failing retriably.
    public func sendUntilSettled(
        _ records: [KafkaRecord], maxBackoff: Duration = .seconds(2), keepTrying: @Sendable () -> Bool = { !Task.isCancelled }
    ) async -> [(record: KafkaRecord, error: KafkaError)] {
        var pending = records
        var settled: [(record: KafkaRecord, error: KafkaError)] = []
        var backoff = Duration.milliseconds(50)
        while !pending.isEmpty {
            var retry: [(record: KafkaRecord, error: KafkaError)] = []
            for (record, result) in zip(pending, await send(pending)) {
                guard case .failure(let error) = result else { continue }
                if error.isRetriable { retry.append((record, error)) } else { settled.append((record, error)) }
            }
            guard !retry.isEmpty else { break }
            guard keepTrying() else { return settled + retry }
            logger.debug("sending \(retry.count) record(s) again", metadata: ["error": "\(retry[0].error)", "backoff": "\(backoff)"])
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, maxBackoff)
            pending = retry.map(\.record)
        }
        return settled
    }

    /// Blocks until every enqueued record is reported or `timeout` passes; for shutdown, where
    /// blocking the calling thread briefly is acceptable.
    public func flush(timeout: Duration) throws(KafkaError) {
        let result = rd_kafka_flush(client.pointer, timeout.milliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(
                result,
                message: "\(rd_kafka_outq_len(client.pointer)) messages or requests still outstanding after \(timeout)",
                context: "flushing producer"
            )
        }
    }

    /// Flushes for at most `flushTimeout`, purges what is left (those sends fail with a
    /// retriable ``KafkaError/Code/shutDown`` error, so their outbox rows are simply sent again
    /// later), and stops the poll thread. Idempotent; later sends fail immediately. Blocks the
    /// calling thread; `deinit` calls it as a fallback, but call it explicitly at shutdown.
    public func shutdown(flushTimeout: Duration = .seconds(5)) {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else {
            pollThread.join()
            return
        }
        do {
            try flush(timeout: flushTimeout)
        } catch {
            logger.warning("Kafka producer shutting down with undelivered records", metadata: ["error": "\(error)"])
        }
        rd_kafka_purge(client.pointer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        // Serves the delivery reports of purged records.
        _ = rd_kafka_flush(client.pointer, 100)
        running.stop()
        rd_kafka_yield(client.pointer)
        pollThread.join()
        let stranded = inFlight.withLock { Array($0.values) }
        for batch in stranded {
            batch.failRemaining(with: shutDownError(context: "producing"))
        }
    }

    private func enqueue(_ record: KafkaRecord, to topic: OpaquePointer, index: Int, of batch: DeliveryBatch) async {
        while true {
            guard !isShutDown.load(ordering: .acquiring) else {
                batch.complete(index, with: .failure(shutDownError(context: "producing to \(record.topic)")))
                return
            }
            guard let error = produce(record, to: topic, opaque: batch.tickets.opaque(index)) else { return }
            if error.code == .queueFull, !Task.isCancelled {
                // librdkafka drains its queue as the broker acknowledges; wait without a thread.
                try? await Task.sleep(for: .milliseconds(2))
                continue
            }
            batch.complete(index, with: .failure(error))
            return
        }
    }

    /// Hands one record to librdkafka (which copies key, value and takes the headers).
    private func produce(_ record: KafkaRecord, to topic: OpaquePointer, opaque: UnsafeMutableRawPointer) -> KafkaError? {
        let headers = record.headers.isEmpty ? nil : RDKafkaHeaders.make(record.headers)
        let client = client.pointer
        let error: OpaquePointer? = withOptionalBytes(record.value) { value in
            withOptionalBytes(record.key) { key in
                withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 6) { values in
                    var count = 0
                    func append(_ type: rd_kafka_vtype_t, _ set: (inout rd_kafka_vu_t) -> Void) {
                        var value = rd_kafka_vu_t()
                        value.vtype = type
                        set(&value)
                        values.initializeElement(at: count, to: value)
                        count += 1
                    }
                    append(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
                    append(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                    append(RD_KAFKA_VTYPE_VALUE) {
                        $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value?.baseAddress)
                        $0.u.mem.size = value?.count ?? 0
                    }
                    if let key {
                        append(RD_KAFKA_VTYPE_KEY) {
                            $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                            $0.u.mem.size = key.count
                        }
                    }
                    if let headers {
                        append(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers }
                    }
                    append(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                    return rd_kafka_produceva(client, values.baseAddress, count)
                }
            }
        }
        guard let error else { return nil }
        // On failure the headers are still ours.
        if let headers { rd_kafka_headers_destroy(headers) }
        return .consuming(error, context: "producing to \(record.topic)")
    }

    private func shutDownError(context: String) -> KafkaError {
        KafkaError(
            code: .shutDown,
            message: "the producer was shut down before the broker acknowledged the record",
            isRetriable: true,
            context: context
        )
    }

    /// Runs on the poll thread (inside `rd_kafka_poll` or `rd_kafka_flush`).
    private static func deliveryReportReceived(
        client: OpaquePointer?,
        message: UnsafePointer<rd_kafka_message_t>,
        opaque: UnsafeMutableRawPointer,
        expectsOffset: Bool
    ) {
        let ticket = opaque.assumingMemoryBound(to: DeliveryTicket.self).pointee
        let batch = ticket.batch.takeUnretainedValue()
        let topic = batch.topics[ticket.index]
        let code = message.pointee.err
        let result: Result<DeliveryReport, KafkaError>
        if code == RD_KAFKA_RESP_ERR_NO_ERROR, message.pointee.offset >= 0 || !expectsOffset {
            result = .success(DeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset))
        } else if code == RD_KAFKA_RESP_ERR_NO_ERROR {
            result = .failure(KafkaError(
                code: .deliveryUnconfirmed,
                message: "partition \(message.pointee.partition) reported the record delivered without an offset, so it may not be on the topic; send it again",
                isRetriable: true,
                context: "producing to \(topic)"
            ))
        } else if code == RD_KAFKA_RESP_ERR__FATAL, let client {
            result = .failure(.fatal(client: client, context: "producing to \(topic)"))
        } else {
            result = .failure(KafkaError(code, context: "producing to \(topic)"))
        }
        batch.complete(ticket.index, with: result)
    }
}
