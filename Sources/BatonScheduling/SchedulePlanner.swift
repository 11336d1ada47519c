import Foundation

/// One decision about a fire time.
public enum ScheduleAction: Sendable, Hashable {
    /// Start an instance for this fire time (the fire time is its dedupe key).
    case start(fireTime: Date)
    /// Cancel the instances this schedule started that are still running (before the next start).
    case cancelRunning
    /// Not started because an earlier run was still going.
    case skippedOverlap(fireTime: Date)
    /// Held until the running instance ends (`bufferOne`).
    case buffered(fireTime: Date)
    /// Older than the catch-up window: recorded, not run. Counted rather than listed, so a
    /// per-second schedule after a day's downtime is one record, not 86,400.
    case missed(count: Int, first: Date, last: Date)
}

/// The decisions for one look at a schedule, and what to remember.
public struct SchedulePlan: Sendable, Hashable {
    public var actions: [ScheduleAction]
    public var state: ScheduleState
    /// When to look again: the next fire time, or now when the plan stopped at its size limit.
    public var wakeAt: Date?
}

/// Decides which fire times start instances: pure, `(spec, state, running, now) -> plan`, so
/// every policy is tested with a manual clock and the runtime only applies the plan.
public enum SchedulePlanner {
    /// At most this many fire times are decided per look; the rest wait for the next one.
    public static let maximumDecisionsPerPlan = 100

    /// - Parameters:
    ///   - running: instances this schedule started that have not ended.
    ///   - triggerNow: an operator's trigger-now: `now` is offered like a fire time, under the
    ///     same overlap policy, even while paused.
    public static func plan(_ spec: ScheduleSpec, state: ScheduleState, running: Int, now: Date, triggerNow: Bool = false) -> SchedulePlan {
        var state = state
        var actions: [ScheduleAction] = []
        var running = running
        func offer(_ fireTime: Date) {
            switch (spec.overlap, running > 0) {
            case (_, false), (.allow, true):
                actions.append(.start(fireTime: fireTime))
                state.tally.started += 1
                running += 1
            case (.skip, true):
                actions.append(.skippedOverlap(fireTime: fireTime))
                state.tally.skipped += 1
            case (.bufferOne, true):
                if state.buffered == nil {
                    state.buffered = fireTime
                    actions.append(.buffered(fireTime: fireTime))
                } else {
                    actions.append(.skippedOverlap(fireTime: fireTime))
                    state.tally.skipped += 1
                }
            case (.cancelPrevious, true):
                actions.append(.cancelRunning)
                actions.append(.start(fireTime: fireTime))
                state.tally.started += 1
                running = 1
            }
        }
        // A buffered fire time starts once nothing runs, even while paused (it was decided before).
        if let buffered = state.buffered, running == 0 {
            state.buffered = nil
            actions.append(.start(fireTime: buffered))
            state.tally.started += 1
            running += 1
        }
        if triggerNow { offer(now.roundedDownToSecond) }
        guard !state.paused else {
            // Fire times pass while paused; resuming does not run them late.
            state.decidedThrough = max(state.decidedThrough, now.roundedDownToSecond)
            return SchedulePlan(actions: actions, state: state, wakeAt: nil)
        }
        let oldest = now.addingTimeInterval(-spec.catchupWindow)
        var missed: (count: Int, first: Date, last: Date)?
        var decisions = 0
        var limited = false
        while let fireTime = spec.nextFireTime(after: state.decidedThrough), fireTime <= now {
            if fireTime < oldest {
                missed = missed.map { ($0.count + 1, $0.first, fireTime) } ?? (1, fireTime, fireTime)
                state.decidedThrough = fireTime
                continue
            }
            guard decisions < maximumDecisionsPerPlan else {
                limited = true
                break
            }
            state.decidedThrough = fireTime
            decisions += 1
            offer(fireTime)
        }
        if let missed {
            actions.insert(.missed(count: missed.count, first: missed.first, last: missed.last), at: 0)
            state.tally.missed += missed.count
            state.tally.lastMissed = (missed.first, missed.last)
        }
        let wakeAt = limited ? now : spec.nextFireTime(after: state.decidedThrough)
        return SchedulePlan(actions: actions, state: state, wakeAt: wakeAt)
    }
}
