import BatonRuntime
import Testing

/// When intake pauses and resumes: high-water marks to pause, low-water marks to resume.
@Suite("Intake limits")
struct IntakeLimitsTests {
    let limits = IntakeLimits(outboxHighWater: 100, outboxLowWater: 20)

    @Test func runningIntakePausesAtEitherHighWaterMark() {
        #expect(limits.pauseReason(paused: false, outbox: 99, queued: 9, maxQueued: 10) == nil)
        #expect(limits.pauseReason(paused: false, outbox: 100, queued: 0, maxQueued: 10) == "outbox backlog 100 reached 100 (intake.outboxHighWater)")
        #expect(limits.pauseReason(paused: false, outbox: 0, queued: 10, maxQueued: 10) == "10 queued instances reached limits.maxQueued (10)")
    }

    @Test func pausedIntakeResumesOnlyBelowBothLowWaterMarks() {
        // Between the marks a paused intake stays paused (no flapping at the high-water mark).
        #expect(limits.pauseReason(paused: true, outbox: 50, queued: 0, maxQueued: 10) != nil)
        #expect(limits.pauseReason(paused: true, outbox: 20, queued: 9, maxQueued: 10) == nil)
        #expect(limits.pauseReason(paused: true, outbox: 20, queued: 10, maxQueued: 10) == "10 queued instances have not fallen to 9 (nine tenths of limits.maxQueued)")
        #expect(limits.pauseReason(paused: true, outbox: 21, queued: 0, maxQueued: 10) == "outbox backlog 21 has not fallen to 20 (intake.outboxLowWater)")
    }

    @Test func aLowWaterMarkAboveTheHighOneIsTakenAsTheHighOne() {
        #expect(IntakeLimits(outboxHighWater: 10, outboxLowWater: 50).outboxLowWater == 10)
    }
}
