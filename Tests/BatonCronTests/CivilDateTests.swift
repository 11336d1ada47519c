import Foundation
import Testing

@testable import BatonCron

@Suite("Civil dates")
struct CivilDateTests {
    /// Foundation's Gregorian calendar in UTC is the oracle, every day from 1900 to 2200.
    @Test func roundTripsAndWeekdaysMatchFoundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let first = CivilDate.days(year: 1900, month: 1, day: 1)
        let last = CivilDate.days(year: 2200, month: 12, day: 31)
        var mismatches = 0
        for day in stride(from: first, through: last, by: 1) {
            let (year, month, dayOfMonth) = CivilDate.date(days: day)
            if CivilDate.days(year: year, month: month, day: dayOfMonth) != day { mismatches += 1 }
            // Sampling Foundation every 97 days keeps the test quick while crossing every month.
            if day % 97 == 0 {
                let components = calendar.dateComponents([.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: TimeInterval(day) * 86_400))
                if components.year != year || components.month != month || components.day != dayOfMonth || components.weekday! - 1 != CivilDate.weekday(days: day) {
                    mismatches += 1
                }
            }
        }
        #expect(mismatches == 0)
        #expect(CivilDate.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilDate.weekday(days: 0) == 4, "1970-01-01 was a Thursday")
        #expect(CivilDate.daysInMonth(year: 2000, month: 2) == 29 && CivilDate.daysInMonth(year: 2100, month: 2) == 28)
    }
}
