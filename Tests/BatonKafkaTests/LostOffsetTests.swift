@testable import BatonKafka
import Foundation
import Testing

/// Retention deleting what a group has not read yet must be loud: librdkafka's
/// `auto.offset.reset=earliest` jumps over the gap with one warning line. With
/// `reportsLostOffsets` the batch holds a marker of the lost offsets, then the oldest message the
/// broker still has. The embedded broker keeps ~5 MB per partition, so 100 records of 64 KiB push
/// the log start past a committed offset.
@Suite("Offsets lost to retention", .serialized, .timeLimit(.minutes(2)))
struct LostOffsetTests {
    func consumer(_ broker: EmbeddedBroker, group: String, topic: String) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: TestSupport.configuration(broker.bootstrapServers),
            options: .init(groupId: group, topics: [topic], sessionTimeout: .seconds(6), reportsLostOffsets: true),
            logger: TestSupport.logger
        )
    }

    @Test func aCommittedOffsetDeletedByRetentionIsReportedAsAGapBeforeTheOldestMessage() async throws {
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        defer { broker.shutdown() }
        let topic = TestSupport.unique("lost")
        try broker.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: TestSupport.configuration(broker.bootstrapServers), logger: TestSupport.logger)
        defer { producer.shutdown() }
        for case .failure(let error) in await producer.send((0..<10).map { KafkaRecord(topic: topic, key: nil, value: TestSupport.bytes("m\($0)")) }) { throw error }

        // The group reads and commits 0...4, then goes away.
        let group = TestSupport.unique("lost-group")
        do {
            let first = try consumer(broker, group: group, topic: topic)
            let read = try await TestSupport.collect(first, count: 5)
            #expect(read.allSatisfy { $0.lostOffsets == nil })
            try await first.commit(Array(read.filter { $0.offset <= 4 }))
            first.close()
        }

        // Retention moves the log start past offset 5 while nobody reads.
        let large = [UInt8](repeating: 0x78, count: 64 * 1024)
        for chunk in 0..<10 {
            for case .failure(let error) in await producer.send((0..<10).map { _ in KafkaRecord(topic: topic, key: nil, value: large) }) { throw error }
            _ = chunk
        }

        let second = try consumer(broker, group: group, topic: topic)
        defer { second.close() }
        let read = try await TestSupport.collect(second, count: 2)
        let marker = try #require(read.first)
        let lost = try #require(marker.lostOffsets, "the first item is not a gap marker: \(marker.offset)")
        #expect(lost.lowerBound == 5)
        #expect(lost.upperBound > 10)
        #expect(marker.offset == lost.upperBound - 1)
        #expect(marker.value.isEmpty && marker.key == nil)
        #expect(read[1].lostOffsets == nil)
        #expect(read[1].offset == lost.upperBound, "reading resumes at the oldest offset the broker has")
        print("lost to retention: offsets \(lost.lowerBound)...\(lost.upperBound - 1) reported; reading resumed at \(read[1].offset)")

        // A group with no committed offset starts at the oldest message: nothing is lost to it.
        let fresh = try consumer(broker, group: TestSupport.unique("fresh-group"), topic: topic)
        defer { fresh.close() }
        let start = try await TestSupport.collect(fresh, count: 1)
        #expect(start[0].lostOffsets == nil)
        #expect(start[0].offset == lost.upperBound)
    }

    /// A new group has no committed offsets: each partition starts at the beginning once. Under
    /// the eager protocol a restart assigns every partition again; empty ones must keep the start
    /// decided for them, or they would fail again and restart each other for ever.
    @Test func aNewGroupOnEmptyPartitionsStartsEachOnceAndReadsWhatArrives() async throws {
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        defer { broker.shutdown() }
        let topic = TestSupport.unique("fresh")
        try broker.createTopic(topic, partitions: 4)
        let fresh = try consumer(broker, group: TestSupport.unique("fresh-group"), topic: topic)
        defer { fresh.close() }
        let joined = ContinuousClock.now + .seconds(30)
        while !fresh.hasAssignment, ContinuousClock.now < joined { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .seconds(2))
        // The first restart gives every partition without a position an explicit start, so the
        // others need none (without that: 6 to 10 restarts measured, each re-assigning all four).
        let settled = fresh.offsetRestarts
        #expect(settled >= 1 && settled <= 4, "\(settled) restarts for 4 partitions")
        print("new group on 4 empty partitions: \(settled) restart(s)")
        try await Task.sleep(for: .seconds(1))
        #expect(fresh.offsetRestarts == settled, "restarts go on: \(fresh.offsetRestarts)")
        let producer = try KafkaProducer(configuration: TestSupport.configuration(broker.bootstrapServers), logger: TestSupport.logger)
        defer { producer.shutdown() }
        let records = (0..<8).map { KafkaRecord(topic: topic, key: TestSupport.bytes("k\($0)"), value: TestSupport.bytes("v\($0)")) }
        for case .failure(let error) in await producer.send(records) { throw error }
        let read = try await TestSupport.collect(fresh, count: 8)
        #expect(read.count == 8)
        #expect(read.allSatisfy { $0.lostOffsets == nil })
        #expect(fresh.offsetRestarts == settled)
    }
}
