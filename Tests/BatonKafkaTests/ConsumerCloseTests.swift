import Testing

@testable import BatonKafka

/// Closing must end, whatever happened to the broker: a close also runs from `deinit`, on
/// whichever thread lets go of the consumer last, and a close that never returned once held a
/// thread of the cooperative pool for the rest of the test process.
@Suite("Closing consumers")
struct ConsumerCloseTests {
    @Test(.timeLimit(.minutes(1)))
    func closingAConsumerWhoseBrokerIsGoneReturnsWithinItsTimeout() async throws {
        let broker = try EmbeddedBroker(logger: TestSupport.logger)
        let topic = TestSupport.unique("orphan")
        try broker.createTopic(topic, partitions: 2)
        let consumer = try TestSupport.consumer(broker.bootstrapServers, group: TestSupport.unique("g"), topics: [topic])
        try await TestSupport.withDeadline(.seconds(30), "waiting for the group to assign partitions") {
            while !consumer.hasAssignment { try await Task.sleep(for: .milliseconds(20)) }
        }
        broker.shutdown()
        try await Task.sleep(for: .milliseconds(200))

        let start = ContinuousClock.now
        consumer.close(timeout: .seconds(3))
        let took = ContinuousClock.now - start
        #expect(took < .seconds(5), "close took \(took)")
        #expect(!consumer.hasAssignment)

        // A second close (as `deinit` does) returns at once.
        let again = ContinuousClock.now
        consumer.close(timeout: .seconds(3))
        #expect(ContinuousClock.now - again < .seconds(1))
    }

    @Test func aThreadThatDoesNotEndIsGivenUpOnAfterTheTimeout() {
        let release = ConditionLock(false)
        let thread = DedicatedThread(name: "stuck") {
            _ = release.wait(timeout: .seconds(30)) { $0 ? true : nil }
        }
        let start = ContinuousClock.now
        #expect(!thread.join(timeout: .milliseconds(200)))
        #expect(ContinuousClock.now - start >= .milliseconds(200))
        release.withLock { $0 = true }
        #expect(thread.join(timeout: .seconds(5)))
    }
}
