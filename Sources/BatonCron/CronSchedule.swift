import Foundation

/// A cron expression read in one time zone: the fire times a schedule produces.
///
/// Across DST changes the expression means what an operator reading a crontab expects (the rules
/// of Vixie cron, which cronie and most Linux hosts run):
/// - An expression that names a time of day (`30 2 * * *`, see ``CronExpression/isWallClockTime``)
///   fires once per matching day: a time skipped by a jump forward fires at the instant of the
///   jump (a daily 02:30 job in Berlin runs at 03:00 on the last Sunday of March, as croniter and
///   Vixie cron do; with a seconds field, at its first second), and a time repeated by a jump back fires at its first occurrence only
///   (croniter fires it twice: the one deliberate difference, see CroniterOracleTests).
/// - A cadence (`*/15 * * * *`, `25 * * * *`) follows real time: wall-clock times a jump forward
///   skips do not fire, and repeated ones fire in both passes, as in croniter and Vixie cron.
///
/// Evaluation is pure (no clock is read), so a scheduler computes the same fire times in every
/// process and after every restart; fire times are whole seconds.
public struct CronSchedule: Sendable, Hashable {
    public let expression: CronExpression
    public let timeZone: TimeZone

    public init(_ expression: CronExpression, timeZone: TimeZone) {
        self.expression = expression
        self.timeZone = timeZone
    }

    /// The first fire time strictly after `date`.
    ///
    /// Never nil for an expression that parsed (parsing refuses one that never fires), except past
    /// the year 9999 or so; callers treat nil as "no more fire times".
    public func nextFireTime(after date: Date) -> Date? {
        let after = Int64(date.timeIntervalSince1970.rounded(.down))
        return nextFireSecond(after: after).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// The next `count` fire times after `date` (fewer only when the schedule runs out).
    public func fireTimes(after date: Date, count: Int) -> [Date] {
        var times: [Date] = []
        var cursor = date
        while times.count < count, let next = nextFireTime(after: cursor) {
            times.append(next)
            cursor = next
        }
        return times
    }

    /// Walks the zone's constant-offset stretches: within one, wall = instant + offset exactly.
    func nextFireSecond(after: Int64) -> Int64? {
        var cursor = after + 1
        // A stretch per DST change: two a year over the 400-year search at most.
        for _ in 0..<1000 {
            let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(cursor))))
            let change = timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(cursor)))
                .map { Int64($0.timeIntervalSince1970.rounded(.down)) }
            let end = change ?? Int64.max
            guard let wall = expression.nextWallTime(atOrAfter: cursor + offset) else { return nil }
            let instant = wall - offset
            if instant < end {
                if expression.isWallClockTime, let first = firstInstant(ofWall: wall), first < instant {
                    // The second pass through a repeated hour fired in the first: go on from where
                    // the wall clock passes the time it had reached before the jump back.
                    let jumpBack = timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(first)))
                        .map { Int64($0.timeIntervalSince1970.rounded(.down)) } ?? instant
                    cursor = max(instant + 1, jumpBack + (wall - first) - offset)
                    continue
                }
                return instant
            }
            guard let end = change else { return nil }
            // Wall-clock times a jump forward skips fire once, at the jump; a cadence just goes on.
            let offsetAfter = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(end))))
            if expression.isWallClockTime, offsetAfter > offset, let skipped = expression.nextWallTime(atOrAfter: end + offset), skipped < end + offsetAfter {
                // At the expression's first second, as croniter does: `12 30 2 * * *` at 03:00:12.
                return end + Int64(expression.seconds.next(from: 0) ?? 0)
            }
            cursor = end
        }
        return nil
    }

    /// The earliest instant whose wall-clock time in this zone is `wall`; nil for a time a jump
    /// forward skipped. Offsets a day either side cover any single change.
    func firstInstant(ofWall wall: Int64) -> Int64? {
        let candidates = [wall - 86_400, wall + 86_400].map { Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval($0)))) }
        return Set(candidates)
            .map { wall - $0 }
            .filter { Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval($0)))) == wall - $0 }
            .min()
    }
}
