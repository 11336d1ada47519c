import Foundation

/// A schedule's timing and policies, as its owner configured them.
public struct ScheduleSpec: Sendable, Hashable {
    public var timing: ScheduleTiming
    /// No fire time before this (inclusive).
    public var startAt: Date?
    /// No fire time after this (inclusive).
    public var endAt: Date?
    public var overlap: OverlapPolicy
    /// After downtime, fire times older than this (measured from now) are recorded as missed
    /// instead of run; zero runs none of them late.
    public var catchupWindow: TimeInterval

    public init(timing: ScheduleTiming, startAt: Date? = nil, endAt: Date? = nil, overlap: OverlapPolicy = .skip, catchupWindow: TimeInterval = 60) {
        self.timing = timing
        self.startAt = startAt
        self.endAt = endAt
        self.overlap = overlap
        self.catchupWindow = catchupWindow
    }

    /// The last instant a fire time may fall on: 9999-12-31T23:59:59Z, the end of RFC 3339.
    public static let lastFireTime = Date(timeIntervalSince1970: 253_402_300_799)

    /// The first fire time strictly after `date` within the start and end dates (and before the
    /// year 10000, which no timestamp Baton writes can express).
    public func nextFireTime(after date: Date) -> Date? {
        var from = date
        if let startAt, startAt > date { from = startAt.addingTimeInterval(-1) }
        guard let next = timing.nextFireTime(after: from), next <= Self.lastFireTime else { return nil }
        if let endAt, next > endAt { return nil }
        return next
    }
}
