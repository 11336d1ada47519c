import ArgumentParser
import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import Foundation
import Logging
import Synchronization

/// The raw-component baselines `make bench` divides Baton's rates by.
extension BenchCommand {
    /// The best a raw librdkafka consume → produce forwarder does on the same embedded broker and
    /// message size: it never waits for a batch before taking the next (up to 64 batches in
    /// flight), its idempotent producer batches with `linger.ms` 5, and each batch's offsets are
    /// committed (in order, not awaited) once its delivery reports are in. A feeder produces the
    /// input meanwhile, held at most 20,000 messages ahead of the forwarder, because the embedded
    /// broker keeps only ~5 MB per partition and would prune what is not read yet. Returns
    /// forwards/s, from the first message fed to the last one counted on the output topic.
    func measurePipelinedForwarder(broker: EmbeddedBroker, kafka: KafkaConfiguration, messages: Int, payload: JSONValue, logger: Logger) async throws -> Double {
        try broker.createTopic("bench.pipe.in", partitions: partitions)
        try broker.createTopic("bench.pipe.out", partitions: partitions)
        var lingering = kafka
        lingering.properties["linger.ms"] = "5"
        let feeder = try KafkaProducer(configuration: lingering, logger: logger)
        let producer = try KafkaProducer(configuration: lingering, logger: logger)
        defer {
            feeder.shutdown()
            producer.shutdown()
        }
        let value = TaskRequestCodec.encode(
            TaskDispatch(taskId: "x.1", instanceId: "00000000-0000-0000-0000-000000000000", workflowId: "bench", workflowVersion: 1, stepId: "s1", taskType: "bench.echo", attempt: 1, input: payload, scheduledAt: Timestamp(milliseconds: 0)),
            topics: TopicNames()
        ).value
        let forwarder = try KafkaConsumer(configuration: kafka, options: .init(groupId: "bench-pipe-forwarder", topics: ["bench.pipe.in"], maxBatchSize: 2000), logger: logger)
        let counter = try KafkaConsumer(configuration: kafka, options: .init(groupId: "bench-pipe-counter", topics: ["bench.pipe.out"], maxBatchSize: 2000), logger: logger)
        defer {
            forwarder.close()
            counter.close()
        }
        let forwarded = ForwardedCount()
        let feed: @Sendable () async throws -> Void = {
            let chunk = 5_000
            var fed = 0
            var sends: [Task<Void, Never>] = []
            while fed < messages {
                while fed - forwarded.value > 20_000 { try await Task.sleep(for: .milliseconds(1)) }
                let records = (fed..<min(messages, fed + chunk)).map { i in KafkaRecord(topic: "bench.pipe.in", key: Array("k\(i % 1000)".utf8), value: value) }
                fed += records.count
                sends.append(Task { _ = await feeder.send(records) })
                if sends.count > 4 { await sends.removeFirst().value }
            }
            for send in sends { await send.value }
        }
        let forward: @Sendable () async throws -> Void = {
            var inFlight: [Task<Void, Never>] = []
            for await batch in forwarder.batches {
                let out = batch.map { KafkaRecord(topic: "bench.pipe.out", key: $0.key, value: $0.value, headers: $0.headers) }
                let previous = inFlight.last
                inFlight.append(Task {
                    _ = await producer.send(out)
                    forwarded.add(out.count)
                    // Offsets in batch order: a later batch's commit never lands before an earlier one's.
                    await previous?.value
                    forwarder.enqueueCommit(batch) { _ in }
                })
                if inFlight.count > 64 { await inFlight.removeFirst().value }
            }
        }
        return try await forwardingRate(
            forwarder: forwarder, counter: counter, messages: messages, limit: .seconds(120), name: "pipelined baseline forwarder", work: [feed, forward]
        )
    }

    /// The old baseline: forwards `messages` pre-loaded records, waiting for each batch's delivery
    /// reports and a synchronous offset commit before it takes the next batch. Kept as a second,
    /// labelled line: it is what a naive consume-produce loop does, not what librdkafka can do.
    func measureLockStepForwarder(broker: EmbeddedBroker, kafka: KafkaConfiguration, messages: Int, payload: JSONValue, logger: Logger) async throws -> Double {
        try broker.createTopic("bench.in", partitions: partitions)
        try broker.createTopic("bench.out", partitions: partitions)
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        defer { producer.shutdown() }
        let value = TaskRequestCodec.encode(
            TaskDispatch(taskId: "x.1", instanceId: "00000000-0000-0000-0000-000000000000", workflowId: "bench", workflowVersion: 1, stepId: "s1", taskType: "bench.echo", attempt: 1, input: payload, scheduledAt: Timestamp(milliseconds: 0)),
            topics: TopicNames()
        ).value
        let records = (0..<messages).map { i in KafkaRecord(topic: "bench.in", key: Array("k\(i % 1000)".utf8), value: value) }
        for case .failure(let error) in await producer.send(records) { throw error }

        let forwarder = try KafkaConsumer(configuration: kafka, options: .init(groupId: "bench-forwarder", topics: ["bench.in"]), logger: logger)
        let counter = try KafkaConsumer(configuration: kafka, options: .init(groupId: "bench-counter", topics: ["bench.out"]), logger: logger)
        defer {
            forwarder.close()
            counter.close()
        }
        let forward: @Sendable () async throws -> Void = {
            for await batch in forwarder.batches {
                let out = batch.map { KafkaRecord(topic: "bench.out", key: $0.key, value: $0.value, headers: $0.headers) }
                _ = await producer.send(out)
                try await forwarder.commit(batch)
            }
        }
        return try await forwardingRate(forwarder: forwarder, counter: counter, messages: messages, limit: .seconds(60), name: "lock-step baseline forwarder", work: [forward])
    }

    /// Runs `work` (feeding and forwarding) beside a count of the output topic, once both
    /// consumers have their partitions, and returns messages/s from then until the `messages`-th
    /// message is counted. Gives up after `limit`.
    private func forwardingRate(
        forwarder: KafkaConsumer, counter: KafkaConsumer, messages: Int, limit: Duration, name: String, work: [@Sendable () async throws -> Void]
    ) async throws -> Double {
        let joined = ContinuousClock.now + .seconds(30)
        while !(forwarder.hasAssignment && counter.hasAssignment) && ContinuousClock.now < joined { try await Task.sleep(for: .milliseconds(10)) }
        let start = ContinuousClock.now
        return try await withThrowingTaskGroup(of: Double?.self) { group in
            for job in work {
                group.addTask {
                    try await job()
                    return nil
                }
            }
            group.addTask {
                var seen = 0
                for await batch in counter.batches {
                    seen += batch.count
                    if seen >= messages { return Double(messages) / (ContinuousClock.now - start).benchSeconds }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: limit)
                throw ValidationError("\(name) timed out after \(limit)")
            }
            while let result = try await group.next() {
                if let rate = result {
                    group.cancelAll()
                    forwarder.close()
                    counter.close()
                    return rate
                }
            }
            throw ValidationError("\(name) ended early")
        }
    }
}

/// Messages the pipelined forwarder has forwarded, read by its feeder to stay ahead of it by a bound.
final class ForwardedCount: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add(_ n: Int) { count.add(n, ordering: .relaxed) }
}
