import Foundation

/// A parsed cron expression: which wall-clock times match, with no time zone attached.
///
/// Five fields (`minute hour day-of-month month day-of-week`) or six with seconds first (as
/// Quartz, Spring and Temporal write them), the macros `@yearly`/`@annually`, `@monthly`,
/// `@weekly`, `@daily`/`@midnight` and `@hourly`, names (`jan`, `mon`), lists, ranges, steps,
/// `?` for an unrestricted day field, and `L` for the last day of the month. Day of month and
/// day of week combine as in Vixie cron: when both are restricted a day matching either fires,
/// and a field written with a leading `*` (`*/2`) counts as unrestricted.
///
/// Parsing refuses an expression that can never fire (`0 0 30 2 *`), so a schedule that was
/// accepted always has a next fire time.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written (a macro stays a macro).
    public let source: String
    var seconds: CronField
    var minutes: CronField
    var hours: CronField
    var daysOfMonth: CronField
    var months: CronField
    var daysOfWeek: CronField
    var lastDayOfMonth: Bool

    public var description: String { source }

    /// Whether every field that picks a time of day names fixed values (no leading `*`): such an
    /// expression means a wall-clock time ("02:30 every day"), which fires once even when a DST
    /// change repeats that time; the others are a cadence and follow real time (Vixie cron's rule).
    public var isWallClockTime: Bool {
        !seconds.startsWithStar && !minutes.startsWithStar && !hours.startsWithStar
    }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    public init(parsing text: String) throws(CronSyntaxError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        source = trimmed
        var body = trimmed
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.macros[trimmed.lowercased()] else {
                throw CronSyntaxError(expression: text, field: nil, reason: "unknown macro '\(trimmed)'; known: \(Self.macros.keys.sorted().joined(separator: ", "))")
            }
            body = expanded
        }
        var fields = body.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 || fields.count == 6 else {
            throw CronSyntaxError(
                expression: text, field: nil,
                reason: "has \(fields.count) field\(fields.count == 1 ? "" : "s"); expected 5 (minute hour day-of-month month day-of-week) or 6 (second first)"
            )
        }
        if fields.count == 5 { fields.insert("0", at: 0) }
        func parse(_ kind: CronFieldKind, _ index: Int) throws(CronSyntaxError) -> CronFieldParser.Parsed {
            try CronFieldParser(kind: kind, expression: text).parse(fields[index])
        }
        seconds = try parse(.second, 0).field
        minutes = try parse(.minute, 1).field
        hours = try parse(.hour, 2).field
        let days = try parse(.dayOfMonth, 3)
        daysOfMonth = days.field
        lastDayOfMonth = days.lastDayOfMonth
        months = try parse(.month, 4).field
        daysOfWeek = try parse(.dayOfWeek, 5).field
        if nextWallTime(atOrAfter: 0) == nil {
            throw CronSyntaxError(expression: text, field: nil, reason: "never fires: no month in it has such a day")
        }
    }

    /// The day rule of Vixie cron: both day fields restricted → either may match; otherwise both must.
    func matchesDay(year: Int, month: Int, day: Int, daysInMonth: Int) -> Bool {
        let byDayOfMonth = daysOfMonth.contains(day) || (lastDayOfMonth && day == daysInMonth)
        let byDayOfWeek = daysOfWeek.contains(CivilDate.weekday(days: CivilDate.days(year: year, month: month, day: day)))
        if daysOfMonth.startsWithStar || daysOfWeek.startsWithStar {
            return byDayOfMonth && byDayOfWeek
        }
        return byDayOfMonth || byDayOfWeek
    }

    /// The first matching wall-clock time at or after `wall`, both as seconds since 1970-01-01
    /// 00:00:00 *of the wall clock* (no zone); nil when nothing matches within 400 years (one
    /// full Gregorian cycle, so nothing ever will).
    func nextWallTime(atOrAfter wall: Int64) -> Int64? {
        let dayNumber = Int(wall >= 0 ? wall / 86_400 : (wall - 86_399) / 86_400)
        let secondOfDay = Int(wall - Int64(dayNumber) * 86_400)
        var (year, month, day) = CivilDate.date(days: dayNumber)
        var hour = secondOfDay / 3600
        var minute = secondOfDay / 60 % 60
        var second = secondOfDay % 60
        let lastYear = year + 400
        while year <= lastYear {
            guard let nextMonth = months.next(from: month), nextMonth <= 12 else {
                (year, month, day, hour, minute, second) = (year + 1, 1, 1, 0, 0, 0)
                continue
            }
            if nextMonth != month { (month, day, hour, minute, second) = (nextMonth, 1, 0, 0, 0) }
            let length = CivilDate.daysInMonth(year: year, month: month)
            var matchingDay = day
            while matchingDay <= length && !matchesDay(year: year, month: month, day: matchingDay, daysInMonth: length) { matchingDay += 1 }
            guard matchingDay <= length else {
                (month, day, hour, minute, second) = (month + 1, 1, 0, 0, 0)
                continue
            }
            if matchingDay != day { (day, hour, minute, second) = (matchingDay, 0, 0, 0) }
            guard let nextHour = hours.next(from: hour) else {
                (day, hour, minute, second) = (day + 1, 0, 0, 0)
                if day > length { (month, day) = (month + 1, 1) }
                continue
            }
            if nextHour != hour { (hour, minute, second) = (nextHour, 0, 0) }
            guard let nextMinute = minutes.next(from: minute), nextMinute < 60 else {
                (hour, minute, second) = (hour + 1, 0, 0)
                continue
            }
            if nextMinute != minute { (minute, second) = (nextMinute, 0) }
            guard let nextSecond = seconds.next(from: second), nextSecond < 60 else {
                (minute, second) = (minute + 1, 0)
                continue
            }
            let days = Int64(CivilDate.days(year: year, month: month, day: day))
            return days * 86_400 + Int64(hour * 3600 + minute * 60 + nextSecond)
        }
        return nil
    }
}
