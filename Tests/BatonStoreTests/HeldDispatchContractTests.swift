import BatonCore
import BatonExpressions
import BatonStore
import Testing

/// Held task requests on every backend: committed with their batch, released into the outbox
/// oldest first at the gate's rate (a token bucket kept in the store), after what was there.
@Suite("Held dispatch contract")
struct HeldDispatchContractTests {
    func request(_ n: Int) -> OutboxMessage {
        OutboxMessage(topic: "baton.tasks.sms.send", key: Array("i-\(n)".utf8), value: Array("{\"n\":\(n)}".utf8), headers: [OutboxHeader(key: "traceparent", value: Array("tp-\(n)".utf8))])
    }

    @Test(arguments: Backend.allCases)
    func heldRequestsGoToTheOutboxOldestFirstAtTheGatesRate(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            var batch = StoreBatch(outbox: [OutboxMessage(topic: "baton.lifecycle", key: nil, value: Array("{}".utf8))])
            batch.held = (1...5).map { HeldDispatch(gate: "sms.send", message: request($0)) } + [HeldDispatch(gate: "fax.send", message: request(9))]
            try await store.commit(batch)
            #expect(try await store.heldCounts() == ["sms.send": 5, "fax.send": 1])
            #expect(try await store.pendingOutbox(limit: 10).map(\.topic) == ["baton.lifecycle"])

            // 2 a second: a full bucket lets 2 go, then nothing until time passes.
            let t0 = at(1_000)
            let first = try await store.releaseHeld(ReleaseRequest(gate: "sms.send", ratePerSecond: 2, now: t0))
            #expect(first.map(\.value) == [request(1).value, request(2).value])
            #expect(first.map(\.headers) == [request(1).headers, request(2).headers])
            #expect(try await store.releaseHeld(ReleaseRequest(gate: "sms.send", ratePerSecond: 2, now: t0)).isEmpty)
            #expect(try await store.releaseHeld(ReleaseRequest(gate: "sms.send", ratePerSecond: 2, now: t0.adding(milliseconds: 499))).isEmpty)
            #expect(try await store.releaseHeld(ReleaseRequest(gate: "sms.send", ratePerSecond: 2, now: t0.adding(milliseconds: 500))).map(\.value) == [request(3).value])
            // Ten seconds later the bucket is full again (2), not 20: at most a second's burst.
            #expect(try await store.releaseHeld(ReleaseRequest(gate: "sms.send", ratePerSecond: 2, now: t0.adding(milliseconds: 10_500))).map(\.value) == [request(4).value, request(5).value])
            #expect(try await store.heldCounts() == ["fax.send": 1])

            let outbox = try await store.pendingOutbox(limit: 10)
            #expect(outbox.map(\.value) == [Array("{}".utf8)] + (1...5).map { request($0).value })
            #expect(outbox.map(\.sequence) == outbox.map(\.sequence).sorted())
            #expect(first.map(\.sequence) == Array(outbox.map(\.sequence)[1...2]), "the rows handed to the relay carry their outbox sequences")
        }
    }

    /// A task cancelled while held: its request is deleted in the cancelling batch — also when it
    /// was held by the same batch — and the others of its gate keep their order.
    @Test(arguments: Backend.allCases)
    func aWithdrawnTasksRequestIsNeverReleased(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            var batch = StoreBatch()
            batch.held = (1...3).map { HeldDispatch(gate: "sms.send", message: request($0), taskId: "t\($0)") }
            try await store.commit(batch)
            var cancelling = StoreBatch(outbox: [OutboxMessage(topic: "baton.task-cancellations", key: nil, value: Array("{}".utf8))])
            cancelling.held = [HeldDispatch(gate: "sms.send", message: request(4), taskId: "t4")]
            cancelling.withdrawnTasks = ["t2", "t4", "t9"]
            try await store.commit(cancelling)
            #expect(try await store.heldCounts() == ["sms.send": 2])
            let released = try await store.releaseHeld(ReleaseRequest(gate: "sms.send", ratePerSecond: 100, now: at(1_000)))
            #expect(released.map(\.value) == [request(1).value, request(3).value])
            #expect(try await store.heldCounts().isEmpty)
        }
    }

    @Test func theBucketRefillsAtTheRateUpToOneSecondsWorthAndNeverFromAClockGoingBack() {
        let t0 = at(0)
        var bucket = TokenBucket.full(ReleaseRequest(gate: "g", ratePerSecond: 0.5, now: t0))
        #expect(bucket.tokens == 1, "a burst of at least one")
        #expect(bucket.take(ReleaseRequest(gate: "g", ratePerSecond: 0.5, now: t0), waiting: 10) == 1)
        #expect(bucket.take(ReleaseRequest(gate: "g", ratePerSecond: 0.5, now: t0.adding(milliseconds: 1_999)), waiting: 10) == 0)
        #expect(bucket.take(ReleaseRequest(gate: "g", ratePerSecond: 0.5, now: t0.adding(milliseconds: 2_000)), waiting: 10) == 1)
        #expect(bucket.take(ReleaseRequest(gate: "g", ratePerSecond: 0.5, now: t0.adding(milliseconds: -60_000)), waiting: 10) == 0)
        #expect(bucket.refilledAt == t0.adding(milliseconds: 2_000))
        var fast = TokenBucket.full(ReleaseRequest(gate: "g", ratePerSecond: 100, now: t0))
        #expect(fast.take(ReleaseRequest(gate: "g", ratePerSecond: 100, limit: 30, now: t0), waiting: 1_000) == 30)
        #expect(fast.take(ReleaseRequest(gate: "g", ratePerSecond: 100, now: t0), waiting: 5) == 5)
        #expect(fast.tokens == 65)
    }
}
