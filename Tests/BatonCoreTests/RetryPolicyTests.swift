import BatonCore
import Testing

/// The retry maths, with explicit times (a manual clock): the delays the README documents.
@Suite("Retry policy")
struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 6, initialIntervalMilliseconds: 1000, backoffCoefficient: 2, maxIntervalMilliseconds: 10_000)

    @Test func exponentialDelaysAreCappedAtMaxInterval() {
        let delays = (1...5).map { policy.delayMilliseconds(afterAttempt: $0, seed: 0) }
        #expect(delays == [1000, 2000, 4000, 8000, 10_000])
    }

    @Test func eachRetryIsScheduledAfterTheFailureWithTheNextAttemptNumber() {
        #expect(policy.decide(attempt: 1, code: "X", retryable: true, firstAttemptAt: t0, now: t1, seed: 1) == .retry(attempt: 2, at: t1.adding(milliseconds: 1000), delayMilliseconds: 1000))
        #expect(policy.decide(attempt: 3, code: "X", retryable: true, firstAttemptAt: t0, now: t1, seed: 1) == .retry(attempt: 4, at: t1.adding(milliseconds: 4000), delayMilliseconds: 4000))
    }

    @Test func theLastAttemptGivesUp() {
        #expect(policy.decide(attempt: 6, code: "X", retryable: true, firstAttemptAt: t0, now: t1, seed: 1) == .giveUp(.attemptsExhausted))
        #expect(RetryPolicy.none.decide(attempt: 1, code: "X", retryable: true, firstAttemptAt: t0, now: t0, seed: 1) == .giveUp(.attemptsExhausted))
    }

    @Test func aNonRetryableResultIsNeverRetried() {
        #expect(policy.decide(attempt: 1, code: "X", retryable: false, firstAttemptAt: t0, now: t0, seed: 1) == .giveUp(.notRetryable))
    }

    @Test func retryOnAndNonRetryableCodesFilter() {
        var p = policy
        p.nonRetryable = ["CARD_DECLINED"]
        #expect(p.decide(attempt: 1, code: "CARD_DECLINED", retryable: true, firstAttemptAt: t0, now: t0, seed: 1) == .giveUp(.codeNotRetried))
        p.retryOn = ["TIMEOUT", "UNAVAILABLE"]
        #expect(p.decide(attempt: 1, code: "OTHER", retryable: true, firstAttemptAt: t0, now: t0, seed: 1) == .giveUp(.codeNotRetried))
        guard case .retry = p.decide(attempt: 1, code: "TIMEOUT", retryable: true, firstAttemptAt: t0, now: t0, seed: 1) else {
            Issue.record("TIMEOUT is in retryOn")
            return
        }
    }

    @Test func theBudgetStopsRetriesThatWouldStartTooLate() {
        var p = policy
        p.maxElapsedMilliseconds = 5000
        // First attempt at t0; after attempt 2 fails at t0+3s the next delay (2s) lands at 5s: allowed.
        #expect(p.decide(attempt: 2, code: "X", retryable: true, firstAttemptAt: t0, now: t3, seed: 1) == .retry(attempt: 3, at: t0.adding(milliseconds: 5000), delayMilliseconds: 2000))
        // After attempt 3 fails at t0+5s, the next (4s) would start at 9s: over budget.
        #expect(p.decide(attempt: 3, code: "X", retryable: true, firstAttemptAt: t0, now: t0.adding(milliseconds: 5000), seed: 1) == .giveUp(.budgetExhausted))
    }

    @Test func fullJitterStaysWithinZeroAndTheDelayAndIsDeterministicPerSeed() {
        var p = policy
        p.jitter = .full
        var seen: Set<Int64> = []
        for seed in UInt64(0)..<500 {
            let d = p.delayMilliseconds(afterAttempt: 3, seed: seed)
            #expect((0...4000).contains(d))
            #expect(d == p.delayMilliseconds(afterAttempt: 3, seed: seed))
            seen.insert(d)
        }
        // Spread out, not constant: well over a hundred distinct values in 500 seeds.
        #expect(seen.count > 100)
        #expect(seen.contains { $0 < 1000 } && seen.contains { $0 > 3000 })
    }

    @Test func proportionalJitterStaysWithinItsBandAndUnderTheCap() {
        var p = policy
        p.jitter = .proportional(0.2)
        for seed in UInt64(0)..<500 {
            #expect((800...1200).contains(p.delayMilliseconds(afterAttempt: 1, seed: seed)))
            #expect((8000...10_000).contains(p.delayMilliseconds(afterAttempt: 5, seed: seed)))
        }
    }
}
