import ArgumentParser
import BatonCore
import BatonExpressions
import BatonKafka
import BatonMessages
import BatonServer
import Foundation

/// `baton bench --waiting 1000,1000000`: memory and step rate with many instances parked on a
/// long `wait` step. Waiting instances cost the store rows and a timer each, but must cost the
/// process nothing beyond its byte-bounded instance cache; the rate of new work on top of them
/// must not fall with their number either (due-timer scans read an index, not every instance).
extension BenchCommand {
    static let waitingDefinition = """
        id: bench-wait
        triggers: [{ type: bench.wait }]
        steps:
          - {id: hold, type: wait, duration: 24h}
        """

    /// For each count in turn (cumulative), starts waiting instances up to it in chunks, then
    /// measures this process's RSS and a sustained step rate of the step workflow beside them.
    func runWaiting(app: BatonApplication, producer: KafkaProducer, payload: JSONValue, counts: [Int]) async throws {
        _ = try await app.orchestrator.registerDefinition(text: Self.waitingDefinition)
        var parked = 0
        var firstRate: Double?
        for target in counts.sorted() {
            let start = ContinuousClock.now
            while parked < target {
                // Chunks small enough that the embedded broker (which prunes unconsumed data past
                // ~5 MB a partition) never drops a trigger before Baton reads it.
                let chunk = min(10_000, target - parked)
                let before = app.orchestrator.counters.instancesStarted
                try await publishWaitTriggers(count: chunk, from: parked, producer: producer)
                parked += chunk
                try await waitUntil(app: app, started: before + chunk)
                // Started means committed; their lifecycle events are still in the outbox. Wait for
                // the relay too, or the new work measured below queues behind a backlog of them.
                try await waitForOutbox(app: app)
            }
            let filling = (ContinuousClock.now - start).benchSeconds
            try await Task.sleep(for: .seconds(2))
            let idle = Self.memory()
            let sustained = try await runSustained(app: app, producer: producer, payload: payload)
            let busy = Self.memory()
            let ratio = firstRate.map { sustained.stepsPerSecond / $0 } ?? 1
            if firstRate == nil { firstRate = sustained.stepsPerSecond }
            print(String(
                format: "waiting   %d instances on a 24 h wait (started in %.1f s): RSS %.0f MB idle, %.0f MB under load (peak %.0f MB); new work on top: %.0f task steps/s for %.1f s (%.2f × the rate with the fewest waiting)",
                target, filling, idle.rss, busy.rss, busy.peak, sustained.stepsPerSecond, sustained.seconds, ratio))
        }
        print("RSS is the whole bench process: Baton, the embedded broker (its logs, pruned past ~5 MB a partition) and the worker")
        print("targets: RSS ≤ 512 MB with 1,000,000 waiting; the step rate within 10% of the rate with 1,000 waiting")
    }

    /// Waits until Baton's count of started instances reaches `started`, for at most 120 s.
    private func waitUntil(app: BatonApplication, started: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while app.orchestrator.counters.instancesStarted < started {
            if ContinuousClock.now > deadline {
                throw ValidationError("waiting instances did not start in 120 s: \(app.orchestrator.counters.instancesStarted) of \(started)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func waitForOutbox(app: BatonApplication) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while try await app.store.outboxCount() > 0 {
            if ContinuousClock.now > deadline { throw ValidationError("the outbox did not drain in 300 s: \(try await app.store.outboxCount()) rows left") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func publishWaitTriggers(count: Int, from first: Int, producer: KafkaProducer) async throws {
        let topics = TopicNames()
        let records = (first..<(first + count)).map { i in
            let event = CloudEvent(id: "wait-\(i)", source: "bench-wait-\(getpid())", type: "bench.wait", data: ["n": .number(Double(i))])
            let wire = CloudEventCodec.encodeStructured(event, topic: topics.triggers, key: Array("wait-\(i)".utf8))
            return KafkaRecord(topic: wire.topic, key: wire.key, value: wire.value)
        }
        for case .failure(let error) in await producer.send(records) { throw error }
    }
}
