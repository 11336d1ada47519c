import BatonCore
import Foundation

/// The one conversion between the engine's millisecond `Timestamp` and Foundation's `Date`, which
/// the cron evaluator and planner work in; a fire time has whole seconds, so nothing is lost.
extension Timestamp {
    public var date: Date { Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000) }

    public init(date: Date) { self.init(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down))) }
}
