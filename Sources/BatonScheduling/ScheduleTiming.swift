import BatonCron
import Foundation

/// When a schedule fires: a cron expression in a time zone, or a fixed interval from an anchor.
public enum ScheduleTiming: Sendable, Hashable {
    case cron(CronSchedule)
    /// Every `seconds`, at `anchor + k × seconds`: fire times stay on the same grid across
    /// restarts and processes instead of drifting with each run's start.
    case interval(seconds: Int64, anchor: Date)

    /// The first fire time strictly after `date`.
    public func nextFireTime(after date: Date) -> Date? {
        switch self {
        case .cron(let schedule):
            return schedule.nextFireTime(after: date)
        case .interval(let seconds, let anchor):
            let anchorSecond = Int64(anchor.timeIntervalSince1970.rounded(.down))
            let after = Int64(date.timeIntervalSince1970.rounded(.down))
            guard after >= anchorSecond else { return Date(timeIntervalSince1970: TimeInterval(anchorSecond)) }
            let steps = (after - anchorSecond) / seconds + 1
            return Date(timeIntervalSince1970: TimeInterval(anchorSecond + steps * seconds))
        }
    }
}

extension Date {
    var roundedDownToSecond: Date {
        Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down))
    }
}
