import BatonCron
import Foundation
import Testing

@testable import BatonScheduling

/// Every policy with a manual clock: `now` is whatever the test says.
@Suite("Schedule planning")
struct SchedulePlannerTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28T20:26:40Z
    static func at(_ seconds: Int) -> Date { t0.addingTimeInterval(TimeInterval(seconds)) }
    static func everyMinute(overlap: OverlapPolicy = .skip, catchup: TimeInterval = 60) -> ScheduleSpec {
        ScheduleSpec(timing: .interval(seconds: 60, anchor: t0), overlap: overlap, catchupWindow: catchup)
    }

    @Test func aDueFireTimeStartsOnceAndTheNextIsTheWakeUp() {
        let plan = SchedulePlanner.plan(Self.everyMinute(), state: ScheduleState(decidedThrough: Self.t0), running: 0, now: Self.at(61))
        #expect(plan.actions == [.start(fireTime: Self.at(60))])
        #expect(plan.state.decidedThrough == Self.at(60))
        #expect(plan.wakeAt == Self.at(120))
        // Looking again at the same moment decides nothing more: the fire time is the dedupe key.
        let again = SchedulePlanner.plan(Self.everyMinute(), state: plan.state, running: 1, now: Self.at(61))
        #expect(again.actions.isEmpty)
    }

    /// The tally travels with the state (stored by compare-and-set): started, skipped and missed
    /// fire times add up across looks, and the latest missed stretch is kept; the stored form
    /// round-trips, and a state stored before tallies existed reads as zero.
    @Test func theTallyCountsEveryOutcomeAndRoundTrips() throws {
        let spec = Self.everyMinute(overlap: .bufferOne, catchup: 120)
        var state = ScheduleState(decidedThrough: Self.t0)
        state = SchedulePlanner.plan(spec, state: state, running: 0, now: Self.at(60)).state  // starts 60
        state = SchedulePlanner.plan(spec, state: state, running: 1, now: Self.at(180)).state  // buffers 120, skips 180
        state = SchedulePlanner.plan(spec, state: state, running: 0, now: Self.at(181)).state  // starts the buffered 120
        state = SchedulePlanner.plan(spec, state: state, running: 0, now: Self.at(600)).state  // misses 240…420, starts 480, buffers 540, skips 600
        #expect(state.tally.started == 3)
        #expect(state.tally.skipped == 2)
        #expect(state.tally.missed == 4)
        #expect(state.tally.lastMissed?.first == Self.at(240) && state.tally.lastMissed?.last == Self.at(420))
        #expect(ScheduleState(json: state.json) == state)
        var old = state.json
        if case .object(var members) = old { members["tally"] = nil; old = .object(members) }
        #expect(ScheduleState(json: old)?.tally == ScheduleTally())
    }

    @Test func nothingIsDueBeforeTheFireTime() {
        let plan = SchedulePlanner.plan(Self.everyMinute(), state: ScheduleState(decidedThrough: Self.t0), running: 0, now: Self.at(59))
        #expect(plan.actions.isEmpty)
        #expect(plan.wakeAt == Self.at(60))
    }

    @Test func skipWhileRunning() {
        let plan = SchedulePlanner.plan(Self.everyMinute(), state: ScheduleState(decidedThrough: Self.t0), running: 1, now: Self.at(60))
        #expect(plan.actions == [.skippedOverlap(fireTime: Self.at(60))])
    }

    @Test func bufferOneHoldsOneAndStartsItWhenTheRunEnds() {
        let spec = Self.everyMinute(overlap: .bufferOne, catchup: 600)
        let plan = SchedulePlanner.plan(spec, state: ScheduleState(decidedThrough: Self.t0), running: 1, now: Self.at(120))
        #expect(plan.actions == [.buffered(fireTime: Self.at(60)), .skippedOverlap(fireTime: Self.at(120))])
        #expect(plan.state.buffered == Self.at(60))
        let stillRunning = SchedulePlanner.plan(spec, state: plan.state, running: 1, now: Self.at(121))
        #expect(stillRunning.actions.isEmpty && stillRunning.state.buffered == Self.at(60))
        let ended = SchedulePlanner.plan(spec, state: plan.state, running: 0, now: Self.at(121))
        #expect(ended.actions == [.start(fireTime: Self.at(60))])
        #expect(ended.state.buffered == nil)
    }

    @Test func allowStartsEveryFireTime() {
        let plan = SchedulePlanner.plan(Self.everyMinute(overlap: .allow, catchup: 600), state: ScheduleState(decidedThrough: Self.t0), running: 3, now: Self.at(180))
        #expect(plan.actions == [.start(fireTime: Self.at(60)), .start(fireTime: Self.at(120)), .start(fireTime: Self.at(180))])
    }

    @Test func cancelPreviousCancelsThenStarts() {
        let plan = SchedulePlanner.plan(Self.everyMinute(overlap: .cancelPrevious), state: ScheduleState(decidedThrough: Self.t0), running: 1, now: Self.at(60))
        #expect(plan.actions == [.cancelRunning, .start(fireTime: Self.at(60))])
    }

    /// Down for an hour with a five-minute window: the older fire times are one missed record.
    @Test func catchUpRunsOnlyTheWindowAndCountsTheRest() {
        let spec = Self.everyMinute(overlap: .allow, catchup: 300)
        let plan = SchedulePlanner.plan(spec, state: ScheduleState(decidedThrough: Self.t0), running: 0, now: Self.at(3600))
        #expect(plan.actions.first == .missed(count: 54, first: Self.at(60), last: Self.at(3240)))
        #expect(Array(plan.actions.dropFirst()) == (55...60).map { .start(fireTime: Self.at($0 * 60)) })
        #expect(plan.state.decidedThrough == Self.at(3600))
    }

    @Test func aDayOfPerSecondFireTimesIsOneRecordAndABoundedPlan() {
        let spec = ScheduleSpec(timing: .interval(seconds: 1, anchor: Self.t0), overlap: .allow, catchupWindow: 200)
        let plan = SchedulePlanner.plan(spec, state: ScheduleState(decidedThrough: Self.t0), running: 0, now: Self.at(86_400))
        #expect(plan.actions.first == .missed(count: 86_200 - 1, first: Self.at(1), last: Self.at(86_199)))
        #expect(plan.actions.count == 1 + SchedulePlanner.maximumDecisionsPerPlan)
        #expect(plan.wakeAt == Self.at(86_400), "the rest is decided at the next look, at once")
    }

    @Test func pausedDecidesNothingAndResumingDoesNotRunLate() {
        let paused = ScheduleState(decidedThrough: Self.t0, paused: true)
        let plan = SchedulePlanner.plan(Self.everyMinute(catchup: 3600), state: paused, running: 0, now: Self.at(600))
        #expect(plan.actions.isEmpty && plan.wakeAt == nil)
        var resumed = plan.state
        resumed.paused = false
        let after = SchedulePlanner.plan(Self.everyMinute(catchup: 3600), state: resumed, running: 0, now: Self.at(601))
        #expect(after.actions.isEmpty)
        #expect(after.wakeAt == Self.at(660))
    }

    @Test func triggerNowFollowsTheOverlapPolicy() {
        let idle = SchedulePlanner.plan(Self.everyMinute(), state: ScheduleState(decidedThrough: Self.t0, paused: true), running: 0, now: Self.at(10), triggerNow: true)
        #expect(idle.actions == [.start(fireTime: Self.at(10))])
        let busy = SchedulePlanner.plan(Self.everyMinute(), state: ScheduleState(decidedThrough: Self.t0), running: 1, now: Self.at(10), triggerNow: true)
        #expect(busy.actions == [.skippedOverlap(fireTime: Self.at(10))])
    }

    @Test func startAndEndDatesBoundTheFireTimes() {
        var spec = Self.everyMinute(overlap: .allow, catchup: 3600)
        spec.startAt = Self.at(150)
        spec.endAt = Self.at(300)
        let plan = SchedulePlanner.plan(spec, state: ScheduleState(decidedThrough: Self.t0), running: 0, now: Self.at(1000))
        #expect(plan.actions == [.start(fireTime: Self.at(180)), .start(fireTime: Self.at(240)), .start(fireTime: Self.at(300))])
        #expect(plan.wakeAt == nil, "the schedule has ended")
    }

    @Test func cronTimingInAZone() throws {
        let cron = CronSchedule(try CronExpression(parsing: "30 2 * * *"), timeZone: try #require(TimeZone(identifier: "Europe/Berlin")))
        let spec = ScheduleSpec(timing: .cron(cron), overlap: .allow, catchupWindow: 3600)
        // 2026-03-29: 02:30 does not exist in Berlin; the fire time is the jump, 01:00Z.
        let before = Date(timeIntervalSince1970: 1_774_742_400)  // 2026-03-29T00:00:00Z
        let plan = SchedulePlanner.plan(spec, state: ScheduleState(decidedThrough: before), running: 0, now: before.addingTimeInterval(5400))
        #expect(plan.actions == [.start(fireTime: Date(timeIntervalSince1970: 1_774_746_000))])
    }
}
