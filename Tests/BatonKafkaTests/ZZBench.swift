import Testing
import Foundation
@testable import BatonKafka

@Suite struct ZZBench {
    @Test func bench() async throws {
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        let topic = TestSupport.unique("bench")
        try broker.createTopic(topic, partitions: 4)
        let producer = try KafkaProducer(configuration: TestSupport.configuration(broker.bootstrapServers, properties: ["linger.ms": ProcessInfo.processInfo.environment["LINGER"] ?? "5"]), logger: TestSupport.logger)
        let value = [UInt8](repeating: 65, count: 200)
        let records = (0..<100_000).map { KafkaRecord(topic: topic, key: Array("k\($0 % 100)".utf8), value: value) }
        let s0 = ContinuousClock.now
        _ = try await producer.send(KafkaRecord(topic: topic, key: nil, value: value))
        print("BENCH first single send \(ContinuousClock.now - s0)")
        for round in 0..<3 {
            let start = ContinuousClock.now
            let results = await producer.send(records)
            let elapsed = ContinuousClock.now - start
            print("BENCH produce round \(round): \(results.count) in \(elapsed) = \(Double(results.count) / (Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))) msg/s")
        }
        // small batches latency
        var lat: [Duration] = []
        for _ in 0..<200 {
            let s = ContinuousClock.now
            _ = try await producer.send(KafkaRecord(topic: topic, key: nil, value: value))
            lat.append(ContinuousClock.now - s)
        }
        lat.sort()
        print("BENCH single send p50 \(lat[100]) p99 \(lat[198])")
        let consumer = try TestSupport.consumer(broker.bootstrapServers, group: "bench", topics: [topic])
        var start = ContinuousClock.now
        var n = 0
        var firstAt: ContinuousClock.Instant?
        let total = try KafkaAdmin.listTopics(configuration: TestSupport.configuration(broker.bootstrapServers), timeout: .seconds(5))
        _ = total
        var it = consumer.batches.makeAsyncIterator()
        while true {
            let b = try await TestSupport.withDeadline(firstAt == nil ? .seconds(10) : .seconds(2), "x \(n) polled \(consumer.polledMessageCount)") { [consumer] in var i = consumer.batches.makeAsyncIterator(); return await i.next() ?? [] }
            if firstAt == nil { firstAt = .now; start = .now }
            if b.isEmpty { break }
            n += b.count
            if n >= 90_000 { break }
        }
        _ = it
        let elapsed = ContinuousClock.now - start
        print("BENCH consume \(n) in \(elapsed)")
        consumer.close()
        producer.shutdown()
    }
}
