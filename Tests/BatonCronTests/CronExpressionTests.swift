import Testing

@testable import BatonCron

@Suite("Cron expressions: grammar and errors")
struct CronExpressionTests {
    @Test func fiveFieldsMeanSecondZero() throws {
        let expression = try CronExpression(parsing: "*/15 9-17 * * mon-fri")
        #expect(expression.seconds.bits == 1)
        #expect(expression.minutes.bits == (1 << 0 | 1 << 15 | 1 << 30 | 1 << 45))
        #expect((9...17).allSatisfy { expression.hours.contains($0) } && !expression.hours.contains(8) && !expression.hours.contains(18))
        #expect((1...5).allSatisfy { expression.daysOfWeek.contains($0) } && !expression.daysOfWeek.contains(0) && !expression.daysOfWeek.contains(6))
    }

    @Test func sixFieldsPutSecondsFirst() throws {
        let expression = try CronExpression(parsing: "30 0 12 * * *")
        #expect(expression.seconds.bits == 1 << 30)
        #expect(expression.minutes.bits == 1)
        #expect(expression.hours.bits == 1 << 12)
    }

    @Test func namesListsStepsAndSunday() throws {
        let expression = try CronExpression(parsing: "0 0 1 JAN,jul SUN,7")
        #expect(expression.months.bits == (1 << 1 | 1 << 7))
        #expect(expression.daysOfWeek.bits == 1, "0 and 7 are both Sunday")
        let stepped = try CronExpression(parsing: "5/20 1-10/3 * * *")
        #expect(stepped.minutes.bits == (1 << 5 | 1 << 25 | 1 << 45), "a/n runs from a to the field's end")
        #expect(stepped.hours.bits == (1 << 1 | 1 << 4 | 1 << 7 | 1 << 10))
        let weekdays = try CronExpression(parsing: "0 0 * * 1-7")
        #expect(weekdays.daysOfWeek.bits == 0b111_1111)
    }

    @Test(arguments: [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"), ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@HOURLY", "0 * * * *"),
    ])
    func macrosExpand(_ macro: String, _ expanded: String) throws {
        let fromMacro = try CronExpression(parsing: macro)
        let written = try CronExpression(parsing: expanded)
        #expect(fromMacro.source == macro)
        #expect(
            [fromMacro.seconds, fromMacro.minutes, fromMacro.hours, fromMacro.daysOfMonth, fromMacro.months, fromMacro.daysOfWeek]
                == [written.seconds, written.minutes, written.hours, written.daysOfMonth, written.months, written.daysOfWeek]
        )
    }

    @Test func lastDayAndQuestionMark() throws {
        let last = try CronExpression(parsing: "0 0 L * ?")
        #expect(last.lastDayOfMonth)
        #expect(last.daysOfMonth.bits == 0)
        #expect(last.daysOfWeek.startsWithStar)
    }

    @Test func wallClockTimesAndCadences() throws {
        #expect(try CronExpression(parsing: "30 2 * * *").isWallClockTime)
        #expect(try CronExpression(parsing: "0 1-3 * * *").isWallClockTime)
        #expect(try !CronExpression(parsing: "*/15 2 * * *").isWallClockTime)
        #expect(try !CronExpression(parsing: "0 * * * *").isWallClockTime)
        #expect(try !CronExpression(parsing: "* 0 2 * * *").isWallClockTime, "every second of 02:00 is a cadence")
    }

    @Test(arguments: [
        ("* * * *", nil, "has 4 fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (second first)"),
        ("* * * * * * *", nil, "has 7 fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (second first)"),
        ("60 * * * *", "minute", "60 is outside 0–59"),
        ("* 24 * * *", "hour", "24 is outside 0–23"),
        ("* * 0 * *", "day of month", "0 is outside 1–31"),
        ("* * * 13 *", "month", "13 is outside 1–12"),
        ("* * * * 8", "day of week", "8 is outside 0–7"),
        ("* * * foo *", "month", "'foo' is not a number or a name such as 'jan'"),
        ("x * * * *", "minute", "'x' is not a number"),
        ("5-1 * * * *", "minute", "range '5-1' runs backwards"),
        ("*/0 * * * *", "minute", "step '0' in '*/0' is not a whole number ≥ 1"),
        ("*/61 * * * *", "minute", "step 61 in '*/61' is larger than the field's range 0–59"),
        ("1,,2 * * * *", "minute", "'1,,2' has an empty list item"),
        ("1/2/3 * * * *", "minute", "'1/2/3' has more than one '/'"),
        ("L * * * *", "minute", "'L' (last day of the month) belongs in the day-of-month field"),
        ("? * * * *", "minute", "'?' belongs in the day-of-month or day-of-week field"),
        ("1- * * * *", "minute", "a range is missing a value"),
        ("@reboot", nil, "unknown macro '@reboot'; known: @annually, @daily, @hourly, @midnight, @monthly, @weekly, @yearly"),
        ("0 0 30 2 *", nil, "never fires: no month in it has such a day"),
        ("0 0 31 4,6,9,11 *", nil, "never fires: no month in it has such a day"),
    ] as [(String, String?, String)])
    func refusedWithAReason(_ text: String, _ field: String?, _ reason: String) {
        #expect(throws: CronSyntaxError(expression: text, field: field, reason: reason)) { try CronExpression(parsing: text) }
    }

    @Test func errorsReadAsOneSentence() {
        let error = CronSyntaxError(expression: "61 * * * *", field: "minute", reason: "61 is outside 0–59")
        #expect(error.description == "cron expression '61 * * * *': minute field: 61 is outside 0–59")
    }

    @Test func leapDayIsNotNever() throws {
        _ = try CronExpression(parsing: "0 0 29 2 *")
        _ = try CronExpression(parsing: "0 0 29 2 mon")
    }
}
