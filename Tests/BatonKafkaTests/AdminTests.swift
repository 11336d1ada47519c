import Testing

@testable import BatonKafka

@Suite("Admin")
struct AdminTests {
    @Test(.timeLimit(.minutes(1)))
    func listTopicsSeesCreatedTopicsWithTheirPartitionCounts() throws {
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        defer { broker.shutdown() }
        let direct = TestSupport.unique("direct")
        let viaAdmin = TestSupport.unique("admin")
        try broker.createTopic(direct, partitions: 3)
        let configuration = TestSupport.configuration(broker.bootstrapServers)

        let created = try KafkaAdmin.createTopics(
            configuration: configuration,
            topics: [TopicSpec(name: viaAdmin, partitions: 2), TopicSpec(name: direct, partitions: 3)],
            timeout: .seconds(5)
        )
        #expect(created == [viaAdmin])
        // Existing topics are not an error, and are not reported as created.
        let again = try KafkaAdmin.createTopics(configuration: configuration, topics: [TopicSpec(name: viaAdmin, partitions: 2)], timeout: .seconds(5))
        #expect(again.isEmpty)

        let topics = try KafkaAdmin.listTopics(configuration: configuration, timeout: .seconds(10))
        #expect(topics[direct] == 3)
        #expect(topics[viaAdmin] == 2)
    }

    @Test(.timeLimit(.minutes(1)))
    func createTopicsThroughTheProtocolTimesOutAgainstTheMock() throws {
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        defer { broker.shutdown() }
        // "localhost" is not a registered address, so this takes the real CreateTopics path,
        // which the 2.0.2 mock never answers.
        let external = broker.bootstrapServers.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaAdmin.createTopics(
                configuration: TestSupport.configuration(external),
                topics: [TopicSpec(name: TestSupport.unique("never"))],
                timeout: .seconds(1)
            )
        }
        #expect(error?.code == .timedOut)
        #expect(error?.isRetriable == true)
    }
}
