import BatonKafka
import Foundation
import Logging
import Testing

extension EndToEnd {
    /// The checker reads whole topics from their start; the embedded broker keeps about 5 MB per
    /// partition and drops the oldest messages beyond it without a word. A run that outgrows it
    /// reads as lost events at the head of instances (the scale-out chaos run once reported 7
    /// instances missing `workflow.started` so, with nothing lost in the store): the checker must
    /// name the cut instead.
    @Suite("Fault checker")
    struct FaultCheckerTests {
        @Test func aPartitionCutAtItsHeadByTheBrokerIsNamed() async throws {
            var logger = Logger(label: "checker-test")
            logger.logLevel = .error
            let broker = try EmbeddedBroker(brokerCount: 1, stablePort: nil, logger: logger)
            defer { broker.shutdown() }
            try broker.createTopic("cut", partitions: 1)
            try broker.createTopic("whole", partitions: 1)
            let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: EmbeddedBroker.recommendedClientProperties)
            let producer = try KafkaProducer(configuration: kafka, logger: logger)
            defer { producer.shutdown() }
            // 8 MB in 64 KB records to one partition: beyond what the mock keeps.
            let value = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
            for _ in 0..<4 {
                let records = (0..<32).map { _ in KafkaRecord(topic: "cut", key: nil, value: value) }
                for case .failure(let error) in await producer.send(records) { throw error }
            }
            for case .failure(let error) in await producer.send([KafkaRecord(topic: "whole", key: nil, value: value)]) { throw error }

            var report = FaultChecker.Report(scenario: "pruning")
            report.inspect(try await FaultChecker.readTopic(kafka: kafka, topic: "whole", idle: .seconds(1)))
            #expect(report.prunedPartitions.isEmpty)
            #expect(report.passed)
            let cut = try await FaultChecker.readTopic(kafka: kafka, topic: "cut", idle: .seconds(1))
            report.inspect(cut)
            #expect(cut.count < 128, "the mock is expected to have dropped the oldest of 128 records of 64 KB")
            #expect(report.prunedPartitions == ["cut/0@\(128 - cut.count)"])
            #expect(!report.passed)
            #expect(report.description.contains("PRUNED BY THE EMBEDDED BROKER"))
        }
    }
}
