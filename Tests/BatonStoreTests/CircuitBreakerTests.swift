import BatonCore
import BatonExpressions
import BatonStore
import Testing

/// The breaker's state machine with a manual clock, and its store contract on every backend.
@Suite("Circuit breakers")
struct CircuitBreakerTests {
    let policy = BreakerPolicy(failures: 3, windowMilliseconds: 10_000, coolDownMilliseconds: 1_000)
    let t0 = at(0)

    @Test func failuresInTheSlidingWindowOpenIt() {
        var breaker = BreakerRecord.closed("sms", at: t0)
        #expect(breaker.apply(BreakerTally(failures: 2, successes: 50), policy, at: t0.adding(milliseconds: 9_000)) == nil)
        // The next window: the 2 of the last one count for the part of it still in the sliding window.
        #expect(breaker.apply(BreakerTally(), policy, at: t0.adding(milliseconds: 15_000)) == nil)
        #expect(breaker.failuresInWindow(at: t0.adding(milliseconds: 15_000), policy) == 1)
        #expect(breaker.apply(BreakerTally(failures: 1), policy, at: t0.adding(milliseconds: 15_000)) == nil)
        #expect(breaker.apply(BreakerTally(failures: 1), policy, at: t0.adding(milliseconds: 15_000)) == .opened)
        #expect(breaker.state == .open)
        #expect(breaker.openedAt == t0.adding(milliseconds: 15_000))
        // Two windows later nothing of the old failures is left.
        var quiet = BreakerRecord.closed("sms", at: t0)
        _ = quiet.apply(BreakerTally(failures: 2), policy, at: t0)
        _ = quiet.apply(BreakerTally(failures: 2), policy, at: t0.adding(milliseconds: 25_000))
        #expect(quiet.state == .closed)
        #expect(quiet.failuresInWindow(at: t0.adding(milliseconds: 25_000), policy) == 2)
    }

    @Test func anOpenBreakerWaitsItsCoolDownThenAProbeDecides() {
        var breaker = BreakerRecord.closed("sms", at: t0)
        #expect(breaker.apply(BreakerTally(failures: 3), policy, at: t0) == .opened)
        // Late outcomes of requests sent before it opened change nothing while it is open.
        #expect(breaker.apply(BreakerTally(failures: 5, successes: 5), policy, at: t0.adding(milliseconds: 999)) == nil)
        #expect(breaker.apply(BreakerTally(), policy, at: t0.adding(milliseconds: 1_000)) == .halfOpened)
        #expect(breaker.state == .halfOpen && !breaker.probeReleased)
        // A failure before the probe went out is not the probe's.
        #expect(breaker.apply(BreakerTally(failures: 1), policy, at: t0.adding(milliseconds: 1_100)) == nil)
        breaker.probeReleased = true
        #expect(breaker.apply(BreakerTally(failures: 1), policy, at: t0.adding(milliseconds: 1_200)) == .opened)
        #expect(breaker.openedAt == t0.adding(milliseconds: 1_200))
        #expect(breaker.apply(BreakerTally(), policy, at: t0.adding(milliseconds: 2_200)) == .halfOpened)
        breaker.probeReleased = true
        #expect(breaker.apply(BreakerTally(successes: 1), policy, at: t0.adding(milliseconds: 2_300)) == .closed)
        #expect(breaker.state == .closed)
        #expect(breaker.failuresInWindow(at: t0.adding(milliseconds: 2_300), policy) == 0)
    }

    @Test(arguments: Backend.allCases)
    func theStoreSharesBreakersSendsOneProbeAndAnnouncesChangesOnce(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let policy = self.policy
            func update(_ tallies: [String: BreakerTally], at ms: Int64) async throws -> BreakerUpdateResult {
                try await store.updateBreakers(BreakerUpdate(tallies: tallies, policy: { $0 == "untracked" ? nil : policy }, now: at(ms)) { record, transition in
                    transition == .halfOpened ? nil : OutboxMessage(topic: "baton.lifecycle", key: Array(record.taskType.utf8), value: Array("\(record.taskType) \(transition)".utf8))
                })
            }
            #expect(try await update(["sms": BreakerTally(failures: 2), "untracked": BreakerTally(failures: 100)], at: 0).records.map(\.state) == [.closed])
            let opened = try await update(["sms": BreakerTally(failures: 1)], at: 100)
            #expect(opened.transitions.map(\.transition) == [.opened])
            #expect(opened.released.map { String(decoding: $0.value, as: UTF8.self) } == ["sms opened"])

            // Held meanwhile; after the cool-down exactly one goes out as the probe.
            var batch = StoreBatch()
            batch.held = (1...3).map { HeldDispatch(gate: "sms", message: OutboxMessage(topic: "baton.tasks.sms", key: nil, value: [UInt8(48 + $0)])) }
            try await store.commit(batch)
            #expect(try await update([:], at: 600).released.isEmpty)
            let half = try await update([:], at: 1_100)
            #expect(half.transitions.map(\.transition) == [.halfOpened])
            #expect(half.released.map(\.value) == [[49]], "the oldest held request is the probe")
            #expect(half.records.first?.probeReleased == true)
            #expect(try await update([:], at: 1_200).released.isEmpty, "one probe per half-open period")
            #expect(try await store.heldCounts() == ["sms": 2])

            let closed = try await update(["sms": BreakerTally(successes: 1)], at: 1_300)
            #expect(closed.transitions.map(\.transition) == [.closed])
            #expect(closed.records.map(\.state) == [.closed])
            let outbox = try await store.pendingOutbox(limit: 10).map { String(decoding: $0.value, as: UTF8.self) }
            #expect(outbox == ["sms opened", "1", "sms closed"])
        }
    }
}
