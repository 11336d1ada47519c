import BatonRuntime
import Synchronization
import Testing

/// The store's and the producer's breaker, on a manual clock.
@Suite("Dependency breaker")
struct DependencyBreakerTests {
    final class Clock: Sendable {
        let start = ContinuousClock.now
        let offset = Mutex(Duration.zero)
        var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
        func advance(_ by: Duration) { offset.withLock { $0 += by } }
    }

    @Test func repeatedFailuresOpenItRefuseWritesAndOneProbeDecides() {
        let clock = Clock()
        let readiness = Readiness()
        let breaker = DependencyBreaker(name: "store", policy: .init(failures: 3, coolDown: .seconds(5)), readiness: readiness, now: { clock.now })
        breaker.failed("disk full")
        breaker.failed("disk full")
        #expect(!breaker.isOpen && breaker.refusal() == nil, "two failures in a row are not yet a pattern")
        breaker.succeeded()
        breaker.failed("disk full")
        breaker.failed("disk full")
        #expect(!breaker.isOpen, "a success in between starts the count again")
        breaker.failed("read-only")
        #expect(breaker.isOpen)
        #expect(readiness.notReadyReason == "store circuit: open after 3 failures in a row (last: read-only)")
        clock.advance(.seconds(2))
        #expect(breaker.refusal()?.contains("refused for 3000 ms more") == true)

        // After the cool-down one write goes through as the probe; the others are still refused.
        clock.advance(.seconds(3))
        #expect(breaker.refusal() == nil)
        #expect(breaker.refusal() != nil)
        breaker.failed("read-only")
        #expect(breaker.refusal()?.contains("5000 ms") == true, "a failed probe opens it for another cool-down")
        clock.advance(.seconds(5))
        #expect(breaker.refusal() == nil)
        breaker.succeeded()
        #expect(!breaker.isOpen && breaker.refusal() == nil)
        #expect(readiness.notReadyReason == nil)
    }
}
