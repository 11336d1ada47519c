/// The values one cron field allows, as bits: every field's range fits in 0...63.
struct CronField: Sendable, Hashable {
    var bits: UInt64
    /// Written with a leading `*` (or `?`), as in `*` and `*/5`: Vixie cron then treats a day field
    /// as unrestricted when combining day of month with day of week, and a time field as a
    /// cadence rather than a wall-clock time across DST changes.
    var startsWithStar: Bool

    func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0
    }

    /// The smallest allowed value ≥ `value`, or nil.
    func next(from value: Int) -> Int? {
        guard value < 64 else { return nil }
        let masked = bits & (~0 << UInt64(max(0, value)))
        return masked == 0 ? nil : masked.trailingZeroBitCount
    }
}

/// The six fields' ranges and names.
enum CronFieldKind: Sendable, CaseIterable {
    case second, minute, hour, dayOfMonth, month, dayOfWeek

    var name: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day of month"
        case .month: "month"
        case .dayOfWeek: "day of week"
        }
    }

    /// Inclusive bounds as written; day of week also takes 7 for Sunday.
    var bounds: ClosedRange<Int> {
        switch self {
        case .second, .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// The range `*` stands for.
    var fullRange: ClosedRange<Int> {
        self == .dayOfWeek ? 0...6 : bounds
    }

    /// Three-letter names, lower-cased, and their values.
    var names: [String: Int] {
        switch self {
        case .month:
            Dictionary(uniqueKeysWithValues: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].enumerated().map { ($1, $0 + 1) })
        case .dayOfWeek:
            Dictionary(uniqueKeysWithValues: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"].enumerated().map { ($1, $0) })
        default:
            [:]
        }
    }
}
